package io.edgekv.replication.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One round of term questions in flight; reads that arrive meanwhile share the next one. */
class TermRoundsTest {
  private final List<CompletableFuture<Long>> started = new ArrayList<>();
  private final TermRounds rounds = new TermRounds(() -> {
    CompletableFuture<Long> round = new CompletableFuture<>();
    started.add(round);
    return round;
  });

  @Test
  void aReadArrivingDuringARoundWaitsForTheNextOne() throws Exception {
    CompletableFuture<Long> first = rounds.next();
    assertEquals(1, started.size());
    CompletableFuture<Long> second = rounds.next();
    CompletableFuture<Long> third = rounds.next();
    assertSame(second, third, "reads arriving during a round share the next one");
    assertEquals(1, started.size(), "the next round starts only when the first ends");
    started.get(0).complete(7L);
    assertEquals(7L, first.get(1, TimeUnit.SECONDS));
    assertFalse(second.isDone(), "the first round's answers could predate the second read");
    assertEquals(2, started.size());
    started.get(1).complete(8L);
    assertEquals(8L, second.get(1, TimeUnit.SECONDS));
    rounds.next();
    assertEquals(3, started.size(), "with nothing in flight a read starts its own round at once");
  }

  @Test
  void aFailedRoundFailsItsReadsAndTheNextRoundStillRuns() throws Exception {
    CompletableFuture<Long> first = rounds.next();
    CompletableFuture<Long> second = rounds.next();
    started.get(0).completeExceptionally(new IllegalStateException("no majority"));
    assertThrows(ExecutionException.class, () -> first.get(1, TimeUnit.SECONDS));
    started.get(1).complete(3L);
    assertEquals(3L, second.get(1, TimeUnit.SECONDS));
  }
}

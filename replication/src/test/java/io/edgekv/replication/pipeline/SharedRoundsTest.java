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
class SharedRoundsTest {
  private final List<CompletableFuture<Long>> started = new ArrayList<>();
  private final SharedRounds<Long> rounds = new SharedRounds<>(() -> {
    CompletableFuture<Long> round = new CompletableFuture<>();
    started.add(round);
    return round;
  }, Runnable::run);

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

  @Test
  void withTwoInFlightAReadStartsItsOwnRoundAndOnlyTheThirdWaits() throws Exception {
    List<CompletableFuture<Long>> begun = new ArrayList<>();
    SharedRounds<Long> two = new SharedRounds<>(() -> {
      CompletableFuture<Long> round = new CompletableFuture<>();
      begun.add(round);
      return round;
    }, 2, Runnable::run);
    CompletableFuture<Long> a = two.next();
    CompletableFuture<Long> b = two.next();
    assertEquals(2, begun.size(), "a second read starts a round of its own at once");
    CompletableFuture<Long> c = two.next();
    CompletableFuture<Long> d = two.next();
    assertSame(c, d, "beyond two in flight, reads share the next round");
    assertEquals(2, begun.size());
    begun.get(1).complete(5L);
    assertEquals(5L, b.get(1, TimeUnit.SECONDS));
    assertFalse(a.isDone());
    assertEquals(3, begun.size(), "the queued round starts when one ends");
    begun.get(2).complete(6L);
    assertEquals(6L, c.get(1, TimeUnit.SECONDS));
    begun.get(0).complete(4L);
    assertEquals(4L, a.get(1, TimeUnit.SECONDS));
    two.next();
    assertEquals(4, begun.size());
  }

  @Test
  void theNextRoundStartsOnTheExecutorNotOnTheThreadThatCompletedTheLastOne() {
    List<CompletableFuture<Long>> begun = new ArrayList<>();
    List<Runnable> handedOver = new ArrayList<>();
    SharedRounds<Long> deferred = new SharedRounds<>(() -> {
      CompletableFuture<Long> round = new CompletableFuture<>();
      begun.add(round);
      return round;
    }, handedOver::add);
    CompletableFuture<Long> first = deferred.next();
    CompletableFuture<Long> second = deferred.next();
    begun.get(0).complete(1L);
    assertEquals(1L, first.join());
    assertEquals(1, begun.size(), "the completing thread (Ratis' apply thread) must not start the next round");
    assertEquals(1, handedOver.size());
    handedOver.get(0).run();
    assertEquals(2, begun.size());
    begun.get(1).complete(2L);
    assertEquals(2L, second.join());
  }
}

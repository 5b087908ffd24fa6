package io.edgekv.replication.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.internal.v1.RangeDigestsRequest;
import io.edgekv.internal.v1.RangeDigestsResponse;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EmulatedWanTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  /** The far side: answers every call at once, naming the region it reached. */
  private final AtomicInteger calls = new AtomicInteger();
  private final RegionLink far = new RegionLink() {
    @Override
    public CompletableFuture<ReplicateResponse> replicate(String region, ReplicateRequest request) {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture(ReplicateResponse.newBuilder().setRegion(region).build());
    }

    @Override
    public CompletableFuture<RangeDigestsResponse> rangeDigests(String region, RangeDigestsRequest request) {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture(RangeDigestsResponse.getDefaultInstance());
    }

    @Override
    public CompletableFuture<ReplicateResponse> repair(String region, RepairRequest request) {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("repair refused by " + region));
    }
  };

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void withoutDelayOrLossCallsPassStraightThrough() throws Exception {
    EmulatedWan wan = new EmulatedWan(far, Duration.ZERO, 0, scheduler, new Random(1));
    CompletableFuture<ReplicateResponse> answer = wan.replicate("us-east", ReplicateRequest.getDefaultInstance());
    assertTrue(answer.isDone(), "no emulation: the far side's answer is returned as it is");
    assertEquals("us-east", answer.get().getRegion());
  }

  @Test
  void theAnswerTakesTheDelayEachWay() throws Exception {
    EmulatedWan wan = new EmulatedWan(far, Duration.ofMillis(100), 0, scheduler, new Random(1));
    long start = System.nanoTime();
    ReplicateResponse answer = wan.replicate("us-east", ReplicateRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals("us-east", answer.getRegion());
    assertTrue(tookMillis >= 200, "100 ms out and 100 ms back, took " + tookMillis + " ms");
  }

  @Test
  void failuresOfTheFarSideComeBackDelayedToo() {
    EmulatedWan wan = new EmulatedWan(far, Duration.ofMillis(20), 0, scheduler, new Random(1));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> wan.repair("ap-south", RepairRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS));
    assertEquals("repair refused by ap-south", e.getCause().getMessage());
  }

  @Test
  void aCutLinkFailsAtOnceUntilHealed() throws Exception {
    EmulatedWan wan = new EmulatedWan(far, Duration.ZERO, 0, scheduler, new Random(1));
    wan.cut("ap-south");
    CompletableFuture<ReplicateResponse> refused = wan.replicate("ap-south", ReplicateRequest.getDefaultInstance());
    ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(1, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
    assertEquals(0, calls.get(), "nothing crosses a cut link");
    assertEquals("us-east", wan.replicate("us-east", ReplicateRequest.getDefaultInstance()).get().getRegion(),
        "other regions stay reachable");
    wan.heal();
    assertEquals("ap-south", wan.replicate("ap-south", ReplicateRequest.getDefaultInstance())
        .get(1, TimeUnit.SECONDS).getRegion());
  }

  @Test
  void lossDropsThatShareOfCalls() throws Exception {
    EmulatedWan wan = new EmulatedWan(far, Duration.ZERO, 50, scheduler, new Random(7));
    int lost = 0;
    for (int i = 0; i < 400; i++) {
      try {
        wan.rangeDigests("us-east", RangeDigestsRequest.getDefaultInstance()).get(5, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        assertTrue(e.getCause().getMessage().contains("emulated WAN loss"), e.getCause().getMessage());
        lost++;
      }
    }
    assertTrue(lost > 140 && lost < 260, "about half of 400 calls lost, was " + lost);
    assertEquals(400 - lost, calls.get(), "a lost call never reaches the far side");
  }

  @Test
  void refusesANegativeDelayOrALossOutsidePercent() {
    assertThrows(IllegalArgumentException.class,
        () -> new EmulatedWan(far, Duration.ofMillis(-1), 0, scheduler, new Random()));
    assertThrows(IllegalArgumentException.class, () -> new EmulatedWan(far, Duration.ZERO, 101, scheduler, new Random()));
  }
}

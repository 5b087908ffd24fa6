package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.PutRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client moves its traffic off a node that answers with {@code edgekv-draining: true}. */
class DrainAwarenessTest {

  private final AtomicLong now = new AtomicLong();
  private InProcessFleet fleet;
  private EdgeKvClient client;

  @BeforeEach
  void start() throws Exception {
    fleet = new InProcessFleet(3);
    client = fleet.clientBuilder().nanoTime(now::get).build();
  }

  @AfterEach
  void stop() {
    client.close();
    fleet.close();
  }

  @Test
  void responseMarkedDrainingSucceedsAndLaterCallsGoToOtherEndpoints() {
    fleet.node(0).draining = true;

    PutResult first = client.put("k", "v");
    GetResult second = client.get("k");
    client.put("k2", "v2");

    assertEquals("node-0", first.servedBy().node());
    assertEquals("node-1", second.servedBy().node());
    assertEquals(1, fleet.node(0).requests.size());
  }

  @Test
  void demotedEndpointStillAnswersWhenTheOthersFail() {
    fleet.node(0).draining = true;
    client.put("k", "v");
    fleet.node(1).alwaysFail = () -> Status.UNAVAILABLE.withDescription("down").asRuntimeException();
    fleet.node(2).alwaysFail = () -> Status.UNAVAILABLE.withDescription("down").asRuntimeException();

    GetResult got = client.get("k");

    assertEquals("node-0", got.servedBy().node());
    assertEquals("v", got.valueAsString());
    assertEquals(1, fleet.node(1).requests.size());
    assertEquals(1, fleet.node(2).requests.size());
  }

  @Test
  void demotionEndsAfterItsDurationSoTheEndpointTakesTrafficAgain() {
    fleet.node(0).draining = true;
    client.put("k", "v");
    assertEquals("node-1", client.get("k").servedBy().node());
    fleet.node(0).draining = false;
    fleet.node(1).nextFailures.add(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());

    // Still demoted: the call fails over from node-1 to node-2, not back to node-0.
    assertEquals("node-2", client.get("k").servedBy().node());

    now.addAndGet(Duration.ofSeconds(31).toNanos());
    fleet.node(2).nextFailures.add(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
    assertEquals("node-0", client.get("k").servedBy().node());
  }

  @Test
  void demotionCanBeTurnedOff() throws Exception {
    fleet.node(0).draining = true;
    try (EdgeKvClient stubborn = fleet.clientBuilder().drainingDemotion(Duration.ZERO).nanoTime(now::get).build()) {
      stubborn.put("k", "v");
      assertEquals("node-0", stubborn.get("k").servedBy().node());
    }
  }

  @Test
  void noCallFailsWhileANodeDrainsAndItsTrafficMovesAway() throws Exception {
    int threads = 4;
    try (InProcessFleet network = InProcessFleet.onLoopback(3);
        // a deadline for a loaded machine: a call that times out there failed for the load, not the drain
        EdgeKvClient writer = network.clientBuilder().deadline(Duration.ofSeconds(30)).nanoTime(now::get).build()) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger succeeded = new AtomicInteger();
      Semaphore successes = new Semaphore(0); // one permit per successful write, waited for below
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      CountDownLatch warmedUp = new CountDownLatch(threads);
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        writers.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; !stop.get(); i++) {
            try {
              writer.put("w" + id + "/" + i, "v");
              succeeded.incrementAndGet();
              successes.release();
            } catch (RuntimeException e) {
              failures.add(e);
            }
            if (i == 20) {
              warmedUp.countDown();
            }
          }
        }));
      }
      int beforeDrain;
      int atDrain;
      try {
        // Generous deadlines: on a loaded 2-core machine the first calls wait for the JIT and the
        // scheduler; the wait below ends as soon as the writes went on, so an idle run stays short.
        assertTrue(warmedUp.await(60, TimeUnit.SECONDS), "the writers did not warm up in 60 s");
        beforeDrain = network.node(0).requestsOf(PutRequest.class).size();

        network.drain(0);
        atDrain = succeeded.get();
        successes.drainPermits();
        successes.tryAcquire(400, 60, TimeUnit.SECONDS); // the writes after the drain, or the deadline
      } finally {
        stop.set(true);
        for (Thread w : writers) {
          w.join();
        }
      }

      assertEquals(List.of(), failures.stream().map(Throwable::toString).toList());
      assertTrue(succeeded.get() >= atDrain + 400, "writes stalled after the drain: " + succeeded.get());
      assertTrue(beforeDrain > 0, "node-0 took no traffic before the drain");
      // Once draining, node-0 sees at most about one call per writer: the one that learns it
      // drains, and one that was already on its way.
      long whileDraining = network.node(0).requestsWhileDraining.get();
      assertTrue(whileDraining <= 2 * threads, "node-0 still took " + whileDraining + " calls while draining");
    }
  }
}

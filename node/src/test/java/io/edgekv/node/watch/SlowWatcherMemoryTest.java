package io.edgekv.node.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.api.v1.WatchEvent;
import io.edgekv.api.v1.WatchEventType;
import io.edgekv.api.v1.WatchRequest;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent.Kind;
import io.edgekv.client.WatchOptions;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.node.testing.NodeProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 3: a watcher that stops reading while 1 MiB values and publishes flow must
 * cost bounded memory. The node runs in its own JVM with a 256 MiB heap (as in the acceptance
 * run), so an unbounded buffer kills it with OutOfMemoryError instead of passing unnoticed in
 * the test JVM's larger heap.
 */
class SlowWatcherMemoryTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int VALUE_BYTES = 1 << 20;
  private static final int PUTS = 320;
  private static final int PUBLISHES = 80;

  /** A raw Watch stream that takes only the messages it asks for (gRPC manual flow control). */
  private static final class StalledStream implements ClientResponseObserver<WatchRequest, WatchEvent> {
    final List<WatchEvent> received = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile ClientCallStreamObserver<WatchRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(WatchEvent value) {
      // Values are dropped as they arrive: the stream's memory is the server's business here.
      received.add(value.toBuilder().clearEntry().clearChange().setChange(value.getChange().toBuilder()
          .clearPayload()).build());
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {}

    boolean has(WatchEventType type) {
      return received.stream().anyMatch(e -> e.getType() == type);
    }
  }

  @Test
  void watcherThatStopsReadingCostsBoundedMemoryAndIsResetWhileOthersKeepUp() throws Exception {
    try (NodeProcess node = NodeProcess.start(Duration.ofSeconds(120), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError");
        EdgeKvClient client = EdgeKvClient.builder().endpoint(node.publicAddress()).namespace("default")
            .deadline(Duration.ofSeconds(30)).build();
        InvalidationClient invalidation = InvalidationClient.of(client)) {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(node.publicAddress()).usePlaintext().build();
      ExecutorService writers = Executors.newFixedThreadPool(8);
      try {
        StalledStream slow = new StalledStream();
        InvalidationServiceGrpc.newStub(channel).watch(WatchRequest.newBuilder().setNamespace("default")
            .addPrefixes(ByteString.copyFromUtf8("slow/")).addTopics("slow-topic").setIncludeValues(true).build(), slow);
        MiniKvCluster.await(WAIT, "the stalled watch is created", () -> slow.has(WatchEventType.WATCH_CREATED));
        EventLog reading = new EventLog();
        invalidation.watch(WatchOptions.builder().prefix("slow/").build(), reading).awaitWatching(WAIT);

        byte[] value = new byte[VALUE_BYTES];
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < PUTS + PUBLISHES; i++) {
          int n = i;
          writes.add(writers.submit(() -> untilAccepted(() -> {
            if (n % 5 == 4) {
              invalidation.publish("slow-topic", value, "m-" + n);
            } else {
              client.put(("slow/" + n % 50).getBytes(StandardCharsets.UTF_8), value);
            }
          })));
        }
        for (Future<?> write : writes) {
          try {
            write.get(5, TimeUnit.MINUTES);
          } catch (ExecutionException e) {
            assertTrue(node.isAlive(), "the node died while a watcher did not read: " + tail(node.log()));
            throw e;
          }
        }

        assertTrue(node.isAlive(), "the node died while a watcher did not read: " + tail(node.log()));
        assertFalse(node.log().contains("OutOfMemoryError"), tail(node.log()));
        MiniKvCluster.await(WAIT, "the reading watcher saw every put",
            () -> reading.events.stream().filter(e -> e.kind() == Kind.PUT).count() >= PUTS);
        assertTrue(reading.resets.isEmpty(), "the watcher that reads is never reset: " + reading.resets);

        // The stalled watcher reads again: it was dropped to a RESET naming the limit, then is live.
        slow.call.request(Integer.MAX_VALUE);
        MiniKvCluster.await(WAIT, "a RESET on the stalled watch", () -> slow.has(WatchEventType.WATCH_RESET));
        String reason = slow.received.stream().filter(e -> e.getType() == WatchEventType.WATCH_RESET).findFirst()
            .orElseThrow().getReason();
        assertTrue(reason.contains("invalidation.streamBufferBytes") || reason.contains("invalidation.nodeBufferBytes"),
            reason);
        client.put("slow/after", "small");
        MiniKvCluster.await(WAIT, "the stalled watch is live again after its reset", () -> slow.received.stream()
            .anyMatch(e -> e.getChange().getKey().toStringUtf8().equals("slow/after")));
        assertEquals(null, slow.error.get());

        assertEquals("small", client.get("slow/after").valueAsString());
        assertEquals(200, node.httpStatus("/readyz"));
        String metrics = node.httpGet("/metrics");
        assertTrue(counter(metrics, "edgekv_invalidation_overruns_total", "stream_bytes")
            + counter(metrics, "edgekv_invalidation_overruns_total", "node_bytes") >= 1, "overruns counted");
      } finally {
        writers.shutdownNow();
        channel.shutdownNow();
      }
    }
  }

  /**
   * Retries a write the node refused for load (a busy machine may not commit 8 concurrent 1 MiB
   * writes within the Raft request timeout): this test is about the node's memory, and every
   * write must reach it.
   */
  private static Void untilAccepted(Runnable write) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        write.run();
        return null;
      } catch (EdgeKvException e) {
        boolean load = e.code() == Status.Code.UNAVAILABLE || e.code() == Status.Code.DEADLINE_EXCEEDED
            || e.code() == Status.Code.RESOURCE_EXHAUSTED;
        if (!load || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private static double counter(String metrics, String name, String limit) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*limit=\"" + limit + "\"[^}]*} (\\S+)$").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static String tail(String log) {
    return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
  }
}

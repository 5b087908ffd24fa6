package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.Server;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Liveness and readiness report what the node can do, checked by doing the work. */
class HealthTruthTest {
  private static MiniKvCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniKvCluster.builder().regions(1).nodesPerRegion(3).start();
    cluster.awaitLeaders(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static HttpResponse<String> http(int node, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://" + cluster.config(node).self().httpAddress() + path)).timeout(Duration.ofSeconds(3))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aStuckExecutorFailsLivenessAndASlowOneReadiness() throws Exception {
    EdgeKvNode node = cluster.node(2);
    MiniKvCluster.await(Duration.ofSeconds(30), "node 2 ready", () -> node.readiness().ready());
    assertEquals(200, http(2, "/healthz").statusCode());
    ExecutorService blocked = Executors.newSingleThreadExecutor();
    CountDownLatch release = new CountDownLatch(1);
    blocked.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Watchdog watchdog = new Watchdog("test", node.replica(), new Watchdog.Settings(Duration.ofMillis(50),
        Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofSeconds(30)), System::nanoTime)
        .watch("blocked", blocked).start();
    try {
      node.readiness().watchdog(watchdog);
      MiniKvCluster.await(Duration.ofSeconds(10), "node 2 not alive", () -> !node.readiness().livenessFailures().isEmpty());
      HttpResponse<String> health = http(2, "/healthz");
      assertEquals(503, health.statusCode());
      assertTrue(health.body().contains("executor_stuck"), health.body());
      HttpResponse<String> ready = http(2, "/readyz");
      assertEquals(503, ready.statusCode());
      assertTrue(ready.body().contains("saturated"), ready.body());
      release.countDown();
      MiniKvCluster.await(Duration.ofSeconds(10), "node 2 alive again", () -> node.readiness().livenessFailures().isEmpty());
      assertEquals(200, http(2, "/healthz").statusCode());
    } finally {
      release.countDown();
      watchdog.close();
      blocked.shutdownNow();
    }
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAtAccept() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    ExecutorService executor = Executors.newSingleThreadExecutor();
    Transport.ConnectionCounts counts = new Transport.ConnectionCounts();
    Server server = Transport.server(cluster.config(0), port, new Transport.ServerLimits(1 << 20, 2, 10), counts,
        executor, Map.of(), List.of(), () -> false).start();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(200);
        sockets.add(socket);
      }
      MiniKvCluster.await(Duration.ofSeconds(10), "3 connections refused", () -> counts.refused() == 3);
      assertEquals(2, counts.open());
      int closed = 0;
      for (Socket socket : sockets) {
        try (InputStream in = socket.getInputStream()) {
          // The server speaks first on HTTP/2 (its SETTINGS); a refused socket reads end of stream.
          while (in.read() != -1) {
            // drain what an accepted connection sends until the timeout
          }
          closed++;
        } catch (SocketTimeoutException | java.net.SocketException open) {
          // still open (or reset): an accepted connection
          if (open instanceof java.net.SocketException) {
            closed++;
          }
        }
      }
      assertEquals(3, closed, "connections beyond the limit are closed");
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
      server.shutdownNow();
      executor.shutdownNow();
    }
  }
}

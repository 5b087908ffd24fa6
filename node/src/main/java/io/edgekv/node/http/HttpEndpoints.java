package io.edgekv.node.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.edgekv.node.Readiness;
import io.edgekv.node.metrics.NodeMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.ArrayList;

/**
 * The node's HTTP port: {@code /healthz} (the node can make progress: 503
 * with the reasons from the {@link io.edgekv.node.Watchdog} otherwise), {@code /readyz} (it should
 * receive anycast traffic; 503 with the reasons otherwise) and {@code /metrics} (Prometheus).
 */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  public HttpEndpoints(String host, int port, Readiness readiness, NodeMetrics metrics, String nodeId)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 32);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "http-" + nodeId);
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/healthz", exchange -> {
      List<String> failures = readiness.livenessFailures();
      respond(exchange, failures.isEmpty() ? 200 : 503, "application/json",
          "{\"status\":\"" + (failures.isEmpty() ? "alive" : "stuck") + "\",\"node\":\"" + nodeId
              + "\",\"reasons\":" + list(failures) + "}\n");
    });
    server.createContext("/readyz", exchange -> {
      List<String> reasons = readiness.notReadyReasons();
      List<String> shown = new ArrayList<>(reasons);
      shown.addAll(readiness.degradedReasons());
      String body = "{\"ready\":" + reasons.isEmpty() + ",\"node\":\"" + nodeId + "\",\"reasons\":"
          + list(shown) + "}\n";
      respond(exchange, reasons.isEmpty() ? 200 : 503, "application/json", body);
    });
    server.createContext("/metrics", exchange -> respond(exchange, 200,
        "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
  }

  public void start() {
    server.start();
  }

  private static String list(List<String> items) {
    return "[" + items.stream().map(HttpEndpoints::quote).collect(Collectors.joining(",")) + "]";
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

package io.edgekv.node.dev;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.io.IOException;

/** Polls nodes' {@code /readyz} over HTTP, as an anycast health checker would, with a deadline. */
public final class ReadyProbe {
  private final List<String> httpAddresses;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private volatile String lastProblem = "";

  public ReadyProbe(List<String> httpAddresses) {
    this.httpAddresses = List.copyOf(httpAddresses);
  }

  /** True once every node answers {@code /readyz} with 200; false at the deadline. */
  public boolean awaitAllReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (allReady()) {
        return true;
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
    return false;
  }

  private boolean allReady() {
    for (String address : httpAddresses) {
      try {
        HttpResponse<String> response = http.send(
            HttpRequest.newBuilder(URI.create("http://" + address + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          lastProblem = address + " /readyz " + response.statusCode() + " " + response.body().trim();
          return false;
        }
      } catch (IOException e) {
        lastProblem = address + " /readyz: " + e;
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  public String lastProblem() {
    return lastProblem;
  }
}

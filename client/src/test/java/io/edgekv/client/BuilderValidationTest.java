package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BuilderValidationTest {

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "localhost:", ":7400", "host:port", "host:0", "host:65536",
      "a:b:7400", "[::1]7400", "ho st:1", "http://h:1"})
  void malformedEndpointIsRejectedNamingTheOption(String endpoint) {
    IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
        () -> EdgeKvClient.builder().endpoint(endpoint));
    IllegalArgumentException list = assertThrows(IllegalArgumentException.class,
        () -> EdgeKvClient.builder().endpoints(List.of("127.0.0.1:7400", endpoint)));

    assertTrue(single.getMessage().startsWith("endpoint: "), single.getMessage());
    assertTrue(list.getMessage().startsWith("endpoints: "), list.getMessage());
    assertTrue(list.getMessage().contains("'" + endpoint + "'"), list.getMessage());
  }

  @Test
  void wellFormedEndpointsAreAccepted() {
    assertEquals(new Endpoint("::1", 7400), Endpoint.parse("endpoint", "[::1]:7400"));
    assertEquals(new Endpoint("edge-1.example", 65535), Endpoint.parse("endpoint", " edge-1.example:65535 "));
    assertEquals("[::1]:7400", new Endpoint("::1", 7400).toString());
  }

  @Test
  void duplicateEndpointIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EdgeKvClient.builder().endpoints(List.of("127.0.0.1:7400", "127.0.0.1:7400")));
    assertTrue(e.getMessage().startsWith("endpoints: duplicate"), e.getMessage());
  }

  @Test
  void buildWithoutEndpointsIsRejected() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> EdgeKvClient.builder().build());
    assertTrue(e.getMessage().startsWith("endpoints: "), e.getMessage());
  }

  @Test
  void otherClientOptionsAreValidatedNamingTheOption() {
    EdgeKvClientBuilder b = EdgeKvClient.builder();
    assertMessageStarts("namespace", assertThrows(IllegalArgumentException.class, () -> b.namespace(" ")));
    assertMessageStarts("deadline", assertThrows(IllegalArgumentException.class, () -> b.deadline(Duration.ZERO)));
    assertMessageStarts("deadline", assertThrows(NullPointerException.class, () -> b.deadline(null)));
    assertMessageStarts("drainingDemotion",
        assertThrows(IllegalArgumentException.class, () -> b.drainingDemotion(Duration.ofSeconds(-1))));
    assertMessageStarts("ttl", assertThrows(IllegalArgumentException.class, () -> TouchOptions.of(Duration.ofMillis(999))));
    assertMessageStarts("requestId",
        assertThrows(IllegalArgumentException.class, () -> TouchOptions.builder(Duration.ofSeconds(1)).requestId("")));
  }

  @Test
  void retryPolicyIsValidatedNamingTheOption() {
    assertMessageStarts("maxAttempts",
        assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().maxAttempts(0)));
    assertMessageStarts("initialBackoff", assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.builder().initialBackoff(Duration.ofMillis(-1))));
    assertMessageStarts("maxBackoff", assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(1)).build()));
    assertMessageStarts("perAttemptTimeout", assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.builder().perAttemptTimeout(Duration.ZERO)));
  }

  @Test
  void retryBackoffGrowsExponentiallyUpToTheMaximum() {
    RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(50))
        .maxBackoff(Duration.ofMillis(300)).build();
    assertEquals(50_000_000L, p.nominalBackoffNanos(1));
    assertEquals(100_000_000L, p.nominalBackoffNanos(2));
    assertEquals(200_000_000L, p.nominalBackoffNanos(3));
    assertEquals(300_000_000L, p.nominalBackoffNanos(4));
  }

  @Test
  void callOptionsAreValidatedNamingTheOption() {
    assertMessageStarts("ttl", assertThrows(IllegalArgumentException.class,
        () -> PutOptions.builder().ttl(Duration.ofMillis(999))));
    assertMessageStarts("ifAbsent", assertThrows(IllegalArgumentException.class,
        () -> PutOptions.builder().ifAbsent().ifVersion(new Version(1, "r")).build()));
    assertMessageStarts("requestId", assertThrows(IllegalArgumentException.class,
        () -> PutOptions.builder().requestId("")));
    assertMessageStarts("maxStaleness", assertThrows(IllegalArgumentException.class,
        () -> ReadOptions.of(Consistency.BOUNDED)));
    assertMessageStarts("limit", assertThrows(IllegalArgumentException.class,
        () -> ScanOptions.builder().limit(1001)));
  }

  private static void assertMessageStarts(String option, RuntimeException e) {
    assertTrue(e.getMessage().startsWith(option), e.getMessage());
  }
}

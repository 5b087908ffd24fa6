package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointSelectorTest {

  // Near the top of the long range, so that the demotion deadline overflows: nanoTime readings may be any long.
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(10).toNanos());
  private final EndpointSelector selector = new EndpointSelector(3, Duration.ofSeconds(30), now::get);

  @Test
  void withoutDemotionsAttemptsGoRoundRobinFromTheEndpointThatLastAnswered() {
    assertArrayEquals(new int[] {0, 1, 2}, selector.attemptOrder());

    selector.answered(2);

    assertArrayEquals(new int[] {2, 0, 1}, selector.attemptOrder());
  }

  @Test
  void drainingEndpointIsTriedAfterTheOthersUntilItsDemotionEnds() {
    selector.observedHeaders(0, true);

    assertArrayEquals(new int[] {1, 2, 0}, selector.attemptOrder());

    now.addAndGet(Duration.ofSeconds(29).toNanos());
    assertTrue(selector.isDemoted(0));
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertFalse(selector.isDemoted(0));
    assertArrayEquals(new int[] {0, 1, 2}, selector.attemptOrder());
  }

  @Test
  void demotedEndpointThatAnswersWithoutTheHeaderIsRestoredAtOnce() {
    selector.observedHeaders(1, true);
    selector.answered(1);
    assertArrayEquals(new int[] {2, 0, 1}, selector.attemptOrder());

    selector.observedHeaders(1, false);

    assertArrayEquals(new int[] {1, 2, 0}, selector.attemptOrder());
  }

  @Test
  void everyEndpointDemotedKeepsTheRoundRobinOrder() {
    selector.observedHeaders(0, true);
    selector.observedHeaders(1, true);
    selector.observedHeaders(2, true);

    assertArrayEquals(new int[] {0, 1, 2}, selector.attemptOrder());
  }

  @Test
  void callsAddressedToOneNodeStartThereWhateverItsState() {
    selector.observedHeaders(1, true);

    assertArrayEquals(new int[] {1, 2, 0}, selector.attemptOrderFrom(1));
  }
}

package io.edgekv.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Which endpoint a call tries first, and in which order it fails over.
 *
 * <p>Two facts decide: the endpoint that last answered (so a client that failed over keeps
 * using the endpoint that works instead of paying a failed attempt on every call), and which
 * endpoints said they are draining. A node that drains answers with the {@code
 * edgekv-draining: true} header; it still serves, but it is about to leave, so the client
 * demotes it for {@link #demotion} and tries it only after the other endpoints. A demoted
 * endpoint is restored early when one of its responses comes without the header (it was
 * undrained).
 *
 * <p>Thread-safe; the clock is injected so tests can move time.
 */
final class EndpointSelector {

  /** The flag of an endpoint that is not demoted; a flag apart from the deadline, as a nanoTime reading may be any long. */
  private static final long NOT_DEMOTED = 0;

  private final int size;
  private final long demotionNanos;
  private final LongSupplier nanoTime;
  private final AtomicInteger preferred = new AtomicInteger();
  /** Per endpoint: 1 while demoted. */
  private final AtomicLongArray demoted;
  /** Per endpoint: when its demotion ends, as a {@link #nanoTime} reading; meaningful while demoted. */
  private final AtomicLongArray demotedUntil;

  EndpointSelector(int size, Duration demotion, LongSupplier nanoTime) {
    if (size < 1) {
      throw new IllegalArgumentException("at least one endpoint is required");
    }
    this.size = size;
    this.demotionNanos = demotion.toNanos();
    this.nanoTime = nanoTime;
    this.demoted = new AtomicLongArray(size);
    this.demotedUntil = new AtomicLongArray(size);
  }

  /**
   * The order the attempts of a new call go through the endpoints: round robin from the one
   * that last answered, endpoints that are not demoted first, then the demoted ones in the
   * same rotation. Attempts past the end wrap around.
   */
  int[] attemptOrder() {
    int start = preferred.get();
    int[] order = new int[size];
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < size; i++) {
        int index = (start + i) % size;
        if (isDemoted(index) == (pass == 1)) {
          order[n++] = index;
        }
      }
    }
    return order;
  }

  /** The order of a call that must start at {@code first} (e.g. the node an admin call asks), then the list order. */
  int[] attemptOrderFrom(int first) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = (first + i) % size;
    }
    return order;
  }

  /** Records that endpoint {@code index} answered a call. */
  void answered(int index) {
    preferred.set(index);
  }

  /** Records whether a response of endpoint {@code index} carried the draining header. */
  void observedHeaders(int index, boolean draining) {
    if (draining) {
      demotedUntil.set(index, nanoTime.getAsLong() + demotionNanos);
      demoted.set(index, 1);
    } else if (demoted.get(index) != NOT_DEMOTED) {
      demoted.set(index, NOT_DEMOTED);
    }
  }

  /** Whether endpoint {@code index} is demoted now. */
  boolean isDemoted(int index) {
    // The flag is written after the deadline, so a set flag is never read with a stale deadline.
    return demoted.get(index) != NOT_DEMOTED && nanoTime.getAsLong() - demotedUntil.get(index) < 0;
  }
}

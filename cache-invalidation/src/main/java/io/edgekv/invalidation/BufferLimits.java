package io.edgekv.invalidation;

import com.google.protobuf.MessageLite;

/**
 * How much a node's invalidation bus may hold for subscribers that have not taken their changes
 * yet. A subscription past {@code streamEvents} or {@code streamBytes} is overrun (it drops its
 * buffer and owes its consumer one {@code RESET}); when all subscriptions together would pass
 * {@code nodeBytes}, the one holding the most bytes is overrun to make room. Bytes are the
 * serialized size of each buffered event plus {@link #EVENT_OVERHEAD_BYTES}, counted per
 * subscription (an event shared by two subscriptions counts twice: an upper bound).
 *
 * @param streamEvents events buffered per subscription (at least 1)
 * @param streamBytes bytes buffered per subscription (at least {@link #EVENT_OVERHEAD_BYTES} + 1)
 * @param nodeBytes bytes buffered over all subscriptions of the bus (at least {@code streamBytes})
 */
public record BufferLimits(int streamEvents, long streamBytes, long nodeBytes) {
  /** Memory an event costs beyond its serialized bytes: the object, its queue slot and timestamp. */
  public static final int EVENT_OVERHEAD_BYTES = 64;
  public static final BufferLimits DEFAULTS = new BufferLimits(10_000, 8L << 20, 64L << 20);

  public BufferLimits {
    if (streamEvents < 1) {
      throw new IllegalArgumentException("streamEvents must be at least 1, was " + streamEvents);
    }
    if (streamBytes <= EVENT_OVERHEAD_BYTES) {
      throw new IllegalArgumentException("streamBytes must be more than " + EVENT_OVERHEAD_BYTES + ", was "
          + streamBytes);
    }
    if (nodeBytes < streamBytes) {
      throw new IllegalArgumentException("nodeBytes (" + nodeBytes + ") must be at least streamBytes ("
          + streamBytes + ")");
    }
  }

  /** The bytes one buffered event is charged. */
  public static long footprint(MessageLite event) {
    return (long) event.getSerializedSize() + EVENT_OVERHEAD_BYTES;
  }
}

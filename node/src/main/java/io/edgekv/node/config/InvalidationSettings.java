package io.edgekv.node.config;

import io.edgekv.invalidation.BufferLimits;

/**
 * What a node buffers for Watch subscribers that fall behind (the {@code invalidation} section).
 * A stream past its limits, or the furthest-behind stream when the node's total is reached, is
 * dropped to one {@code WATCH_RESET} naming the limit (docs/invalidation.md); apply never waits.
 *
 * @param streamBufferEvents changes buffered per Watch stream (default 10000); also the most
 *     changes a resume replays from the changelog before it resets instead
 * @param streamBufferBytes bytes of changes buffered per Watch stream, replay included (default
 *     8MiB, or twice {@code limits.maxValueBytes} if that is more); at least
 *     {@code limits.maxValueBytes} + 64KiB, so that one maximal publish fits
 * @param nodeBufferBytes bytes buffered over all Watch streams of the node (default 64MiB, or
 *     twice {@code streamBufferBytes} if that is more); at least {@code streamBufferBytes}
 */
public record InvalidationSettings(int streamBufferEvents, ByteSize streamBufferBytes, ByteSize nodeBufferBytes) {
  /** Room beyond the largest value for the rest of a change event (key, tags, topic, ids). */
  static final int EVENT_SLACK_BYTES = 64 << 10;
  private static final int MAX_STREAM_EVENTS = 10_000_000;

  /** The defaults for a node with {@code limits}: the byte budgets grow with the largest value. */
  public static InvalidationSettings defaultsFor(NodeConfig.Limits limits) {
    long stream = Math.max(8L << 20, 2L * limits.maxValueBytes());
    return new InvalidationSettings(10_000, ByteSize.ofBytes(stream), ByteSize.ofBytes(Math.max(64L << 20, 2 * stream)));
  }

  void validate(NodeConfig.Limits limits) {
    check(streamBufferEvents >= 1 && streamBufferEvents <= MAX_STREAM_EVENTS, "invalidation.streamBufferEvents",
        "must be between 1 and " + MAX_STREAM_EVENTS + ", was " + streamBufferEvents);
    long smallest = (long) limits.maxValueBytes() + EVENT_SLACK_BYTES;
    check(streamBufferBytes.bytes() >= smallest, "invalidation.streamBufferBytes",
        "must be at least limits.maxValueBytes + 65536 (" + smallest + ") so that one maximal publish fits, was "
            + streamBufferBytes.bytes());
    check(nodeBufferBytes.compareTo(streamBufferBytes) >= 0, "invalidation.nodeBufferBytes",
        "must be at least invalidation.streamBufferBytes (" + streamBufferBytes.bytes() + "), was "
            + nodeBufferBytes.bytes());
  }

  /** The bus's limits (call on validated settings). */
  public BufferLimits bufferLimits() {
    return new BufferLimits(streamBufferEvents, streamBufferBytes.bytes(), nodeBufferBytes.bytes());
  }

  private static void check(boolean ok, String key, String message) {
    if (!ok) {
      throw new ConfigException(key + " " + message);
    }
  }
}

package io.edgekv.replication.pipeline;

import io.edgekv.replication.OverloadedException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission control of one shard's pipeline: at most {@code maxCount} requests and
 * {@code maxBytes} bytes outstanding. {@link #acquire} never waits: when full it throws
 * {@link OverloadedException} at once, with a retry delay. A permit is released when the work it
 * admitted has really ended (its Raft future or forwarded call completed), not when its caller
 * gave up, so the bound holds on the work in flight.
 */
public final class Admission {
  private final String name;
  private final long maxCount;
  private final long maxBytes;
  private final Duration retryAfter;
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  public Admission(String name, long maxCount, long maxBytes, Duration retryAfter) {
    if (maxCount < 1 || maxBytes < 1) {
      throw new IllegalArgumentException(name + ": limits must be positive, were " + maxCount + " / " + maxBytes);
    }
    this.name = name;
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
    this.retryAfter = retryAfter;
  }

  /** Admits a request of {@code size} bytes or throws {@link OverloadedException}; never blocks. */
  public void acquire(long size) {
    long n = count.incrementAndGet();
    long b = bytes.addAndGet(size);
    // One request alone may always pass (a single maximum-size value must be writable).
    if (n > 1 && (n > maxCount || b > maxBytes)) {
      count.decrementAndGet();
      bytes.addAndGet(-size);
      refused.incrementAndGet();
      String limit = n > maxCount ? maxCount + " requests" : maxBytes + " bytes";
      throw new OverloadedException(name, limit, retryAfter, name + " is full (" + limit
          + " outstanding); retry after " + retryAfter.toMillis() + " ms");
    }
  }

  public void release(long size) {
    count.decrementAndGet();
    bytes.addAndGet(-size);
  }

  public long outstanding() {
    return count.get();
  }

  public long outstandingBytes() {
    return bytes.get();
  }

  /** Requests refused since start. */
  public long refused() {
    return refused.get();
  }
}

package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void admitsTheBurstThenOneCallPerIntervalAndSaysHowLongToWait() {
    long now = 5 * SECOND;
    TokenBucket bucket = new TokenBucket(4, 3, now);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, bucket.tryAcquire(now), "call " + i + " of the burst");
    }
    long wait = bucket.tryAcquire(now);
    assertEquals(SECOND / 4, wait, "the fourth waits one interval");
    assertTrue(bucket.tryAcquire(now + wait - 1) > 0, "a moment too early");
    assertEquals(0, bucket.tryAcquire(now + wait));
    assertTrue(bucket.tryAcquire(now + wait) > 0, "one admitted per interval");
    assertEquals(0, bucket.tryAcquire(now + 100 * SECOND), "a full bucket after a pause");
  }

  @Test
  void aZeroBurstIsOneSecondsWorthAndAFractionalRateWaitsLonger() {
    TokenBucket bucket = new TokenBucket(10, 0, 0);
    int admitted = 0;
    while (bucket.tryAcquire(0) == 0) {
      admitted++;
    }
    assertEquals(10, admitted);
    TokenBucket slow = new TokenBucket(0.5, 1, 0);
    assertEquals(0, slow.tryAcquire(0));
    assertEquals(2 * SECOND, slow.tryAcquire(0));
  }

  @Test
  void concurrentCallersNeverGetMoreThanTheBurst() throws InterruptedException {
    TokenBucket bucket = new TokenBucket(1, 100, 0);
    AtomicInteger admitted = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(8);
    for (int t = 0; t < 8; t++) {
      Thread.ofPlatform().start(() -> {
        try {
          for (int i = 0; i < 1000; i++) {
            if (bucket.tryAcquire(0) == 0) {
              admitted.incrementAndGet();
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        } finally {
          done.countDown();
        }
      });
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(100, admitted.get());
  }
}

package io.edgekv.replication.hlc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridClockTest {
  private static Clock clockAt(AtomicLong millis) {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
      }
    };
  }

  @Test
  void neverGoesBackwardsWhenTheWallClockDoes() {
    AtomicLong wall = new AtomicLong(1_000_000);
    HybridClock hlc = new HybridClock(clockAt(wall));
    long first = hlc.now();
    wall.set(999_000);
    long second = hlc.now();
    assertTrue(second > first);
    assertEquals(1_000_000, HybridClock.physicalMillis(second));
    assertEquals(1, HybridClock.logical(second));
  }

  @Test
  void observingARemoteTimestampOrdersLaterLocalOnesAfterIt() {
    AtomicLong wall = new AtomicLong(1_000_000);
    HybridClock hlc = new HybridClock(clockAt(wall));
    long remote = HybridClock.fromMillis(1_000_400) + 7;
    hlc.observe(remote);
    assertTrue(hlc.now() > remote);
    wall.set(1_000_500);
    assertEquals(HybridClock.fromMillis(1_000_500), hlc.now());
  }
}

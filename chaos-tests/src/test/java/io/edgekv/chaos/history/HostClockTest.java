package io.edgekv.chaos.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HostClockTest {
  @Test
  void stepsOfTheWallClockAreRecordedAndDriftBelowTheThresholdIsNot() {
    AtomicLong wall = new AtomicLong(1_000_000);
    AtomicLong mono = new AtomicLong(TimeUnit.SECONDS.toNanos(7));
    Recorder recorder = Recorder.inMemory();
    HostClock clock = new HostClock(recorder, wall::get, mono::get);

    advance(wall, mono, 1_000, 1_000);
    wall.addAndGet(20); // drift under the threshold
    clock.sample();
    assertEquals(List.of(), recorder.history().nemesisEvents());

    advance(wall, mono, 4_700 + 200, 200); // paused: the wall clock is set forward, the monotonic one skipped it
    clock.sample();
    advance(wall, mono, 300, 300);
    clock.sample();
    wall.addAndGet(-6_000); // and once back
    clock.sample();

    List<Op> events = recorder.history().nemesisEvents();
    assertEquals(2, events.size());
    assertEquals(HostClock.EVENT, events.get(0).f());
    assertEquals(4_720, events.get(0).value().get(0).get("hostOffsetMs").asLong());
    assertEquals(-1_280, events.get(1).value().get(0).get("hostOffsetMs").asLong());
    assertEquals(6_000, HostClock.rangeMillis(recorder.history()), "from -1.28 s to +4.72 s");
  }

  private static void advance(AtomicLong wall, AtomicLong mono, long wallMillis, long monoMillis) {
    wall.addAndGet(wallMillis);
    mono.addAndGet(TimeUnit.MILLISECONDS.toNanos(monoMillis));
  }
}

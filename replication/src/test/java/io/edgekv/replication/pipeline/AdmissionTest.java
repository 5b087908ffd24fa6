package io.edgekv.replication.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgekv.replication.OverloadedException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  @Test
  void refusesAtOnceWhenCountOrBytesAreFullAndAdmitsAgainAfterRelease() {
    Admission admission = new Admission("shard 0 proposals", 2, 100, Duration.ofMillis(200));
    admission.acquire(40);
    admission.acquire(40);
    OverloadedException full = assertThrows(OverloadedException.class, () -> admission.acquire(1));
    assertEquals("2 requests", full.limit());
    assertEquals(Duration.ofMillis(200), full.retryAfter());
    admission.release(40);
    OverloadedException bytes = assertThrows(OverloadedException.class, () -> admission.acquire(61));
    assertEquals("100 bytes", bytes.limit());
    admission.acquire(60);
    assertEquals(2, admission.outstanding());
    assertEquals(100, admission.outstandingBytes());
    assertEquals(2, admission.refused());
  }

  @Test
  void oneRequestLargerThanTheByteBudgetStillPassesAlone() {
    Admission admission = new Admission("a", 10, 100, Duration.ofMillis(1));
    admission.acquire(500);
    assertThrows(OverloadedException.class, () -> admission.acquire(1));
    admission.release(500);
    assertEquals(0, admission.outstanding());
    assertEquals(0, admission.outstandingBytes());
  }
}

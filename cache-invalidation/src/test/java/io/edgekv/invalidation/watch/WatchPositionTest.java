package io.edgekv.invalidation.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.ChangeEvent;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class WatchPositionTest {
  @Test
  void aTokenDecodesToThePositionItWasMadeFrom() {
    WatchPosition position = new WatchPosition("ap-south", new long[] {0, 7, Long.MAX_VALUE});
    assertEquals(position, WatchPosition.decode(position.encode()));
    assertEquals(position.with(1, 9), WatchPosition.decode(position.with(1, 9).encode()));
    assertEquals(7, position.index(1), "with() leaves the original as it was");
  }

  @Test
  void theCurrentPositionIsTheAppliedIndexOfEveryShard() {
    MemoryChangelog changelog = new MemoryChangelog("us-east", 3);
    changelog.apply(0, ChangeEvent.newBuilder());
    changelog.apply(2, ChangeEvent.newBuilder());
    changelog.apply(2, ChangeEvent.newBuilder());
    assertEquals(new WatchPosition("us-east", new long[] {1, 0, 2}), WatchPosition.current(changelog));
  }

  @Test
  void aDamagedOrForeignTokenIsRefusedWithTheReason() {
    String token = new WatchPosition("eu-west", new long[] {5}).encode();
    byte[] bytes = Base64.getUrlDecoder().decode(token);
    bytes[3] ^= 1;
    String damaged = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    assertTrue(assertThrows(InvalidPositionException.class, () -> WatchPosition.decode(damaged)).getMessage()
        .contains("checksum mismatch"));
    assertTrue(assertThrows(InvalidPositionException.class, () -> WatchPosition.decode("not a token!")).getMessage()
        .contains("not a position token"));
    assertTrue(assertThrows(InvalidPositionException.class, () -> WatchPosition.decode("AAAA")).getMessage()
        .contains("too short"));
  }
}

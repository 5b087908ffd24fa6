package io.edgekv.invalidation.watch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.invalidation.BufferLimits;
import io.edgekv.invalidation.Selector;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangelogReplayTest {
  private static final Selector USERS = new Selector("default", List.of(), List.of(bytes("user/")), List.of());

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ChangeEvent.Builder put(String key) {
    return ChangeEvent.newBuilder().setNamespace("default").setKind(ChangeKind.PUT)
        .setKey(ByteString.copyFrom(bytes(key)));
  }

  private static List<String> keys(ChangelogReplay.Result result) {
    return result.events().stream().map(e -> e.getKey().toStringUtf8()).toList();
  }

  @Test
  void replaysTheMatchingChangesAfterThePositionInOrderPerShard() {
    MemoryChangelog changelog = new MemoryChangelog("eu-west", 2);
    changelog.apply(0, put("user/1"));
    long seen0 = changelog.apply(0, put("item/1"));
    changelog.apply(0, put("user/2"), put("user/3"));
    long seen1 = changelog.apply(1, put("user/a"));
    changelog.apply(1, put("item/b"));
    changelog.apply(1, put("user/c"));

    ChangelogReplay.Result result = ChangelogReplay.read(changelog, USERS,
        new WatchPosition("eu-west", new long[] {seen0, seen1}), 100, 1 << 20);

    assertNotNull(result);
    assertEquals(List.of("user/2", "user/3", "user/c"), keys(result));
    assertArrayEquals(new long[] {3, 3}, result.readUpTo(), "every index read, matching or not");
    long footprint = result.events().stream().mapToLong(BufferLimits::footprint).sum();
    assertEquals(footprint, result.bytes());
  }

  @Test
  void aPositionAtTheAppliedIndexReplaysNothing() {
    MemoryChangelog changelog = new MemoryChangelog("eu-west", 1);
    changelog.apply(0, put("user/1"));
    ChangelogReplay.Result result = ChangelogReplay.read(changelog, USERS, WatchPosition.current(changelog), 100,
        1 << 20);
    assertEquals(List.of(), result.events());
    assertArrayEquals(new long[] {1}, result.readUpTo());
  }

  @Test
  void aGapPartlyTrimmedFromTheChangelogCannotBeFilled() {
    MemoryChangelog changelog = new MemoryChangelog("eu-west", 1);
    for (int i = 0; i < 10; i++) {
      changelog.apply(0, put("user/" + i));
    }
    changelog.trimBefore(0, 5);
    assertNull(ChangelogReplay.read(changelog, USERS, new WatchPosition("eu-west", new long[] {2}), 100, 1 << 20),
        "indexes 3 and 4 are gone: the subscriber must start over");
    ChangelogReplay.Result fromRetained = ChangelogReplay.read(changelog, USERS,
        new WatchPosition("eu-west", new long[] {4}), 100, 1 << 20);
    assertEquals(List.of("user/4", "user/5", "user/6", "user/7", "user/8", "user/9"), keys(fromRetained));
  }

  @Test
  void aGapOfMoreMatchingChangesThanTheBufferTakesIsNotReplayed() {
    MemoryChangelog changelog = new MemoryChangelog("eu-west", 1);
    for (int i = 0; i < 5; i++) {
      changelog.apply(0, put("user/" + i));
      changelog.apply(0, put("item/" + i));
    }
    WatchPosition start = new WatchPosition("eu-west", new long[] {0});
    assertNotNull(ChangelogReplay.read(changelog, USERS, start, 5, 1 << 20), "5 matching changes fit 5 events");
    assertNull(ChangelogReplay.read(changelog, USERS, start, 4, 1 << 20), "5 matching changes exceed 4 events");
    long oneChange = BufferLimits.footprint(put("user/0").setShard(0).setIndex(1).build());
    assertNull(ChangelogReplay.read(changelog, USERS, start, 100, 3 * oneChange), "nor more bytes than the buffer");
  }
}

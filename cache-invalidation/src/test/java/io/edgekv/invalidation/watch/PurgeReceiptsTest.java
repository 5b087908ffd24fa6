package io.edgekv.invalidation.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import io.edgekv.api.v1.RegionPurgeStatus;
import io.edgekv.api.v1.Version;
import org.junit.jupiter.api.Test;

class PurgeReceiptsTest {
  private static final long MILLIS = 1_700_000_000_000L;

  private static ChangeEvent.Builder purge(String id, long hlc) {
    return ChangeEvent.newBuilder().setNamespace("default").setKind(ChangeKind.PURGE).setPurgeId(id)
        .setVersion(Version.newBuilder().setHlc(hlc).setOriginRegion("eu-west"));
  }

  private static RegionPurgeStatus status(MemoryChangelog changelog, String id) {
    return PurgeReceipts.local(changelog, id, hlc -> hlc >>> 16);
  }

  @Test
  void aKeyPurgeIsAppliedOnceItsOneShardHasIt() {
    MemoryChangelog changelog = new MemoryChangelog("eu-west", 4);
    assertFalse(status(changelog, "p-1").getApplied());
    long index = changelog.apply(2, purge("p-1", MILLIS << 16).setKey(ByteString.copyFromUtf8("user/1")));
    RegionPurgeStatus status = status(changelog, "p-1");
    assertTrue(status.getApplied());
    assertEquals(1, status.getShards());
    assertEquals(MILLIS, status.getAppliedAtUnixMs());
    assertEquals(index, status.getIndex());
    assertEquals("eu-west-1", status.getNode());
  }

  @Test
  void aPrefixPurgeIsAppliedOnlyOnceEveryShardHasIt() {
    MemoryChangelog changelog = new MemoryChangelog("eu-west", 2);
    changelog.apply(0, purge("p-2", MILLIS << 16).setPurgePrefix(ByteString.copyFromUtf8("user/")));
    RegionPurgeStatus half = status(changelog, "p-2");
    assertFalse(half.getApplied());
    assertEquals(2, half.getShards());
    assertEquals(1, half.getShardsApplied());
    changelog.apply(1, purge("p-2", (MILLIS + 5) << 16).setPurgePrefix(ByteString.copyFromUtf8("user/")));
    RegionPurgeStatus whole = status(changelog, "p-2");
    assertTrue(whole.getApplied());
    assertEquals(MILLIS + 5, whole.getAppliedAtUnixMs(), "applied when the last shard applied it");
  }
}

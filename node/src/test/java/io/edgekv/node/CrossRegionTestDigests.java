package io.edgekv.node;

import io.edgekv.node.testing.MiniKvCluster;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/** A digest of a node's whole store (every shard): each key with its version, tombstone flag and value digest. */
final class CrossRegionTestDigests {
  private CrossRegionTestDigests() {}

  static String digest(MiniKvCluster cluster, int node) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    var replica = cluster.node(node).replica();
    for (int shard = 0; shard < replica.shards(); shard++) {
      replica.reads().scan(shard, null, (key, entry) -> {
        sha.update(key.toBytes());
        sha.update(ByteBuffer.allocate(9).putLong(entry.getHlc()).put((byte) (entry.getTombstone() ? 1 : 0)).array());
        sha.update(entry.getOriginRegion().getBytes(StandardCharsets.UTF_8));
        sha.update(entry.getDigest().toByteArray());
        return true;
      });
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}

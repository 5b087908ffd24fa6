package io.edgekv.replication.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Rules and index-key layouts shared by the apply path and the read path. */
public final class StoredEntries {
  /** Format of {@link StoredEntry} and {@link CommandResult} written by this release. */
  public static final int FORMAT = 1;

  private StoredEntries() {}

  public static Version version(StoredEntry entry) {
    return new Version(entry.getHlc(), entry.getOriginRegion());
  }

  /** A present, not deleted, not expired entry at {@code nowMillis}. */
  public static boolean isLive(StoredEntry entry, long nowMillis) {
    return entry != null && !entry.getTombstone()
        && (entry.getExpiresAtUnixMs() == 0 || entry.getExpiresAtUnixMs() > nowMillis);
  }

  public static byte[] tagIndexKey(EntryKey key, String tag) {
    byte[] ns = key.namespace().getBytes(StandardCharsets.UTF_8);
    byte[] t = tag.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(ns.length + 1 + t.length + 1 + key.key().length)
        .put(ns).put((byte) 0).put(t).put((byte) 0).put(key.key()).array();
  }

  public static byte[] expiryIndexKey(long expiresAtMillis, EntryKey key) {
    byte[] entryKey = key.toBytes();
    return ByteBuffer.allocate(8 + entryKey.length).putLong(expiresAtMillis).put(entryKey).array();
  }

  public static CommandResult decodeResult(byte[] bytes) {
    try {
      return CommandResult.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt deduplication record", e);
    }
  }
}

package io.edgekv.replication.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;

/** Rules shared by the apply path and the read path (key layouts: {@link ReplicationKeys}). */
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

  public static CommandResult decodeResult(byte[] bytes) {
    try {
      return CommandResult.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt deduplication record", e);
    }
  }
}

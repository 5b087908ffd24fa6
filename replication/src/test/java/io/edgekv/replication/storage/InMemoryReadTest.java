package io.edgekv.replication.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.StoredEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/**
 * Reads that may only be served from memory (EVENTUAL reads on a transport thread): answered from
 * the memtable and the block cache, refused with {@link NotInMemoryException} when a key's data
 * block is only on disk, and answered once an ordinary read has brought it into the cache.
 */
class InMemoryReadTest {
  @TempDir
  Path dir;

  @Test
  void aReadFromMemoryIsRefusedWhenItNeedsTheDiskAndServedOnceCached() {
    EntryKey key = new EntryKey("default", "k".getBytes(StandardCharsets.UTF_8));
    EntryKey absent = new EntryKey("default", "nope".getBytes(StandardCharsets.UTF_8));
    StoredEntry entry = StoredEntry.newBuilder().setFormat(StoredEntries.FORMAT).setValue(ByteString.copyFromUtf8("v"))
        .build();
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL)) {
      try (WriteBatch batch = new WriteBatch()) {
        engine.entries.put(batch, key, entry);
        engine.write(batch);
      }
      assertEquals(List.of(entry), engine.entries.getAllInMemory(List.of(key)), "in the memtable");
      engine.flush();
    }
    try (KvEngine reopened = new KvEngine(dir, StorageOptions.SMALL)) {
      assertThrows(NotInMemoryException.class, () -> reopened.entries.getAllInMemory(List.of(key)),
          "the data block is in a table file only, not yet in the block cache");
      assertEquals(entry, reopened.entries.get(key));
      List<StoredEntry> cached = reopened.entries.getAllInMemory(Arrays.asList(key, absent));
      assertEquals(entry, cached.get(0));
      assertNull(cached.get(1), "an absent key is absent, not a refusal");
    }
  }
}

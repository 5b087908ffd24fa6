package io.edgekv.replication.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/** The in-memory engine behaves as the RocksDB one for the same batches: puts, deletes, ranges, save points. */
class MemoryStoreTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void write(KvEngine engine) throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < 20; i++) {
        engine.replog.put(batch, b("k" + (char) ('a' + i)), b("v" + i));
      }
      engine.replMeta.put(batch, b("other-family"), b("x"));
      engine.replog.delete(batch, b("kc"));
      engine.replog.deleteRange(batch, b("kf"), b("ki"));
      batch.setSavePoint();
      engine.replog.put(batch, b("kz"), b("rolled back"));
      engine.replog.delete(batch, b("ka"));
      batch.rollbackToSavePoint();
      engine.write(batch);
    }
  }

  private static List<String> scan(KvEngine engine, String from) {
    List<String> out = new ArrayList<>();
    engine.replog.forEachFrom(from == null ? null : b(from), (k, v) -> {
      out.add(new String(k, StandardCharsets.UTF_8) + "=" + new String(v, StandardCharsets.UTF_8));
      return out.size() < 8;
    });
    return out;
  }

  @Test
  void sameBatchesGiveTheSameTablesAsRocksDb() throws RocksDBException {
    try (KvEngine rocks = new KvEngine(dir, StorageOptions.SMALL);
        KvEngine memory = KvEngine.inMemory(UnaryOperator.identity())) {
      write(rocks);
      write(memory);
      assertEquals(scan(rocks, null), scan(memory, null));
      assertEquals(scan(rocks, "kd"), scan(memory, "kd"));
      assertNull(memory.replog.get(b("kz")), "a rolled-back put is not written");
      assertArrayEquals(b("v0"), memory.replog.get(b("ka")), "a rolled-back delete is not applied");
      assertNull(memory.replog.get(b("kg")), "deleteRange removes [from, to)");
      assertArrayEquals(b("v8"), memory.replog.get(b("ki")), "and keeps to");
      assertArrayEquals(b("x"), memory.replMeta.get(b("other-family")), "families stay apart");
      assertNull(memory.replog.get(b("other-family")));
    }
  }
}

package io.edgekv.replication.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/**
 * A RocksDB iterator stops at a corrupt block exactly as at the end of the data; only its status
 * tells them apart. A scan over a damaged table must fail, naming the file, instead of returning
 * the keys before the damage as if they were all.
 */
class TableCorruptionTest {
  private static final int KEYS = 600;

  @TempDir
  Path dir;

  @Test
  void scanOverACorruptBlockFailsNamingTheFileInsteadOfStoppingShort() throws IOException {
    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL)) {
      try (WriteBatch batch = new WriteBatch()) {
        for (int i = 0; i < KEYS; i++) {
          engine.requests.put(batch, key(i), value(i));
        }
        engine.write(batch);
      }
      engine.flush();
      assertEquals(KEYS, count(engine));
    }
    Path table = onlyTableFile();
    try (RandomAccessFile raf = new RandomAccessFile(table.toFile(), "rw")) {
      byte[] garbage = new byte[64];
      Arrays.fill(garbage, (byte) 0x5a);
      raf.seek(raf.length() / 2);
      raf.write(garbage);
    }

    try (KvEngine engine = new KvEngine(dir, StorageOptions.SMALL)) {
      StorageException scan = assertThrows(StorageException.class, () -> count(engine),
          "a scan must not end early with a partial result");
      assertTrue(scan.corruption(), scan.getMessage());
      assertEquals(table.toString(), scan.file().orElseThrow(), scan.getMessage());

      StorageException verify = assertThrows(StorageException.class, engine::verifyChecksums);
      assertTrue(verify.corruption(), verify.getMessage());
      assertEquals(table.toString(), verify.file().orElseThrow());
    }
  }

  private static int count(KvEngine engine) {
    int[] seen = {0};
    engine.requests.forEachFrom(null, (k, v) -> {
      seen[0]++;
      return true;
    });
    return seen[0];
  }

  private Path onlyTableFile() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> tables = files.filter(p -> p.toString().endsWith(".sst")).toList();
      assertEquals(1, tables.size(), "one table file (only one column family has data): " + tables);
      return tables.get(0);
    }
  }

  private static byte[] key(int i) {
    return String.format("k%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  /** 1 KiB that does not compress away, so the table spans many blocks. */
  private static byte[] value(int i) {
    byte[] out = new byte[1024];
    new Random(i).nextBytes(out);
    return out;
  }
}

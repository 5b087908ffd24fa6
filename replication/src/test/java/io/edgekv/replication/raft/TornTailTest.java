package io.edgekv.replication.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only a tear is cut: what a power cut leaves at the end of the open segment, never other damage. */
class TornTailTest {
  private static final int MAX = 1 << 20;
  private static final int PREALLOCATED = 64 << 10;

  @TempDir Path dir;

  @Test
  void aWholeLogFollowedByPreallocatedZerosIsLeftAlone() throws IOException {
    Log log = new Log().frames(5, 300);
    Path file = write("log_inprogress_0", log.bytes(PREALLOCATED));
    assertEquals(List.of(), TornTail.repair(dir, MAX));
    assertEquals(PREALLOCATED, Files.size(file));
  }

  @Test
  void aFrameWhoseEndNeverReachedTheDiskIsCutWithWhatFollows() throws IOException {
    Log log = new Log().frames(5, 300);
    int intact = log.size();
    byte[] torn = frame(700, 99);
    byte[] file = log.bytes(PREALLOCATED);
    System.arraycopy(torn, 0, file, intact, 350); // the rest of the frame stayed the preallocated zeros
    Path path = write("log_inprogress_0", file);

    List<TornTail.Cut> cuts = TornTail.repair(dir, MAX);

    assertEquals(1, cuts.size());
    assertEquals(intact, cuts.get(0).offset());
    assertEquals(5, cuts.get(0).intactEntries());
    assertArrayEquals(Arrays.copyOf(file, intact), Files.readAllBytes(path), "the intact frames are kept byte for byte");
  }

  @Test
  void aLargeFrameWithALostSectorInTheMiddleIsATear() throws IOException {
    Log log = new Log().frames(3, 200);
    int intact = log.size();
    byte[] big = frame(4000, 7);
    byte[] file = log.bytes(PREALLOCATED);
    System.arraycopy(big, 0, file, intact, big.length);
    int sector = (intact / TornTail.SECTOR + 2) * TornTail.SECTOR;
    Arrays.fill(file, sector, sector + 1024, (byte) 0); // lost pages; the frame's end (its checksum) did reach the disk
    write("log_inprogress_0", file);

    assertEquals(intact, TornTail.repair(dir, MAX).get(0).offset());
  }

  @Test
  void zerosFollowedByStrayBytesOfALaterWriteAreCut() throws IOException {
    Log log = new Log().frames(4, 100);
    int intact = log.size();
    byte[] file = log.bytes(PREALLOCATED);
    byte[] stray = frame(300, 3);
    System.arraycopy(stray, 0, file, intact + 8192, stray.length);
    Path path = write("log_inprogress_0", file);

    assertEquals(intact, TornTail.repair(dir, MAX).get(0).offset());
    assertEquals(intact, Files.size(path));
  }

  @Test
  void aFrameCutOffByTheEndOfTheFileIsCut() throws IOException {
    Log log = new Log().frames(2, 100);
    int intact = log.size();
    byte[] torn = frame(500, 5);
    log.raw(Arrays.copyOf(torn, 200));
    write("log_inprogress_0", log.bytes(0));

    assertEquals(intact, TornTail.repair(dir, MAX).get(0).offset());
  }

  @Test
  void aFrameDamagedWithoutZerosIsCorruptionAndLeftForRatisToReport() throws IOException {
    Log log = new Log().frames(6, 300);
    byte[] file = log.bytes(PREALLOCATED);
    file[8 + 3 * 306 + 40] ^= 0x10; // a flipped bit inside the fourth frame, every byte of it present
    Path path = write("log_inprogress_0", file);

    assertEquals(List.of(), TornTail.repair(dir, MAX));
    assertArrayEquals(file, Files.readAllBytes(path), "nothing is cut");
  }

  @Test
  void aLengthNoFrameHasIsLeftAlone() throws IOException {
    Log log = new Log().frames(2, 100);
    log.raw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2, 3});
    byte[] file = log.bytes(PREALLOCATED);
    write("log_inprogress_0", file);

    assertEquals(List.of(), TornTail.repair(dir, MAX));
  }

  @Test
  void closedSegmentsAreNeverTouched() throws IOException {
    Log log = new Log().frames(3, 100);
    byte[] file = log.bytes(PREALLOCATED);
    System.arraycopy(frame(700, 1), 0, file, log.size(), 100);
    Path closed = write("log_0-2", file);

    assertEquals(List.of(), TornTail.repair(dir, MAX));
    assertArrayEquals(file, Files.readAllBytes(closed));
  }

  @Test
  void scanCountsFramesOfEverySize() {
    Log log = new Log();
    for (int size : new int[] {1, 127, 128, 16_383, 16_384, 100_000}) {
      log.raw(frame(size, size));
    }
    TornTail.Scan scan = TornTail.scan(ByteBuffer.wrap(log.bytes(0)), MAX);
    assertEquals(6, scan.entries());
    assertEquals(log.size(), scan.end());
    assertTrue(!scan.torn());
  }

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  /** A frame as Ratis writes it: varint length, entry, CRC32C of both (big-endian). */
  private static byte[] frame(int entryBytes, long seed) {
    byte[] entry = new byte[entryBytes];
    new Random(seed).nextBytes(entry);
    entry[0] = 8; // entries are protobuf messages: never a zero first byte
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int v = entryBytes;
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
    out.writeBytes(entry);
    CRC32C crc = new CRC32C();
    byte[] head = out.toByteArray();
    crc.update(head);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return out.toByteArray();
  }

  /** A segment file: the header, then frames. */
  private static final class Log {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int next;

    Log() {
      out.writeBytes("RaftLog1".getBytes(StandardCharsets.US_ASCII));
    }

    Log frames(int count, int entryBytes) {
      for (int i = 0; i < count; i++) {
        out.writeBytes(frame(entryBytes, next++));
      }
      return this;
    }

    Log raw(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    int size() {
      return out.size();
    }

    /** The log padded with zeros to {@code length} (preallocation), or as is when it is longer. */
    byte[] bytes(int length) {
      return Arrays.copyOf(out.toByteArray(), Math.max(length, out.size()));
    }
  }
}

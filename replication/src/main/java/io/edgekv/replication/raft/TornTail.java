package io.edgekv.replication.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Cuts the torn tail off the open segment of a Raft log, the one damage a power cut leaves in a
 * log that is fsynced before every acknowledgement.
 *
 * <p>Ratis writes entries into a preallocated (zero-filled) segment file as frames (varint
 * length, entry, CRC32C of both) and fsyncs before it acknowledges. A power cut during a write
 * leaves the frame being written partly on disk and partly the preallocated zeros; Ratis reads
 * that as a checksum error and refuses to start (its corruption policy, which stays strict for
 * everything else). The torn frame was never fsynced, so never acknowledged: dropping it and
 * everything after it loses nothing the node promised, nor anything it applied (Ratis commits,
 * and so applies, only up to the node's own flushed index), and the node catches up from its peers.
 *
 * <p>A damaged frame counts as torn only when it is in the open segment and part of it reads as
 * the zeros of a write that did not reach the disk (a whole 512-byte sector, as etcd's WAL tests,
 * or its checksum, written last), or when the log ends in zeros followed by stray bytes of
 * unsynced later writes. Any other damage (a frame with no such zeros, a length no frame has,
 * damage in a closed segment) is left for Ratis to report as corruption, with the remedy
 * {@code RaftGroups} names.
 */
final class TornTail {
  static final int SECTOR = 512;
  private static final int HEADER = 8; // "RaftLog1"
  private static final String OPEN_PREFIX = "log_inprogress_";

  /** What a repair did to one file. */
  record Cut(Path file, long offset, long droppedBytes, int intactEntries) {
    @Override
    public String toString() {
      return file + ": cut at byte " + offset + " after " + intactEntries + " intact entries (" + droppedBytes
          + " bytes of a write that power loss tore; it was never acknowledged)";
    }
  }

  private TornTail() {}

  /** Repairs the open segments under {@code currentDir} (a group's {@code current} directory). */
  static List<Cut> repair(Path currentDir, int maxEntryBytes) throws IOException {
    List<Cut> cuts = new ArrayList<>();
    if (!Files.isDirectory(currentDir)) {
      return cuts;
    }
    try (DirectoryStream<Path> open = Files.newDirectoryStream(currentDir, OPEN_PREFIX + "*")) {
      for (Path file : open) {
        repairFile(file, maxEntryBytes).ifPresent(cuts::add);
      }
    }
    return cuts;
  }

  /** Truncates {@code file} before its torn frame, if it has one; empty when it reads whole or the damage is not a tear. */
  static Optional<Cut> repairFile(Path file, int maxEntryBytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = channel.size();
      if (size <= HEADER || size > Integer.MAX_VALUE) {
        return Optional.empty(); // a partial header Ratis handles itself; a segment never exceeds 2 GiB
      }
      MappedByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
      Scan scan = scan(data, maxEntryBytes);
      if (!scan.torn()) {
        return Optional.empty();
      }
      channel.truncate(scan.end());
      channel.force(true);
      return Optional.of(new Cut(file, scan.end(), size - scan.end(), scan.entries()));
    }
  }

  /** Where the intact frames end, how many there are, and whether what follows is a tear to cut. */
  record Scan(int end, int entries, boolean torn) {}

  static Scan scan(ByteBuffer data, int maxEntryBytes) {
    int size = data.limit();
    int pos = HEADER;
    int entries = 0;
    CRC32C crc = new CRC32C();
    while (pos < size) {
      if (data.get(pos) == 0) {
        // the log ends here; stray bytes after the zeros are unsynced later writes
        return new Scan(pos, entries, !zerosFrom(data, pos, size) && zerosFrom(data, pos, sectorEnd(pos, size)));
      }
      long length = 0;
      int at = pos;
      int shift = 0;
      byte b;
      do {
        if (at >= size || shift > 28) {
          return new Scan(pos, entries, true); // the length itself is cut off by the end of the file
        }
        b = data.get(at++);
        length |= (long) (b & 0x7f) << shift;
        shift += 7;
      } while (b < 0);
      long frameEnd = at + length + Integer.BYTES;
      if (length > maxEntryBytes) {
        return new Scan(pos, entries, false); // not the start of a frame Ratis wrote: corruption, not a tear
      }
      if (frameEnd > size) {
        return new Scan(pos, entries, true); // Ratis reads this as a partial last entry; cutting it is the same
      }
      crc.reset();
      crc.update(data.slice(pos, (int) (at + length - pos)));
      if ((int) crc.getValue() != data.getInt((int) (at + length))) {
        return new Scan(pos, entries, hasZeroSector(data, pos, frameEnd));
      }
      entries++;
      pos = (int) frameEnd;
    }
    return new Scan(pos, entries, false);
  }

  private static int sectorEnd(int pos, int size) {
    return (int) Math.min(size, (pos / SECTOR + 1L) * SECTOR);
  }

  private static boolean zerosFrom(ByteBuffer data, int from, int to) {
    for (int i = from; i < to; i++) {
      if (data.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when the frame in [from, to) did not all reach the disk: a whole 512-byte sector of it
   * reads as zeros, or its last bytes (the checksum, written last) do.
   */
  private static boolean hasZeroSector(ByteBuffer data, int from, long to) {
    int end = (int) Math.min(to, data.limit());
    for (long s = ((long) from + SECTOR - 1) / SECTOR * SECTOR; s + SECTOR <= end; s += SECTOR) {
      if (zerosFrom(data, (int) s, (int) (s + SECTOR))) {
        return true;
      }
    }
    return end - from > Integer.BYTES && zerosFrom(data, end - Integer.BYTES, end);
  }
}

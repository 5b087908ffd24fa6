package io.edgekv.replication.raft;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.ratis.io.CorruptedFileException;
import org.apache.ratis.protocol.exceptions.ChecksumException;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;

/**
 * Finds the damaged segment of a Raft log that Ratis refused to open. Ratis' checksum error
 * names neither the file nor the group, so the node reads each segment of the group again, as
 * Ratis does, and reports the first one that does not read back whole.
 */
final class RaftLogCheck {
  private RaftLogCheck() {}

  /** True when {@code error} (or a cause) is Ratis' report of a damaged log file. */
  static boolean isLogCorruption(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ChecksumException || t instanceof CorruptedFileException
          || String.valueOf(t.getMessage()).contains("Failed to read segment file")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first segment file under {@code groupDir/current} that does not read back completely,
   * with the reason; empty when every segment reads.
   */
  static Optional<String> corruptSegment(Path groupDir, SizeInBytes maxEntrySize) {
    try {
      RaftStorage storage = RaftStorage.newBuilder()
          .setDirectory(groupDir.toFile())
          .setOption(RaftStorage.StartupOption.RECOVER)
          .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
          .setStorageFreeSpaceMin(SizeInBytes.valueOf(0))
          .build();
      for (LogSegmentPath segment : LogSegmentPath.getLogSegmentPaths(storage)) {
        File file = segment.getPath().toFile();
        try {
          int read = LogSegment.readSegmentFile(file, segment.getStartEnd(), maxEntrySize,
              RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, null);
          String name = file.getName();
          if (!name.contains("inprogress")) {
            long expected = expectedEntries(name);
            if (expected > 0 && read < expected) {
              return Optional.of(file + " (" + read + " of " + expected + " entries readable)");
            }
          }
        } catch (IOException | RuntimeException e) {
          return Optional.of(file + " (" + e.getMessage() + ")");
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(groupDir + " (cannot list its segments: " + e.getMessage() + ")");
    }
  }

  /** Entries of a closed segment named {@code log_<first>-<last>}; 0 when the name says nothing. */
  private static long expectedEntries(String name) {
    try {
      String[] range = name.substring("log_".length()).split("-");
      return Long.parseLong(range[1]) - Long.parseLong(range[0]) + 1;
    } catch (RuntimeException e) {
      return 0;
    }
  }
}

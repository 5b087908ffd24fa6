package io.edgekv.replication.raft;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Snapshots of one shard as RocksDB checkpoints in the group's state-machine directory, one
 * directory per snapshot named {@code checkpoint-<term>-<index>}. Ratis ships these files to a
 * follower that is behind the log's retention; the follower finds them in the same place.
 */
final class CheckpointStorage implements StateMachineStorage {
  static final int RETAINED = 2;
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)-(\\d+)");

  private volatile Path dir;

  @Override
  public void init(RaftStorage storage) throws IOException {
    dir = storage.getStorageDir().getStateMachineDir().toPath();
    Files.createDirectories(dir);
  }

  Path dir() {
    return dir;
  }

  /** Where a new checkpoint is written before it is complete (not visible as a snapshot yet). */
  Path pendingDir(long term, long index) {
    return dir.resolve("checkpoint-" + term + "-" + index + ".pending");
  }

  /** Makes a written checkpoint the latest snapshot and removes all but the newest few. */
  void complete(Path pending, long term, long index) throws IOException {
    Files.move(pending, dir.resolve("checkpoint-" + term + "-" + index));
    List<Path> all = checkpoints();
    for (int i = 0; i < all.size() - RETAINED; i++) {
      deleteTree(all.get(i));
    }
  }

  /** Complete checkpoint directories, oldest first. */
  List<Path> checkpoints() throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(p -> termIndex(p).getIndex()))
          .toList();
    }
  }

  Optional<Path> latest() throws IOException {
    List<Path> all = checkpoints();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  static TermIndex termIndex(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a checkpoint directory: " + checkpoint);
    }
    return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    try {
      Optional<Path> latest = latest();
      if (latest.isEmpty()) {
        return null;
      }
      List<FileInfo> files = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(latest.get())) {
        for (Path file : walk.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md5")).toList()) {
          files.add(new FileInfo(file.toAbsolutePath(), null));
        }
      }
      return new FileListSnapshotInfo(files, termIndex(latest.get()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot list snapshots in " + dir, e);
    }
  }

  @Override
  public void format() {}

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) {
    // complete() keeps the newest RETAINED checkpoints.
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

}

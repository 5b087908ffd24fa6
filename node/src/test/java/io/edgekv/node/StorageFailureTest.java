package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.client.Consistency;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.ReadOptions;
import io.edgekv.client.ScanOptions;
import io.edgekv.node.config.ByteSize;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.Status;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * Storage errors are never silent (issue 13, items 6 and 8): a corrupt table file fails its
 * shard loudly (DATA_LOSS, never a partial scan with OK; readiness shard_failed; the process
 * stays live) until {@code admin rebuild-shard} reinstalls it from a healthy peer; a corrupt Raft
 * segment is named with its remedy; a full disk refuses writes and serves reads.
 */
class StorageFailureTest {
  private static final int KEYS = 600;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void corruptTableFileFailsTheShardUntilRebuildShardReinstallsIt() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().start()) {
      EdgeKvClient writer = cluster.client();
      for (int i = 0; i < KEYS; i++) {
        writer.put(key(i), value(i));
      }
      int victim = followerThatAppliedEverything(cluster);
      cluster.node(victim).replica().read(0, engine -> {
        engine.flush();
        return null;
      });
      cluster.kill(victim);
      Path damaged = corruptMiddleOfEntriesTable(cluster.dataDir(victim).resolve("shard-0"));
      cluster.startNode(victim);

      EdgeKvClient onVictim = cluster.client(List.of(cluster.publicAddress(victim)));
      for (Consistency consistency : List.of(Consistency.EVENTUAL, Consistency.STRONG)) {
        EdgeKvException scan = assertThrows(EdgeKvException.class, () -> scanCount(onVictim, consistency),
            "a scan over a corrupt table must fail, never return part of the keys with OK (" + consistency + ")");
        assertEquals(Status.Code.DATA_LOSS, scan.code(), scan.toString());
      }
      MiniKvCluster.await(Duration.ofSeconds(30), "readiness reports the failed shard",
          () -> cluster.node(victim).readiness().notReadyReasons().stream()
              .anyMatch(r -> r.startsWith("shard_failed: shard 0: ") && r.contains(damaged.getFileName().toString())));
      EdgeKvException get = assertThrows(EdgeKvException.class, () -> onVictim.get(key(7)));
      assertEquals(Status.Code.DATA_LOSS, get.code(), get.toString());
      assertTrue(get.description().contains("rebuild-shard --shard 0"), get.description());
      assertEquals(200, http(cluster, victim, "/healthz"), "the process stays live for rebuild-shard");
      assertEquals(503, http(cluster, victim, "/readyz"));
      EdgeKvException write = assertThrows(EdgeKvException.class, () -> onVictim.put("w-refused", "x"));
      assertEquals(Status.Code.UNAVAILABLE, write.code(), "another node takes the write: " + write);
      var status = onVictim.admin().status(true).getNodes(0);
      assertEquals("FAILED", status.getGroups(0).getRole());
      assertTrue(status.getGroups(0).getFailure().contains(damaged.getFileName().toString()), status.toString());

      // The rest of the region keeps the quorum: writes go on while the victim's shard is failed.
      EdgeKvClient others = cluster.client(otherAddresses(cluster, victim));
      others.put("w-during-failure", "written");

      // With both healthy copies down, the victim's is not a copy to rebuild from: refused, nothing changed.
      List<Integer> healthy = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        if (i != victim) {
          healthy.add(i);
          cluster.kill(i);
        }
      }
      EdgeKvException refused = assertThrows(EdgeKvException.class,
          () -> onVictim.admin().rebuildShard(0, Duration.ofSeconds(20)));
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.code(), refused.toString());
      for (int i : healthy) {
        cluster.startNode(i);
      }

      var rebuilt = onVictim.admin().rebuildShard(0, Duration.ofSeconds(90));
      assertEquals(0, rebuilt.getShard());
      MiniKvCluster.await(Duration.ofSeconds(30), "the rebuilt node is ready again",
          () -> cluster.node(victim).readiness().ready());
      assertEquals(KEYS + 1, scanCount(onVictim, Consistency.EVENTUAL), "every key on the rebuilt copy");
      assertEquals(value(KEYS - 1), onVictim.get(key(KEYS - 1), ReadOptions.of(Consistency.EVENTUAL)).valueAsString());
      assertEquals("written", onVictim.get("w-during-failure", ReadOptions.of(Consistency.EVENTUAL)).valueAsString());
      onVictim.put("w-after-rebuild", "accepted");
      assertEquals(KEYS + 2, scanCount(onVictim, Consistency.STRONG));
    }
  }

  @Test
  void corruptRaftSegmentIsNamedWithItsRemedy() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder()
        .raft(MiniKvCluster.FAST_RAFT.withLog(100_000, ByteSize.ofKiB(16)))
        .start()) {
      EdgeKvClient writer = cluster.client();
      for (int i = 0; i < 80; i++) {
        writer.put(key(i), value(i));
      }
      int victim = followerThatAppliedEverything(cluster);
      cluster.kill(victim);
      Path raft = cluster.dataDir(victim).resolve("raft");
      Path segment;
      try (Stream<Path> files = Files.walk(raft)) {
        segment = files.filter(p -> p.getFileName().toString().matches("log_\\d+-\\d+"))
            .min(Comparator.comparing(Path::toString)).orElseThrow(() -> new AssertionError("no closed segment"));
      }
      overwriteMiddle(segment);

      Exception failed = assertThrows(Exception.class, () -> cluster.startNode(victim));
      cluster.kill(victim);
      String message = failed.getMessage();
      assertTrue(message.contains(segment.toString()), "names the segment: " + message);
      assertTrue(message.contains("rebuild-shard --shard 0"), "names the remedy: " + message);
      Path groupDir = segment.getParent().getParent();
      assertTrue(message.contains("delete " + groupDir), "names the directory to delete: " + message);

      // The remedy works: without the shard's directories the node starts, and rebuild-shard refills it.
      deleteTree(groupDir);
      deleteTree(cluster.dataDir(victim).resolve("shard-0"));
      cluster.startNode(victim);
      EdgeKvClient onVictim = cluster.client(List.of(cluster.publicAddress(victim)));
      onVictim.admin().rebuildShard(0, Duration.ofSeconds(60));
      MiniKvCluster.await(Duration.ofSeconds(60), "the re-synced node has the data",
          () -> onVictim.get(key(79), ReadOptions.of(Consistency.EVENTUAL)).found());
      assertEquals(value(3), onVictim.get(key(3), ReadOptions.of(Consistency.EVENTUAL)).valueAsString());
    }
  }

  /**
   * Power loss tears the entry being written at the end of the open segment (its unsynced pages
   * read back as the preallocated zeros). That entry was never acknowledged: the node drops it,
   * starts, and catches up from its peers; nothing acknowledged is lost.
   */
  @Test
  void tornTailOfTheOpenSegmentIsDroppedAndTheNodeCatchesUp() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().start()) {
      EdgeKvClient writer = cluster.client();
      for (int i = 0; i < 40; i++) {
        writer.put(key(i), value(i));
      }
      int victim = followerThatAppliedEverything(cluster);
      cluster.kill(victim);
      Path open;
      try (Stream<Path> files = Files.walk(cluster.dataDir(victim).resolve("raft"))) {
        open = files.filter(p -> p.getFileName().toString().startsWith("log_inprogress_"))
            .max(Comparator.comparing(Path::toString)).orElseThrow(() -> new AssertionError("no open segment"));
      }
      long tornAt = tearAfterLastEntry(open);
      for (int i = 40; i < 60; i++) {
        writer.put(key(i), value(i));
      }

      cluster.startNode(victim);
      EdgeKvClient onVictim = cluster.client(List.of(cluster.publicAddress(victim)));
      MiniKvCluster.await(Duration.ofSeconds(60), "the restarted node caught up",
          () -> onVictim.get(key(59), ReadOptions.of(Consistency.EVENTUAL)).found());
      assertEquals(value(3), onVictim.get(key(3), ReadOptions.of(Consistency.STRONG)).valueAsString());
      assertEquals(60, scanCount(onVictim, Consistency.STRONG), "torn at " + tornAt + " of " + open);
    }
  }

  @Test
  void fullDiskRefusesWritesServesReadsAndRecoversByItself() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().start()) {
      int node = 0;
      EdgeKvClient client = cluster.client(List.of(cluster.publicAddress(node)));
      client.put("before", "full");
      cluster.simulateFreeBytes(node, 1000);
      MiniKvCluster.await(Duration.ofSeconds(10), "readiness reports the full disk",
          () -> cluster.node(node).readiness().notReadyReasons().stream().anyMatch(r -> r.startsWith("disk_full: ")));

      EdgeKvException refused = assertThrows(EdgeKvException.class, () -> client.put("during", "full"));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.code(), refused.toString());
      assertTrue(refused.description().contains("1000 bytes free"), refused.description());
      assertTrue(refused.description().contains("storage.minFreeBytes " + (256L << 20)), refused.description());
      assertEquals("full", client.get("before", ReadOptions.of(Consistency.STRONG)).valueAsString(),
          "reads go on while writes are refused");
      assertEquals(200, http(cluster, node, "/healthz"));

      cluster.simulateFreeBytes(node, -1);
      MiniKvCluster.await(Duration.ofSeconds(10), "writes resume once space returns", () -> {
        try {
          client.put("after", "space");
          return true;
        } catch (EdgeKvException e) {
          return false;
        }
      });
      MiniKvCluster.await(Duration.ofSeconds(10), "readiness no longer reports the disk",
          () -> cluster.node(node).readiness().notReadyReasons().stream().noneMatch(r -> r.startsWith("disk_full")));
    }
  }

  /** A follower of shard 0, once it has applied every write its leader has. */
  private static int followerThatAppliedEverything(MiniKvCluster cluster) {
    int victim = (cluster.leaderIndex().orElseThrow() + 1) % cluster.size();
    MiniKvCluster.await(Duration.ofSeconds(30), "the victim applied every write",
        () -> cluster.node(victim).replica().appliedIndex(0).get()
            >= cluster.node(cluster.leaderIndex().orElseThrow()).replica().appliedIndex(0).get());
    return victim;
  }

  private static String key(int i) {
    return String.format("w-%04d", i);
  }

  /** About 1 KiB of incompressible text per key, so the table spans many blocks. */
  private static String value(int i) {
    Random random = new Random(i);
    StringBuilder out = new StringBuilder("value-" + i + "-");
    while (out.length() < 1024) {
      out.append((char) ('a' + random.nextInt(26)));
    }
    return out.toString();
  }

  private static long scanCount(EdgeKvClient client, Consistency consistency) {
    try (Stream<?> entries = client.scanAll("w-".getBytes(StandardCharsets.UTF_8),
        ScanOptions.builder().limit(100).read(ReadOptions.of(consistency)).build())) {
      return entries.count();
    }
  }

  /**
   * Writes the first 40 bytes of a 400-byte entry frame after the last entry of an open segment
   * (frames: varint length, entry, CRC32C) followed by zeros, as a write cut short by power loss;
   * returns its offset.
   */
  private static long tearAfterLastEntry(Path segment) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
      byte[] all = new byte[(int) raf.length()];
      raf.readFully(all);
      int pos = 8; // the header "RaftLog1"
      while (pos < all.length && all[pos] != 0) {
        int length = 0;
        int shift = 0;
        byte b;
        do {
          b = all[pos++];
          length |= (b & 0x7f) << shift;
          shift += 7;
        } while (b < 0);
        pos += length + 4;
      }
      byte[] torn = new byte[40];
      torn[0] = (byte) 0x90; // varint 400
      torn[1] = 0x03;
      for (int i = 2; i < torn.length; i++) {
        torn[i] = (byte) (i * 7 + 1);
      }
      raf.seek(pos);
      raf.write(torn);
      // what was not written reads back as the zeros Ratis preallocates (a clean close trims them)
      raf.setLength(Math.max(raf.length(), pos + (1 << 20)));
      return pos;
    }
  }

  /** Overwrites bytes in the middle of the largest table file of the {@code entries} column family. */
  private static Path corruptMiddleOfEntriesTable(Path engineDir) throws Exception {
    String table;
    List<byte[]> families = RocksDB.listColumnFamilies(new Options(), engineDir.toString());
    List<ColumnFamilyDescriptor> descriptors = families.stream().map(ColumnFamilyDescriptor::new).toList();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (RocksDB db = RocksDB.openReadOnly(new org.rocksdb.DBOptions(), engineDir.toString(), descriptors, handles)) {
      table = db.getLiveFilesMetaData().stream()
          .filter(f -> Arrays.equals(f.columnFamilyName(), "entries".getBytes(StandardCharsets.UTF_8)))
          .max(Comparator.comparingLong(LiveFileMetaData::size))
          .map(LiveFileMetaData::fileName)
          .orElseThrow(() -> new AssertionError("no table file of entries in " + engineDir));
      handles.forEach(ColumnFamilyHandle::close);
    }
    Path file = engineDir.resolve(table.replaceFirst("^/", ""));
    overwriteMiddle(file);
    return file;
  }

  private static void overwriteMiddle(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] garbage = new byte[64];
      Arrays.fill(garbage, (byte) 0x5a);
      raf.seek(raf.length() / 2);
      raf.write(garbage);
    }
  }

  private static List<String> otherAddresses(MiniKvCluster cluster, int except) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      if (i != except) {
        out.add(cluster.publicAddress(i));
      }
    }
    return out;
  }

  private static int http(MiniKvCluster cluster, int node, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + cluster.config(node).self().httpAddress() + path))
        .timeout(Duration.ofSeconds(5)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

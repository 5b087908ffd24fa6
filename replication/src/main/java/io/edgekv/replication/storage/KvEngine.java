package io.edgekv.replication.storage;

import io.edgekv.internal.v1.AppliedPosition;
import io.edgekv.internal.v1.StoredEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;

/**
 * One shard's RocksDB: the entries, their indexes, the request-deduplication table and the
 * applied Raft position, each in its own column family.
 *
 * <p>Batches are written to the WAL without fsync: the Raft log is fsynced before an entry
 * commits, and the applied position travels in the same batch as the data, so after a crash
 * RocksDB is at some applied position p and Ratis replays everything after p.
 *
 * <p>{@link #inMemory()} gives the same tables on the heap, for the deterministic simulation.
 */
public final class KvEngine implements AutoCloseable {
  static {
    // Batches are RocksDB objects for both engines.
    RocksDB.loadLibrary();
  }

  private static final byte[] APPLIED_KEY = "applied".getBytes(StandardCharsets.UTF_8);
  private static final List<String> FAMILIES = List.of("entries", "tag_index", "expiry_index", "requests",
      "requests_by_time", "raft_meta", "replog", "repl_meta", "purges", "changelog", "purge_receipts", "tombstone_index");

  private final Path dir;
  private final Store store;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtRest atRest;

  /** Entries by (namespace, key); tombstones included. */
  public final Table<EntryKey, StoredEntry> entries;
  /** {@code namespace 0 tag 0 key} for every live entry carrying a tag. */
  public final Table<byte[], byte[]> tagIndex;
  /** {@code expiresAt(8, big-endian) entryKey} for every entry with an expiry. */
  public final Table<byte[], byte[]> expiryIndex;
  /** Request id to the result it produced, for at-most-once apply of retried commands. */
  public final Table<byte[], byte[]> requests;
  /** {@code appliedAtMillis(8) requestId}, to expire the deduplication records in order. */
  public final Table<byte[], byte[]> requestsByTime;
  private final Table<byte[], AppliedPosition> raftMeta;
  /** {@code originLength(1) origin seq(8)} to the {@code Mutation}: what this region can ship to others. */
  public final Table<byte[], byte[]> replog;
  /** {@code "vv/" origin} to the highest contiguous sequence applied from that origin (8 bytes). */
  public final Table<byte[], byte[]> replMeta;
  /** {@code namespace 0 type selector} to the newest purge {@code Version} for that selector. */
  public final Table<byte[], byte[]> purges;
  /** {@code index(8) ordinal(4)} to the {@code ChangeEvent}: the region's changelog for Watch resume. */
  public final Table<byte[], byte[]> changelog;
  /** Purge id to the {@code ChangeEvent} of the purge as this region applied it (a purge receipt). */
  public final Table<byte[], byte[]> purgeReceipts;
  /** {@code tombstoneMillis(8) entryKey} for every tombstone, oldest first, for garbage collection. */
  public final Table<byte[], byte[]> tombstoneIndex;

  /** Opens (or creates) the RocksDB database in {@code dir}. */
  public KvEngine(Path dir, StorageOptions options) {
    this(dir, options, AtRest.PLAINTEXT);
  }

  /**
   * An engine whose tables that hold values or metadata (entries, requests, replog, changelog) are
   * sealed by {@code atRest} (encryption at rest); indexes, positions and receipts hold none.
   */
  public KvEngine(Path dir, StorageOptions options, AtRest atRest) {
    this(dir, new RocksStore(dir, options, FAMILIES), atRest);
  }

  private KvEngine(Path dir, Store store, AtRest atRest) {
    this.dir = dir;
    this.store = store;
    this.atRest = atRest;
    entries = new Table<>("entries", store.family("entries"), EntryKey.CODEC, new ProtoCodec<>(StoredEntry.parser()),
        atRest, EntryKey::namespace);
    tagIndex = table("tag_index", Codec.BYTES, Codec.BYTES);
    expiryIndex = table("expiry_index", Codec.BYTES, Codec.BYTES);
    requests = table("requests", Codec.BYTES, Codec.BYTES, atRest);
    requestsByTime = table("requests_by_time", Codec.BYTES, Codec.BYTES);
    raftMeta = table("raft_meta", Codec.BYTES, new ProtoCodec<>(AppliedPosition.parser()));
    replog = table("replog", Codec.BYTES, Codec.BYTES, atRest);
    replMeta = table("repl_meta", Codec.BYTES, Codec.BYTES);
    purges = table("purges", Codec.BYTES, Codec.BYTES);
    changelog = table("changelog", Codec.BYTES, Codec.BYTES, atRest);
    purgeReceipts = table("purge_receipts", Codec.BYTES, Codec.BYTES);
    tombstoneIndex = table("tombstone_index", Codec.BYTES, Codec.BYTES);
    DataKeyring.load(replMeta, atRest);
  }

  /** How this engine seals what it stores (its shard's view: {@link AtRest#forShard}). */
  public AtRest atRest() {
    return atRest;
  }

  /**
   * An engine whose tables live on the heap (no files, no background threads), for the
   * deterministic simulation; {@link #checkpoint} is refused. Not thread-safe.
   *
   * @param share gives back the copy of a stored value to keep: hundreds of simulated replicas
   *     store the same replicated values, and sharing one copy keeps them in memory
   */
  public static KvEngine inMemory(UnaryOperator<byte[]> share) {
    return new KvEngine(Path.of("memory"), new MemoryStore(FAMILIES, share), AtRest.PLAINTEXT);
  }

  private <K, V> Table<K, V> table(String name, Codec<K> keys, Codec<V> values) {
    return table(name, keys, values, AtRest.PLAINTEXT);
  }

  private <K, V> Table<K, V> table(String name, Codec<K> keys, Codec<V> values, AtRest atRest) {
    return new Table<>(name, store.family(name), keys, values, atRest, null);
  }

  public Path dir() {
    return dir;
  }

  /** The last applied Raft position, or term 0 / index 0 for a new engine. */
  public AppliedPosition appliedPosition() {
    AppliedPosition position = raftMeta.get(APPLIED_KEY);
    return position == null ? AppliedPosition.newBuilder().setFormat(1).build() : position;
  }

  /** Adds the applied position (and the entry's HLC stamp) to a batch, so that it commits with the data it covers. */
  public void setAppliedPosition(WriteBatch batch, long term, long index, long stamp) {
    raftMeta.put(batch, APPLIED_KEY, AppliedPosition.newBuilder().setFormat(1).setTerm(term).setIndex(index)
        .setStamp(stamp).build());
  }

  public void write(WriteBatch batch) {
    store.write(batch);
  }

  /** Writes a consistent, hard-linked copy of the database to {@code target} (which must not exist). */
  public void checkpoint(Path target) {
    store.checkpoint(target);
  }

  /** Flushes memtables to SST files. */
  public void flush() {
    store.flush();
  }

  /**
   * Reads every table file of the database and checks its block checksums (as a read would, but
   * for data nobody has read yet), so that damage is found before a request trips over it.
   *
   * @throws StorageException with {@link StorageException#corruption()} set for a damaged file
   */
  public void verifyChecksums() {
    store.verifyChecksums();
  }

  /** Compacts every column family fully (drops overwritten values and old tombstone layers). */
  public void compact() {
    store.compact();
  }

  /** A numeric RocksDB property of the default column family (e.g. {@code rocksdb.compaction-pending}); -1 if unknown. */
  public long longProperty(String name) {
    return store.longProperty(name);
  }

  /** Approximate size of the live data on disk, in bytes. */
  public long approximateSizeBytes() {
    return store.approximateSizeBytes();
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Closes RocksDB; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      store.close();
    }
  }
}

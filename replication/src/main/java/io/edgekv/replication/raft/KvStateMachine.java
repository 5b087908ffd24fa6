package io.edgekv.replication.raft;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.internal.v1.AppliedPosition;
import io.edgekv.internal.v1.CommandResults;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.apply.Applier;
import io.edgekv.replication.apply.AppliedStamps;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.storage.AtRest;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.Refusal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.KvEngine;
import io.edgekv.replication.storage.NotInMemoryException;
import io.edgekv.replication.storage.ReEncryption;
import io.edgekv.replication.storage.ShardFailedException;
import io.edgekv.replication.storage.StorageException;
import io.edgekv.replication.storage.StorageOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of one shard. The leader stamps each proposal (HLC, origin region,
 * expiry deadline) in {@link #startTransaction} before it is appended; {@link #applyTransaction}
 * then runs the deterministic {@link Applier} and commits the data, its indexes, the
 * deduplication record and the applied position in one RocksDB batch. An entry may carry a batch
 * of proposals (group commit, {@code ShardProposer}): one entry, one batch, one result per
 * proposal ({@code CommandResults}).
 *
 * <p>Restart: RocksDB holds its own applied position, which may be ahead of the latest
 * snapshot; Ratis replays the log from the snapshot and entries at or below that position are
 * skipped, so nothing applies twice. Snapshots are RocksDB checkpoints ({@link CheckpointStorage});
 * a follower that installs one from the leader swaps its RocksDB for it in {@link #reinitialize}.
 *
 * <p>Failure: a storage error while applying, or corruption found by a read, fails the shard on
 * this replica ({@link #failure()}): it applies and serves nothing more, and the error is not
 * thrown to Ratis (which would close the whole server's group and leave the process half
 * alive). The owner is told ({@link #onFailure}) and takes the replica out of the group until
 * the shard is rebuilt from a healthy peer.
 */
public final class KvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final int shard;
  private final String region;
  private final Path engineDir;
  private final StorageOptions storageOptions;
  private final HybridClock clock;
  private final ChangeListener listener;
  private final CheckpointStorage checkpoints = new CheckpointStorage();
  private final AppliedIndex appliedIndex = new AppliedIndex();
  /** Readers hold the read lock; swapping the engine for an installed snapshot takes the write lock. */
  private final ReentrantReadWriteLock engineLock = new ReentrantReadWriteLock();
  private KvEngine engine;
  private volatile Applier applier;
  /** Held by apply and by re-encryption's writes, so the two never interleave on a key. */
  private final ReentrantLock applyLock = new ReentrantLock();
  private volatile ReEncryption reencryption;
  private volatile Runnable afterApply = () -> {};
  /** Set once, by the first storage error that stopped this replica. */
  private final AtomicReference<Failure> failure = new AtomicReference<>();
  private volatile Consumer<String> onFailure = cause -> {};
  private volatile Function<Message, CompletableFuture<Message>> queries =
      request -> CompletableFuture.completedFuture(Message.EMPTY);

  /** Seals log entries and table values on disk. */
  private final AtRest atRest;

  private record Failure(String cause, boolean corruption, String file) {}

  public KvStateMachine(int shard, String region, Path engineDir, StorageOptions storageOptions, HybridClock clock,
      ChangeListener listener) {
    this(shard, region, engineDir, storageOptions, clock, listener, AtRest.PLAINTEXT);
  }

  /** @param atRest seals Raft log entries and table values (encryption at rest) */
  public KvStateMachine(int shard, String region, Path engineDir, StorageOptions storageOptions, HybridClock clock,
      ChangeListener listener, AtRest atRest) {
    this.atRest = atRest.forShard(shard);
    this.shard = shard;
    this.region = region;
    this.engineDir = engineDir;
    this.storageOptions = storageOptions;
    this.clock = clock;
    this.listener = listener;
    openEngine();
  }

  private void openEngine() {
    engine = new KvEngine(engineDir, storageOptions, atRest);
    applier = new Applier(engine, shard);
    reencryption = new ReEncryption(engine);
    appliedIndex.advanceTo(engine.appliedPosition().getIndex());
  }

  public int shard() {
    return shard;
  }

  /** Runs after every applied entry, on the apply thread (must not block): wakes the shipper. */
  public void onApplied(Runnable callback) {
    this.afterApply = callback;
  }

  /**
   * Runs a read against this shard's current engine (never one that is being swapped out).
   *
   * @throws ShardFailedException when the shard has failed on this replica, or when this read
   *     finds corrupt data (which fails the shard)
   */
  public <T> T read(Function<KvEngine, T> reader) {
    checkHealthy();
    engineLock.readLock().lock();
    try {
      return readLocked(reader);
    } finally {
      engineLock.readLock().unlock();
    }
  }

  /** Runs {@code reader} with the engine lock held; corruption it finds fails the shard. */
  private <T> T readLocked(Function<KvEngine, T> reader) {
    try {
      if (engine.isClosed()) {
        throw new StorageException("shard " + shard + " is closed", null);
      }
      return reader.apply(engine);
    } catch (StorageException e) {
      if (e.corruption() && !(e instanceof ShardFailedException)) {
        throw fail("a read found corrupt data: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * {@link #read} for a caller that must not wait (a transport thread): empty when the engine is
   * being swapped (a snapshot install holds it) or when {@code reader} needs the disk
   * ({@link NotInMemoryException}); then the caller reads where it may wait.
   *
   * @throws ShardFailedException as {@link #read}
   */
  public <T> Optional<T> tryRead(Function<KvEngine, T> reader) {
    checkHealthy();
    if (!engineLock.readLock().tryLock()) {
      return Optional.empty();
    }
    try {
      return Optional.of(readLocked(reader));
    } catch (NotInMemoryException e) {
      return Optional.empty();
    } finally {
      engineLock.readLock().unlock();
    }
  }

  /**
   * The shard's version vector (origin region to the highest contiguous sequence applied), as of
   * the last applied entry: kept in memory by apply, so reading it costs no storage access.
   */
  public Map<String, Long> versionVector() {
    checkHealthy();
    return applier.versionVector();
  }

  /** What this replica applied, in the origins' stamps (see {@link Applier#appliedStamps}). */
  public AppliedStamps appliedStamps() {
    checkHealthy();
    return applier.appliedStamps();
  }

  /** Deletes replication-log entries beyond the newest {@code retention} per origin (not part of apply). */
  public void trimReplicationLog(long retention) {
    read(engine -> {
      applier.trimReplicationLog(retention);
      return null;
    });
  }

  /**
   * One step of background re-encryption ({@link ReEncryption}): re-seals at most {@code
   * maxRecords} records (about {@code maxBytes}) that rest under an older key, writing under the
   * lock apply holds. Not part of apply: local, no change event, nothing replicated. Returns the
   * bytes re-sealed (0: nothing to do).
   */
  public long reencrypt(int maxRecords, long maxBytes) {
    return read(engine -> {
      ReEncryption current = reencryption;
      ReEncryption.Step step = current.find(maxRecords, maxBytes);
      if (step.isEmpty()) {
        return 0L;
      }
      applyLock.lock();
      try {
        current.reseal(step);
      } finally {
        applyLock.unlock();
      }
      return Math.max(1, step.bytes());
    });
  }

  /** Records of this shard still under an older key, as far as re-encryption has counted. */
  public long recordsUnderOldKeys() {
    return reencryption.remaining();
  }

  /** Why this shard has failed on this replica (the storage error, naming the file when known); empty while healthy. */
  public Optional<String> failure() {
    Failure failed = failure.get();
    return failed == null ? Optional.empty() : Optional.of(failed.cause());
  }

  /** Answers Raft read-only requests ({@link #query}); must not block. */
  public void onQuery(Function<Message, CompletableFuture<Message>> answer) {
    this.queries = answer;
  }

  /** Runs once, with the cause, when the shard fails; on the failing thread, so it must not block. */
  public void onFailure(Consumer<String> callback) {
    this.onFailure = callback;
  }

  /**
   * Reads every table file and checks its checksums; corruption fails the shard. Run in the
   * background after start, so damage is found before a request (or a scan) trips over it.
   */
  public void verifyStorage() {
    try {
      read(engine -> {
        engine.verifyChecksums();
        return null;
      });
      LOG.debug("shard {}: storage checksums verified", shard);
    } catch (StorageException e) {
      if (failure.get() == null) {
        LOG.warn("shard {}: checksum verification did not complete: {}", shard, e.toString());
      }
    }
  }

  /** @throws ShardFailedException when the shard has failed on this replica */
  public void checkHealthy() {
    Failure failed = failure.get();
    if (failed != null) {
      throw new ShardFailedException(shard, failed.cause(), failed.corruption(), failed.file());
    }
  }

  /** Fails the shard on this replica (the first cause wins) and returns the exception that reports it. */
  private ShardFailedException fail(String cause, StorageException error) {
    Failure failed = new Failure(cause, error.corruption(), error.file().orElse(""));
    if (failure.compareAndSet(null, failed)) {
      LOG.error("shard {} FAILED on this node{}: {}; it serves and applies nothing until `edgekv admin rebuild-shard "
          + "--shard {}` reinstalls it from a healthy peer", shard,
          error.file().map(file -> " (file " + file + ")").orElse(""), cause, shard, error);
      onFailure.accept(cause);
    }
    Failure first = failure.get();
    return new ShardFailedException(shard, first.cause(), first.corruption(), first.file());
  }

  /** The highest Raft index whose data is applied to RocksDB on this replica. */
  public AppliedIndex appliedIndex() {
    return appliedIndex;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    super.initialize(server, groupId, storage);
    getLifeCycle().startAndTransition(() -> {
      checkpoints.init(storage);
      AppliedPosition position = engine.appliedPosition();
      setLastAppliedTermIndex(TermIndex.valueOf(position.getTerm(), position.getIndex()));
      // Entries already applied are not replayed: start the clock past the last one's stamp.
      clock.observe(position.getStamp());
    }, IOException.class);
  }

  /** Ratis pauses the machine before it publishes a snapshot received from the leader. */
  @Override
  public void pause() {
    if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return checkpoints;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return checkpoints.getLatestSnapshot();
  }

  /** Writes a RocksDB checkpoint at the applied position (called on the apply thread, between entries). */
  @Override
  public long takeSnapshot() throws IOException {
    if (failure.get() != null) {
      return -1;
    }
    engineLock.readLock().lock();
    try {
      AppliedPosition position = engine.appliedPosition();
      if (position.getIndex() == 0) {
        return -1;
      }
      SnapshotInfo latest = checkpoints.getLatestSnapshot();
      if (latest != null && latest.getIndex() >= position.getIndex()) {
        return latest.getIndex();
      }
      Path pending = checkpoints.pendingDir(position.getTerm(), position.getIndex());
      CheckpointStorage.deleteTree(pending);
      engine.checkpoint(pending);
      checkpoints.complete(pending, position.getTerm(), position.getIndex());
      LOG.info("shard {}: snapshot at index {}", shard, position.getIndex());
      return position.getIndex();
    } finally {
      engineLock.readLock().unlock();
    }
  }

  /** Replaces RocksDB with the latest checkpoint, after Ratis installed one sent by the leader. */
  @Override
  public void reinitialize() throws IOException {
    var latest = checkpoints.latest();
    if (latest.isEmpty()) {
      throw new IOException("shard " + shard + ": no checkpoint to reinitialize from in " + checkpoints.dir());
    }
    engineLock.writeLock().lock();
    try {
      engine.close();
      CheckpointStorage.deleteTree(engineDir);
      Files.createDirectories(engineDir);
      try (Stream<Path> files = Files.list(latest.get())) {
        for (Path file : files.filter(p -> !p.toString().endsWith(".md5")).toList()) {
          Files.copy(file, engineDir.resolve(file.getFileName()));
        }
      }
      openEngine();
      AppliedPosition position = engine.appliedPosition();
      setLastAppliedTermIndex(TermIndex.valueOf(position.getTerm(), position.getIndex()));
      clock.observe(position.getStamp());
      LOG.info("shard {}: installed snapshot at index {}", shard, position.getIndex());
    } finally {
      engineLock.writeLock().unlock();
    }
    if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    byte[] opened;
    try {
      opened = atRest.open(request.getMessage().getContent().toByteArray());
    } catch (StorageException e) {
      throw new IOException("rejected proposal: " + e.getMessage(), e);
    }
    List<byte[]> elements = requestBatch(opened);
    byte[] logData;
    if (elements == null) {
      Proposal proposal;
      try {
        proposal = CommandCodec.decode(opened);
      } catch (IllegalArgumentException e) {
        throw new IOException("rejected proposal: " + e.getMessage(), e);
      }
      Optional<Refusal> refused = CommandRules.check(proposal.command());
      if (refused.isPresent()) {
        // The entry point validates first; this keeps a command that slipped past it out of the log.
        throw new IOException("rejected proposal: " + refused.get().message());
      }
      logData = stamp(proposal);
    } else {
      // Group commit: one bad proposal must not fail the others, so each goes into the entry
      // (apply records a refused or undecodable one as failed, with a result of its own).
      List<byte[]> stamped = new ArrayList<>(elements.size());
      for (byte[] element : elements) {
        byte[] one;
        try {
          one = stamp(CommandCodec.decode(atRest.open(element)));
        } catch (IllegalArgumentException | StorageException e) {
          LOG.warn("shard {}: a proposal of a batch cannot be decoded; it is recorded as failed: {}", shard,
              e.getMessage());
          one = CommandCodec.undecodable();
        }
        stamped.add(one);
      }
      logData = CommandCodec.encodeBatch(stamped);
    }
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(ByteString.copyFrom(atRest.seal(logData)))
        .build();
  }

  /**
   * The proposals of a batch request (ShardProposer's group commit: a plain envelope of sealed
   * proposals), or null for a single proposal (one sent through a Raft client), told apart by
   * the format of the opened bytes (a sealed proposal opens to format 1; the envelope is never
   * sealed as a whole, so it opens to itself).
   */
  private static List<byte[]> requestBatch(byte[] opened) {
    try {
      return CommandCodec.batchElements(opened);
    } catch (IllegalArgumentException e) {
      return null; // the single proposal's own decoding names the problem
    }
  }

  /** The proposal as the log holds it: stamped with the leader's HLC, region and expiry deadlines. */
  private byte[] stamp(Proposal proposal) {
    long hlc = clock.now();
    // Expiry deadlines are fixed here, from the leader's wall clock (the HLC may run ahead of it
    // after observing a fast peer), so every replica applies the same bytes.
    long millis = clock.clock().millis();
    Command command = switch (proposal.command()) {
      case Command.Put put when put.ttlMillis() > 0 ->
          put.withExpiresAt(CommandRules.expiresAt(millis, put.ttlMillis()));
      case Command.Touch touch -> touch.withExpiresAt(CommandRules.expiresAt(millis, touch.ttlMillis()));
      case Command.Txn txn -> txn.withExpiresAt(millis);
      default -> proposal.command();
    };
    return CommandCodec.encode(proposal.stamped(hlc, region, command));
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    if (index <= appliedIndex.get()) {
      // Already in RocksDB (replayed after a restart): applying again would apply twice.
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    Failure failed = failure.get();
    if (failed != null) {
      return CompletableFuture.failedFuture(new ShardFailedException(shard, failed.cause(), failed.corruption(),
          failed.file()));
    }
    CommandCodec.Entry decoded = decodeOrNull(entry);
    List<Proposal> proposals = decoded == null ? null : decoded.proposals();
    if (proposals != null) {
      for (Proposal proposal : proposals) {
        if (proposal == null) {
          continue;
        }
        clock.observe(proposal.hlc());
        if (proposal.command() instanceof Command.ApplyRemote remote) {
          // Receiving a remote version advances the local HLC, so later local writes order after it.
          remote.mutations().forEach(m -> clock.observe(m.getVersion().getHlc()));
        }
      }
    }
    List<Applier.Outcome> outcomes;
    engineLock.readLock().lock();
    applyLock.lock();
    try {
      outcomes = applier.applyAll(proposals, entry.getTerm(), index);
    } catch (StorageException e) {
      // Not thrown out of apply: Ratis would close every group of the server and leave the process
      // half alive. This replica stops applying (skipping the entry would diverge it forever).
      return CompletableFuture.failedFuture(fail("applying index " + index + " failed: " + e.getMessage(), e));
    } catch (RuntimeException e) {
      // Apply is total on data (Applier records what it cannot do); anything else is a defect of
      // this replica. It stops applying (skipping the entry would diverge it forever) but is not
      // thrown to Ratis, which would close every group of the server behind a live process.
      return CompletableFuture.failedFuture(fail("applying index " + index + " failed: " + e,
          new StorageException("unexpected error in apply: " + e, e)));
    } finally {
      applyLock.unlock();
      engineLock.readLock().unlock();
    }
    updateLastAppliedTermIndex(entry.getTerm(), index);
    appliedIndex.advanceTo(index);
    afterApply.run();
    for (Applier.Outcome outcome : outcomes) {
      for (ChangeEvent event : outcome.events()) {
        try {
          listener.onChange(event);
        } catch (RuntimeException e) {
          LOG.warn("shard {}: change listener failed on index {}", shard, index, e);
        }
      }
    }
    if (decoded != null && decoded.batch()) {
      CommandResults.Builder results = CommandResults.newBuilder();
      outcomes.forEach(outcome -> results.addResults(outcome.result()));
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(results.build().toByteArray())));
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(outcomes.getFirst().result().toByteArray())));
  }

  /**
   * The entry's proposals, or null when this release cannot decode it (written by another release,
   * or damaged before it was appended). Decoding is pure, so every replica of the release agrees.
   */
  private CommandCodec.Entry decodeOrNull(LogEntryProto entry) {
    try {
      return CommandCodec.decodeEntry(atRest.open(entry.getStateMachineLogEntry().getLogData().toByteArray()));
    } catch (RuntimeException e) {
      LOG.error("shard {}: index {} cannot be decoded; recorded as a failed command", shard, entry.getIndex(), e);
      return null;
    }
  }

  /**
   * A Raft read-only request: the questions members ask of a member whose internal address they
   * do not know ({@link RaftRouteLink}); reads themselves go to RocksDB directly.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return queries.apply(request);
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    // Configuration and no-op entries move the applied index too, but a replay after a restart
    // must not move it back below what RocksDB already holds.
    if (index > getLastAppliedTermIndex().getIndex()) {
      super.notifyTermIndexUpdated(term, index);
    }
  }

  @Override
  public void close() throws IOException {
    super.close();
    appliedIndex.close();
    engineLock.writeLock().lock();
    try {
      engine.close();
    } finally {
      engineLock.writeLock().unlock();
    }
  }
}

package io.edgekv.replication.raft;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.internal.v1.AppliedPosition;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.KvEngine;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of one shard. The leader stamps each proposal (HLC, origin region,
 * expiry deadline) in {@link #startTransaction} before it is appended; {@link #applyTransaction}
 * then runs the deterministic {@link Applier} and commits the data, its indexes, the
 * deduplication record and the applied position in one RocksDB batch.
 *
 * <p>RocksDB is this state machine's snapshot: the latest snapshot Ratis sees is the applied
 * position stored in RocksDB, so after a restart Ratis resumes applying right after it and no
 * entry is applied twice.
 */
public final class KvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final int shard;
  private final String region;
  private final KvEngine engine;
  private final HybridClock clock;
  private final ChangeListener listener;
  private final Applier applier;
  private final AppliedIndex appliedIndex = new AppliedIndex();

  public KvStateMachine(int shard, String region, KvEngine engine, HybridClock clock, ChangeListener listener) {
    this.shard = shard;
    this.region = region;
    this.engine = engine;
    this.clock = clock;
    this.listener = listener;
    this.applier = new Applier(engine, shard);
  }

  public int shard() {
    return shard;
  }

  public KvEngine engine() {
    return engine;
  }

  /** The highest Raft index whose data is applied to RocksDB on this replica. */
  public AppliedIndex appliedIndex() {
    return appliedIndex;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    super.initialize(server, groupId, storage);
    AppliedPosition position = engine.appliedPosition();
    updateLastAppliedTermIndex(position.getTerm(), position.getIndex());
    appliedIndex.advanceTo(position.getIndex());
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    AppliedPosition position = engine.appliedPosition();
    if (position.getIndex() == 0) {
      return null;
    }
    TermIndex termIndex = TermIndex.valueOf(position.getTerm(), position.getIndex());
    return new SnapshotInfo() {
      @Override
      public TermIndex getTermIndex() {
        return termIndex;
      }

      @Override
      public List<FileInfo> getFiles() {
        return List.of();
      }
    };
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    Proposal proposal;
    try {
      proposal = CommandCodec.decode(request.getMessage().getContent().toByteArray());
    } catch (IllegalArgumentException e) {
      throw new IOException("rejected proposal: " + e.getMessage(), e);
    }
    long hlc = clock.now();
    Command command = proposal.command();
    if (command instanceof Command.Put put && put.ttlMillis() > 0) {
      command = put.withExpiresAt(HybridClock.physicalMillis(hlc) + put.ttlMillis());
    }
    byte[] stamped = CommandCodec.encode(proposal.stamped(hlc, region, command));
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(ByteString.copyFrom(stamped))
        .build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    if (index <= appliedIndex.get()) {
      // Already in RocksDB (replayed after a restart): applying again would apply twice.
      updateLastAppliedTermIndex(entry.getTerm(), index);
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    Proposal proposal = CommandCodec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
    clock.observe(proposal.hlc());
    Applier.Outcome outcome;
    try (WriteBatch batch = new WriteBatch()) {
      outcome = applier.apply(batch, proposal, index);
      engine.setAppliedPosition(batch, entry.getTerm(), index);
      engine.write(batch);
    } catch (RuntimeException e) {
      // A replica that silently skipped an entry diverges forever; stopping it is safer.
      LOG.error("shard {}: applying index {} failed; stopping this replica", shard, index, e);
      throw e;
    }
    updateLastAppliedTermIndex(entry.getTerm(), index);
    appliedIndex.advanceTo(index);
    for (ChangeEvent event : outcome.events()) {
      try {
        listener.onChange(event);
      } catch (RuntimeException e) {
        LOG.warn("shard {}: change listener failed on index {}", shard, index, e);
      }
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(outcome.result().toByteArray())));
  }

  /**
   * Read barrier for linearizable reads: Ratis calls this once this replica has applied the
   * group's read index, after which the caller reads RocksDB directly.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    // Configuration and no-op entries carry no data but still move the applied index.
    super.notifyTermIndexUpdated(term, index);
  }

  @Override
  public void close() throws IOException {
    super.close();
    appliedIndex.close();
  }
}

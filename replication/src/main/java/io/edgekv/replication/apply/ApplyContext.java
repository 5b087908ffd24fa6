package io.edgekv.replication.apply;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.replication.Version;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.WriteBatch;

/**
 * The state of one apply: its batch, its log position and proposal, the change events it
 * produced, and what it has written so far. The batch is not readable, and one entry (a remote
 * batch, a transaction, a group-commit entry of many commands) may touch a key or a purge
 * selector twice, so reads see the staged writes first.
 */
final class ApplyContext {
  final int shard;
  final WriteBatch batch;
  final long index;
  final Proposal proposal;
  /** The proposal's physical time: "now" for expiry and liveness, the same on every replica. */
  final long now;
  final List<ChangeEvent> events = new ArrayList<>(1);
  final Staged<EntryKey, Optional<StoredEntry>> stagedEntries;
  final Staged<ByteBuffer, byte[]> stagedPurges;
  /** Per namespace, the change of its stored entries and bytes by this command ({@link NamespaceUsage}). */
  final Map<String, NamespaceUsage.Usage> usage = new HashMap<>(2);

  /** The context of an entry's only command. */
  ApplyContext(int shard, WriteBatch batch, long index, Proposal proposal) {
    this(shard, batch, index, proposal, new HashMap<>(), new HashMap<>());
  }

  /**
   * The context of one command of a group-commit entry: {@code earlierEntries} and
   * {@code earlierPurges} hold what the entry's earlier commands staged ({@link Staged}).
   */
  ApplyContext(int shard, WriteBatch batch, long index, Proposal proposal,
      Map<EntryKey, Optional<StoredEntry>> earlierEntries, Map<ByteBuffer, byte[]> earlierPurges) {
    this.shard = shard;
    this.batch = batch;
    this.index = index;
    this.proposal = proposal;
    this.now = HybridClock.physicalMillis(proposal.hlc());
    this.stagedEntries = new Staged<>(earlierEntries);
    this.stagedPurges = new Staged<>(earlierPurges);
  }

  /** The command applied: the entry's later commands see its staged writes. */
  void commitStaged() {
    stagedEntries.commit();
    stagedPurges.commit();
  }

  /** The version the leader stamped on the proposal. */
  Version stamped() {
    return new Version(proposal.hlc(), proposal.originRegion());
  }

  /** Records a change event of this entry (for Watch and the changelog). */
  ChangeEvent emit(ChangeEvent.Builder event) {
    ChangeEvent built = event.setShard(shard).setIndex(index).setOriginRegion(event.getVersion().getOriginRegion())
        .build();
    events.add(built);
    return built;
  }
}

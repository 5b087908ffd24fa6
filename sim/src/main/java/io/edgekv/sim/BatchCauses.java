package io.edgekv.sim;

import com.google.protobuf.CodedOutputStream;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.replication.storage.ReplicationKeys;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Why replication batches carry the bytes they carry: each mutation in a batch a PoP sends is
 * counted by cause, from what the simulation knows of earlier sends between the same two regions
 * (which a shipper, restarted or newly leading, may not know). This only explains the bytes
 * {@link Traffic} counts; it does not change them.
 */
final class BatchCauses {
  /** Why a mutation was in a batch. */
  enum Cause {
    /** A region's own mutation, the first time its region sent it to that region. */
    FIRST,
    /** A region's own mutation sent again after the call that carried it was answered or is still pending (a gap, a new leader). */
    RESEND_AFTER_GAP,
    /** A region's own mutation sent again after the call that last carried it failed (lost, timed out, refused). */
    RESEND_AFTER_FAILURE,
    /** A third region's mutation, relayed. */
    RELAY,
    /** The request around the mutations (region, shard, flags, field tags). */
    FRAMING
  }

  private static final byte SENT = 1;
  private static final byte FAILED = 2;

  private final Simulation sim;
  private final int regions;
  private final Map<Cause, Long> bytes = new EnumMap<>(Cause.class);
  /** Per (from, to, origin): per sequence, whether it was sent and how its last call ended. */
  private final Map<Integer, byte[]> state = new HashMap<>();
  private long alreadyThere;

  BatchCauses(Simulation sim, int regions) {
    this.sim = sim;
    this.regions = regions;
  }

  /** Counts a batch sent from {@code from}'s region to {@code to}'s region (before the network sees it). */
  void sent(SimPop from, SimRegion to, ReplicateRequest request) {
    List<Mutation> mutations = request.getMutationsList();
    if (mutations.isEmpty()) {
      return;
    }
    long inMutations = 0;
    int a = from.regionIndex();
    for (Mutation m : mutations) {
      int size = CodedOutputStream.computeMessageSize(ReplicateRequest.MUTATIONS_FIELD_NUMBER, m);
      inMutations += size;
      int origin = sim.region(m.getOriginRegion()).index();
      Cause cause;
      if (origin != a) {
        cause = Cause.RELAY;
      } else {
        byte was = get(a, to.index(), origin, m.getSeq());
        cause = was == 0 ? Cause.FIRST : was == FAILED ? Cause.RESEND_AFTER_FAILURE : Cause.RESEND_AFTER_GAP;
      }
      set(a, to.index(), origin, m.getSeq(), SENT);
      bytes.merge(cause, (long) size, Long::sum);
      boolean there = ReplicationKeys.readSeq(to.pops().get(0).engine(), m.getOriginRegion()) >= m.getSeq()
          || (to.leader() != null && ReplicationKeys.readSeq(to.leader().engine(), m.getOriginRegion()) >= m.getSeq());
      if (there) {
        alreadyThere += size;
      }
    }
    bytes.merge(Cause.FRAMING, request.getSerializedSize() - inMutations + Traffic.GRPC_PREFIX_BYTES, Long::sum);
  }

  /** The call that carried {@code request} failed: its mutations' next send is a resend after failure. */
  void failed(SimPop from, SimRegion to, ReplicateRequest request) {
    for (Mutation m : request.getMutationsList()) {
      int origin = sim.region(m.getOriginRegion()).index();
      if (origin == from.regionIndex()) {
        set(from.regionIndex(), to.index(), origin, m.getSeq(), FAILED);
      }
    }
  }

  long bytes(Cause cause) {
    return bytes.getOrDefault(cause, 0L);
  }

  /** Batch bytes of mutations the receiving region had already applied when they were sent. */
  long alreadyThere() {
    return alreadyThere;
  }

  private byte get(int from, int to, int origin, long seq) {
    byte[] seqs = state.get(key(from, to, origin));
    return seqs == null || seq >= seqs.length ? 0 : seqs[(int) seq];
  }

  private void set(int from, int to, int origin, long seq, byte value) {
    int k = key(from, to, origin);
    byte[] seqs = state.get(k);
    if (seqs == null || seq >= seqs.length) {
      seqs = Arrays.copyOf(seqs == null ? new byte[0] : seqs, (int) Math.max(64, Math.max(seq + 1, 2L * (seqs == null ? 0 : seqs.length))));
      state.put(k, seqs);
    }
    seqs[(int) seq] = value;
  }

  private int key(int from, int to, int origin) {
    return (from * regions + to) * regions + origin;
  }
}

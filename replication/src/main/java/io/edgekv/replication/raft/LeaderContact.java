package io.edgekv.replication.raft;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * How long ago a replica last had proof that its view of its group was current, from Ratis' role
 * information. A leader has it from a majority's answers (it cannot have been replaced before the
 * oldest answer among the most recent ones of a majority, itself counted, as in Ratis' leader
 * lease); a follower from its leader's last message, which also says how far the leader had
 * committed (Ratis' commit infos: the commit index in the message itself is capped at the entries
 * the follower has, so a follower missing entries would take itself for caught up). A leader cut
 * off from its group keeps its role for up to an election timeout and a follower its leader:
 * neither is proof. Nor is anything before the leader has committed an entry of its own term: a
 * new leader's commit index may lag what its predecessors committed (Raft section 5.4.2; here
 * after a restart of every node, whose commit index starts at what each had applied).
 */
final class LeaderContact {
  static final long NEVER = Long.MAX_VALUE;

  private LeaderContact() {}

  /**
   * A replica's last proof of contact.
   *
   * @param agoMillis milliseconds since, or {@link #NEVER}
   * @param leaderCommit the leader's commit index as of then, as far as this replica knows (a
   *     follower that has applied it was current then); 0 when unknown
   */
  record Proof(long agoMillis, long leaderCommit) {
    static final Proof NONE = new Proof(NEVER, 0);
  }

  /**
   * The proof of a replica from its Ratis role information and the commit indexes it knows.
   *
   * @param commits each member's commit index as this replica last heard it (Ratis' commit infos)
   * @param termCommitted whether this replica has committed an entry of the current term (on a
   *     leader: Ratis' leader-ready; on a follower: the entry at its commit index is of the term)
   */
  static Proof of(RoleInfoProto role, RaftPeerId self, Collection<RaftPeerId> current,
      Collection<RaftPeerId> previous, Map<RaftPeerId, Long> commits, boolean termCommitted) {
    long ago = agoMillis(role, self, current, previous);
    if (ago == NEVER || !termCommitted) {
      return Proof.NONE;
    }
    RaftPeerId leader = role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()
        ? RaftPeerId.valueOf(role.getFollowerInfo().getLeaderInfo().getId().getId()) : self;
    return new Proof(ago, commits.getOrDefault(leader, 0L));
  }

  /**
   * Milliseconds since the last proof, or {@link #NEVER} (a candidate; a leader without a majority
   * of answers).
   *
   * @param self this replica's id
   * @param current the voting members of the current configuration
   * @param previous the voting members of the old one during a membership change (else empty):
   *     a leader then needs a majority of both
   */
  static long agoMillis(RoleInfoProto role, RaftPeerId self, Collection<RaftPeerId> current,
      Collection<RaftPeerId> previous) {
    if (role.hasLeaderInfo()) {
      Map<RaftPeerId, Long> answered = new HashMap<>();
      for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
        answered.put(RaftPeerId.valueOf(follower.getId().getId()), follower.getLastRpcElapsedTimeMs());
      }
      answered.put(self, 0L);
      return Math.max(majorityAgo(answered, current), majorityAgo(answered, previous));
    }
    if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
      return role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
    }
    return NEVER;
  }

  /** The age of the answer that completes a majority of {@code members} (0 for no members). */
  private static long majorityAgo(Map<RaftPeerId, Long> answered, Collection<RaftPeerId> members) {
    if (members.isEmpty()) {
      return 0;
    }
    List<Long> ages = new ArrayList<>(members.size());
    for (RaftPeerId member : members) {
      ages.add(answered.getOrDefault(member, NEVER));
    }
    ages.sort(null);
    return ages.get(members.size() / 2);
  }
}

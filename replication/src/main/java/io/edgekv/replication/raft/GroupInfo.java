package io.edgekv.replication.raft;

import java.util.List;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;

/** One shard group as this replica sees it. */
public record GroupInfo(int shard, String groupId, Role role, String leader, long appliedIndex,
    long commitIndex, long term, List<String> peers) {

  /** This replica's part in the group: a Raft role, or why it has none. */
  public enum Role {
    LEADER, FOLLOWER, CANDIDATE, LISTENER,
    /** The shard failed on this replica (a storage error); it is out of the group until rebuilt. */
    FAILED,
    /** The group is not open on this replica. */
    UNKNOWN;

    static Role of(RaftPeerRole role) {
      if (role == null) {
        return UNKNOWN;
      }
      return switch (role) {
        case LEADER -> LEADER;
        case FOLLOWER -> FOLLOWER;
        case CANDIDATE -> CANDIDATE;
        case LISTENER -> LISTENER;
        default -> UNKNOWN;
      };
    }
  }

  public boolean isLeader() {
    return role == Role.LEADER;
  }
}

package io.edgekv.replication.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.FollowerInfoProto;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/**
 * A replica counts as current only as of its last proof of contact with its group, on the
 * monotonic clock: a leader cut off from its followers, or a follower that stopped hearing from
 * its leader, grows stale though it keeps its role for a while.
 */
class FreshnessTest {
  private static final RaftPeerId N1 = RaftPeerId.valueOf("n1");
  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");
  private static final List<RaftPeerId> THREE = List.of(N1, N2, N3);

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final Freshness freshness = new Freshness(nanos::get, 1);

  @Test
  void aLeaderIsCurrentAsOfTheAnswerThatCompletesAMajority() {
    RoleInfoProto role = leader(answer(N2, 40), answer(N3, 5_000));
    assertEquals(40, LeaderContact.agoMillis(role, N1, THREE, List.of()));
  }

  @Test
  void aLeaderCutOffFromEveryFollowerHasNoRecentProof() {
    RoleInfoProto role = leader(answer(N2, 4_000), answer(N3, 6_000));
    assertEquals(4_000, LeaderContact.agoMillis(role, N1, THREE, List.of()));
  }

  @Test
  void duringAMembershipChangeALeaderNeedsAMajorityOfBothConfigurations() {
    RaftPeerId n4 = RaftPeerId.valueOf("n4");
    RoleInfoProto role = leader(answer(N2, 10), answer(N3, 20), answer(n4, 9_000));
    // new configuration n1 n2 n4 (majority at 10 ms), old one n1 n3 n4 (majority at 20 ms)
    assertEquals(20, LeaderContact.agoMillis(role, N1, List.of(N1, N2, n4), List.of(N1, N3, n4)));
  }

  @Test
  void aFollowerIsCurrentAsOfItsLeadersLastMessage() {
    RoleInfoProto role = RoleInfoProto.newBuilder()
        .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(answer(N1, 300))).build();
    assertEquals(300, LeaderContact.agoMillis(role, N2, THREE, List.of()));
  }

  @Test
  void aCandidateHasNoProof() {
    assertEquals(LeaderContact.NEVER, LeaderContact.agoMillis(RoleInfoProto.getDefaultInstance(), N2, THREE, List.of()));
  }

  @Test
  void stalenessGrowsFromTheLastProofNotFromTheLastSample() {
    assertEquals(Long.MAX_VALUE, freshness.stalenessMillis(0));
    freshness.sample(List.of(leaderGroup()), shard -> proof(0, 0));
    assertEquals(0, freshness.stalenessMillis(0));
    // cut off: still leader, but the majority's answers age; every sample sees the older proof
    for (int i = 1; i <= 30; i++) {
      long ago = 100L * i;
      advance(100);
      freshness.sample(List.of(leaderGroup()), shard -> proof(ago, 0));
    }
    assertEquals(3_000, freshness.stalenessMillis(0));
  }

  @Test
  void aFollowerBehindItsCommitIndexIsNotMadeCurrentByItsLeadersMessages() {
    freshness.sample(List.of(followerGroup(10, 10)), shard -> proof(0, 0));
    advance(2_000);
    freshness.sample(List.of(followerGroup(10, 50)), shard -> proof(0, 0));
    assertEquals(2_000, freshness.stalenessMillis(0));
    freshness.sample(List.of(followerGroup(50, 50)), shard -> proof(0, 0));
    assertEquals(0, freshness.stalenessMillis(0));
  }

  @Test
  void anOlderProofNeverMovesFreshnessBack() {
    freshness.sample(List.of(leaderGroup()), shard -> proof(0, 0));
    advance(500);
    freshness.sample(List.of(followerGroup(5, 5)), shard -> proof(10_000, 0));
    assertEquals(500, freshness.stalenessMillis(0));
  }

  @Test
  void aFollowerMissingEntriesItsLeaderCommittedIsNotCurrent() {
    // its own commit index (capped by Ratis at the entries it has) says 10, its leader said 50
    freshness.sample(List.of(followerGroup(10, 10)), shard -> proof(0, 50));
    assertEquals(Long.MAX_VALUE, freshness.stalenessMillis(0));
    advance(300);
    freshness.sample(List.of(followerGroup(50, 50)), shard -> proof(100, 50));
    assertEquals(100, freshness.stalenessMillis(0));
  }

  @Test
  void aFollowersProofCarriesItsLeadersCommitIndex() {
    RoleInfoProto role = RoleInfoProto.newBuilder()
        .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(answer(N1, 70))).build();
    LeaderContact.Proof proof = LeaderContact.of(role, N2, THREE, List.of(), Map.of(N1, 50L, N2, 10L), true);
    assertEquals(new LeaderContact.Proof(70, 50), proof);
    assertEquals(LeaderContact.Proof.NONE,
        LeaderContact.of(RoleInfoProto.getDefaultInstance(), N2, THREE, List.of(), Map.of(N1, 50L), true));
  }

  @Test
  void nothingIsProofBeforeAnEntryOfTheCurrentTermIsCommitted() {
    // a new leader (or its follower) right after every node restarted: its commit index may lag
    // what the previous term committed until it commits an entry of its own term
    assertEquals(LeaderContact.Proof.NONE,
        LeaderContact.of(leader(answer(N2, 5), answer(N3, 5)), N1, THREE, List.of(), Map.of(N1, 7L), false));
    RoleInfoProto follower = RoleInfoProto.newBuilder()
        .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(answer(N1, 5))).build();
    assertEquals(LeaderContact.Proof.NONE, LeaderContact.of(follower, N2, THREE, List.of(), Map.of(N1, 7L), false));
  }

  private static LeaderContact.Proof proof(long agoMillis, long leaderCommit) {
    return new LeaderContact.Proof(agoMillis, leaderCommit);
  }

  private void advance(long millis) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  private static GroupInfo leaderGroup() {
    return new GroupInfo(0, "g", GroupInfo.Role.LEADER, "n1", 5, 5, 1, List.of("n1", "n2", "n3"));
  }

  private static GroupInfo followerGroup(long applied, long committed) {
    return new GroupInfo(0, "g", GroupInfo.Role.FOLLOWER, "n1", applied, committed, 1, List.of("n1", "n2", "n3"));
  }

  private static RoleInfoProto leader(ServerRpcProto... followers) {
    LeaderInfoProto.Builder leader = LeaderInfoProto.newBuilder().setTerm(1);
    for (ServerRpcProto follower : followers) {
      leader.addFollowerInfo(follower);
    }
    return RoleInfoProto.newBuilder().setLeaderInfo(leader).build();
  }

  private static ServerRpcProto answer(RaftPeerId peer, long agoMillis) {
    return ServerRpcProto.newBuilder()
        .setId(RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8(peer.toString())))
        .setLastRpcElapsedTimeMs(agoMillis).build();
  }
}

package io.edgekv.replication.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.replication.ReadUnavailableException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.junit.jupiter.api.Test;

/** The majority-in-term check behind every linearizable read index (docs/consistency.md). */
class TermQuorumTest {

  @Test
  void aMajorityStillInTheLeadersTermConfirms() throws Exception {
    Map<String, CompletableFuture<Long>> asked = new ConcurrentHashMap<>();
    CompletableFuture<Void> check = TermQuorum.confirm("a", 5, conf(List.of("a", "b", "c"), List.of()),
        peer -> asked.computeIfAbsent(peer, p -> new CompletableFuture<>()));
    assertTrue(asked.keySet().containsAll(List.of("b", "c")), "every other member is asked");
    assertFalse(check.isDone(), "the leader alone is no majority of three");
    asked.get("c").complete(4L);
    check.get(1, TimeUnit.SECONDS);
  }

  @Test
  void oneMemberInALaterTermMeansThisLeaderWasDeposed() {
    CompletableFuture<Void> check = TermQuorum.confirm("a", 5, conf(List.of("a", "b", "c"), List.of()),
        peer -> CompletableFuture.completedFuture(peer.equals("b") ? 6L : 5L));
    ExecutionException e = assertThrows(ExecutionException.class, () -> check.get(1, TimeUnit.SECONDS));
    assertInstanceOf(ReadUnavailableException.class, e.getCause());
  }

  @Test
  void unreachableMembersLeaveNoMajority() {
    CompletableFuture<Void> check = TermQuorum.confirm("a", 5, conf(List.of("a", "b", "c"), List.of()),
        peer -> CompletableFuture.failedFuture(new IllegalStateException("unreachable")));
    ExecutionException e = assertThrows(ExecutionException.class, () -> check.get(1, TimeUnit.SECONDS));
    assertInstanceOf(ReadUnavailableException.class, e.getCause());
  }

  @Test
  void duringAMembershipChangeBothConfigurationsNeedAMajority() throws Exception {
    // Old {a, b, c}, new {a, d, e}: b confirms the old one, but the new one needs d or e too.
    Map<String, CompletableFuture<Long>> answers = Map.of("b", CompletableFuture.completedFuture(5L),
        "c", new CompletableFuture<>(), "d", new CompletableFuture<>(), "e", new CompletableFuture<>());
    CompletableFuture<Void> check = TermQuorum.confirm("a", 5, conf(List.of("a", "d", "e"), List.of("a", "b", "c")),
        answers::get);
    assertFalse(check.isDone());
    answers.get("d").complete(5L);
    check.get(1, TimeUnit.SECONDS);
  }

  @Test
  void aSingleMemberGroupConfirmsAtOnce() throws Exception {
    TermQuorum.confirm("a", 1, conf(List.of("a"), List.of()), peer -> {
      throw new AssertionError("nobody else to ask");
    }).get(1, TimeUnit.SECONDS);
  }

  private static RaftConfiguration conf(List<String> current, List<String> previous) {
    return new RaftConfiguration() {
      @Override
      public RaftPeer getPeer(RaftPeerId id, RaftPeerRole... roles) {
        return null;
      }

      @Override
      public Collection<RaftPeer> getAllPeers(RaftPeerRole role) {
        return List.of();
      }

      @Override
      public Collection<RaftPeer> getCurrentPeers(RaftPeerRole role) {
        return role == RaftPeerRole.FOLLOWER ? peers(current) : List.of();
      }

      @Override
      public Collection<RaftPeer> getPreviousPeers(RaftPeerRole role) {
        return role == RaftPeerRole.FOLLOWER ? peers(previous) : List.of();
      }

      @Override
      public long getLogEntryIndex() {
        return 0;
      }
    };
  }

  private static List<RaftPeer> peers(List<String> ids) {
    return ids.stream().map(id -> RaftPeer.newBuilder().setId(id).build()).toList();
  }
}

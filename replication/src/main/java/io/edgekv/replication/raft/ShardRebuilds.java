package io.edgekv.replication.raft;

import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.storage.ShardFailedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a failed shard's replica out of its Raft group on this node, and puts a fresh one back
 * ({@code edgekv admin rebuild-shard}).
 *
 * <p>A failed replica leaves the group locally (its directory stays, its membership does not
 * change): it can neither lead nor vote with a state machine that stopped applying, and the other
 * members keep the quorum. Rebuilding checks that the other members have a leader that can confirm
 * a quorum without this node, wipes the shard's RocksDB and Raft directory here and adds the
 * group again with an empty log; the leader then sends its latest snapshot (a RocksDB checkpoint,
 * see {@link KvStateMachine#reinitialize}) and the log after it. Reads on the shard are refused
 * until the new replica has applied what the group had committed.
 */
final class ShardRebuilds {
  private static final Logger LOG = LoggerFactory.getLogger(ShardRebuilds.class);
  private static final AtomicLong CALL_IDS = new AtomicLong();
  /** Longest single leadership-transfer try before the next member is asked. */
  private static final long TRANSFER_TRY_MILLIS = 5_000;

  private final RegionReplica replica;
  private final String nodeId;
  private final Path dataDir;
  private final Duration leaderWait;
  /** Shards being rebuilt here, with what to tell a caller meanwhile. */
  private final Map<Integer, String> rebuilding = new ConcurrentHashMap<>();
  /** The local removal of a failed shard's group, while it runs. */
  private final Map<Integer, CompletableFuture<Void>> leaving = new ConcurrentHashMap<>();
  /** The group's members when the shard failed here (its configuration is not readable once it left). */
  private final Map<Integer, List<RaftPeer>> membersAtFailure = new ConcurrentHashMap<>();
  private final Executor background;

  ShardRebuilds(RegionReplica replica, String nodeId, Path dataDir, Duration leaderWait) {
    this.replica = replica;
    this.nodeId = nodeId;
    this.dataDir = dataDir;
    this.leaderWait = leaderWait;
    this.background = task -> Thread.ofPlatform().daemon().name("shard-rebuild-" + nodeId).start(task);
  }

  /** Why reads of the shard are refused while it is being rebuilt; empty otherwise. */
  Optional<String> status(int shard) {
    return Optional.ofNullable(rebuilding.get(shard));
  }

  void throwIfRebuilding(int shard) {
    String status = rebuilding.get(shard);
    if (status != null) {
      throw new ShardFailedException(shard, status, false, "");
    }
  }

  /**
   * The shard failed on this node: leave its group here, off the failing thread (which may be
   * Ratis' apply thread, and removing a group waits for that thread to finish).
   */
  void leaveAfterFailure(int shard) {
    RaftServer server = replica.server();
    RaftGroupId groupId = replica.groupIdOf(shard);
    try {
      membersAtFailure.put(shard, List.copyOf(server.getDivision(groupId).getRaftConf().getCurrentPeers()));
    } catch (IOException e) {
      // Not running here: nothing to leave.
      return;
    }
    leaving.put(shard, CompletableFuture.runAsync(() -> {
      try {
        removeLocally(shard);
        LOG.warn("shard {}: left its Raft group on {} after the failure; the other members keep the quorum", shard,
            nodeId);
      } catch (IOException | RuntimeException e) {
        LOG.warn("shard {}: leaving the Raft group on {} failed: {}", shard, nodeId, e.toString());
      }
    }, background));
  }

  /**
   * Reinstalls the shard on this node from the group's leader; see the class comment.
   *
   * @return the index up to which the new replica has applied
   * @throws ShardRebuildRefusedException when no other member leads the shard with a quorum
   *     without this node (nothing is changed then)
   * @throws WriteUnavailableException when the new replica has not caught up within the timeout
   *     (it goes on catching up; reads stay refused until it has)
   */
  synchronized long rebuild(int shard, long timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    RaftServer server = replica.server();
    RaftGroupId groupId = replica.groupIdOf(shard);
    awaitLeft(shard, deadline);
    boolean running = isRunning(server, groupId);
    List<RaftPeer> members = running
        ? List.copyOf(server.getDivision(groupId).getRaftConf().getCurrentPeers())
        : membersAtFailure.getOrDefault(shard, replica.bootstrapPeers());
    List<RaftPeer> others = members.stream().filter(p -> !p.getId().toString().equals(nodeId)).toList();
    if (others.isEmpty()) {
      throw new ShardRebuildRefusedException("shard " + shard + " has no other member to copy it from; this node "
          + "holds its only copy");
    }
    // From here on the shard refuses calls on this node, so that none reaches a group that is gone.
    rebuilding.put(shard, "being rebuilt (reads resume once it has caught up)");
    boolean wiped = false;
    try (RaftClient admin = replica.newAdminClient(RaftGroup.valueOf(groupId, members))) {
      if (running) {
        if (replica.isLeader(shard)) {
          try {
            replica.membership().transferLeadership(shard, "", Duration.ofMillis(remainingMillis(deadline)))
                .get(remainingMillis(deadline) + 1000, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardRebuildRefusedException("interrupted while moving the leadership of shard " + shard);
          } catch (ExecutionException | TimeoutException
              | RuntimeException e) {
            throw new ShardRebuildRefusedException("this node leads shard " + shard
                + " and its leadership could not move to another member: " + e.getMessage());
          }
        }
        removeLocally(shard);
      }
      GroupInfoReply leader;
      try {
        leader = leaderWithQuorum(admin, groupId, others, deadline, shard);
        if (others.size() > 1) {
          leader = freshLeader(admin, leader, groupId, others, deadline, shard);
        }
      } catch (ShardRebuildRefusedException e) {
        if (running) {
          rejoin(shard, RaftGroup.valueOf(groupId, members), false);
          LOG.info("shard {}: rebuild refused, the replica on {} is back as it was", shard, nodeId);
        }
        throw e;
      }
      RaftPeerId leaderId = leader.getServerId();
      try {
        RaftClientReply snapshot = admin.getSnapshotManagementApi(leaderId).create(true, remainingMillis(deadline));
        LOG.info("shard {}: leader {} snapshot at index {} for the rebuild of {}", shard, leaderId,
            snapshot.getLogIndex(), nodeId);
      } catch (IOException e) {
        // Not fatal: the leader sends its latest snapshot, or its log when it was never purged.
        LOG.warn("shard {}: no fresh snapshot on leader {}: {}", shard, leaderId, e.toString());
      }
      rebuilding.put(shard, "being rebuilt from " + leaderId + " (reads resume once it has caught up)");
      wiped = true;
      try {
        replica.closeMachine(shard);
        CheckpointStorage.deleteTree(dataDir.resolve("raft").resolve(groupId.getUuid().toString()));
        CheckpointStorage.deleteTree(replica.engineDir(shard));
        rejoin(shard, leader.getGroup(), true);
      } catch (IOException | RuntimeException e) {
        rebuilding.put(shard, "rebuild failed: " + e.getMessage() + "; run rebuild-shard again");
        throw e;
      }
      LOG.info("shard {}: wiped on {} and rejoined; catching up from {}", shard, nodeId, leaderId);
    } catch (IOException | RuntimeException e) {
      if (!wiped) {
        rebuilding.remove(shard);
      }
      throw e;
    }
    membersAtFailure.remove(shard);
    CompletableFuture<Long> caughtUp = catchUp(shard);
    try {
      return caughtUp.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new WriteUnavailableException("shard " + shard + " rejoined but has not caught up within " + timeoutMillis
          + " ms; it goes on catching up (see admin status)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("shard " + shard + ": catching up failed: " + e.getCause(), e.getCause());
    }
  }

  /** A leader among {@code others} that confirms a quorum (a read index) without this node. */
  private GroupInfoReply leaderWithQuorum(RaftClient admin, RaftGroupId groupId, List<RaftPeer> others,
      long deadline, int shard) {
    long until = Math.min(deadline, System.nanoTime() + leaderWait.toNanos());
    List<String> seen = new ArrayList<>();
    while (true) {
      seen.clear();
      for (RaftPeer peer : others) {
        try {
          GroupInfoReply info = admin.getGroupManagementApi(peer.getId()).info(groupId);
          RaftPeerRole role = info.getRoleInfoProto().getRole();
          seen.add(peer.getId() + " " + role);
          if (role == RaftPeerRole.LEADER) {
            RaftClientReply read = admin.io().sendReadOnly(Message.EMPTY, peer.getId());
            if (read.isSuccess()) {
              return info;
            }
            seen.add(peer.getId() + " cannot confirm a quorum: " + read.getException());
          }
        } catch (IOException | RuntimeException e) {
          seen.add(peer.getId() + " unreachable");
        }
      }
      if (System.nanoTime() > until) {
        throw new ShardRebuildRefusedException("shard " + shard + " has no leader with a quorum among the other "
            + "members " + seen + "; rebuilding this node's copy now could lose data, so nothing was changed");
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  /**
   * Moves the leadership to another of the other members before the wiped replica rejoins. A
   * leader remembers how far each follower's log matched and never sends a follower entries below
   * that point again (Ratis), so the leader that knew this replica's old log would never refill the
   * empty one; a new leader starts without that memory. And the replica rejoins in a term in which
   * it cast no vote, so the vote it forgot with its Raft directory cannot be cast twice.
   */
  private GroupInfoReply freshLeader(RaftClient admin, GroupInfoReply leader, RaftGroupId groupId,
      List<RaftPeer> others, long deadline, int shard) {
    RaftPeerId current = leader.getServerId();
    List<String> tried = new ArrayList<>();
    // A member just restarted may not be caught up yet, and Ratis refuses to hand it the lead: go
    // round the other members again, for at most half the time left (the other half is the
    // rebuild's), each try bounded so that one cannot eat it.
    long moveBy = System.nanoTime() + (deadline - System.nanoTime()) / 2;
    do {
      tried.clear();
      for (RaftPeer peer : others) {
        if (peer.getId().equals(current)) {
          continue;
        }
        try {
          long budget = Math.min(remainingMillis(moveBy), TRANSFER_TRY_MILLIS);
          RaftClientReply moved = admin.admin().transferLeadership(peer.getId(), current, budget);
          if (moved.isSuccess()) {
            GroupInfoReply next = leaderWithQuorum(admin, groupId, others, deadline, shard);
            if (!next.getServerId().equals(current)) {
              LOG.info("shard {}: leadership moved from {} to {} for the rebuild of {}", shard, current,
                  next.getServerId(), nodeId);
              return next;
            }
          }
          tried.add(peer.getId() + ": " + moved.getException());
        } catch (IOException | RuntimeException e) {
          tried.add(peer.getId() + ": " + e.getMessage());
        }
      }
      LockSupport.parkNanos(Duration.ofMillis(Math.min(500, remainingMillis(moveBy))).toNanos());
    } while (System.nanoTime() < moveBy);
    throw new ShardRebuildRefusedException("shard " + shard + ": leadership could not move from " + current
        + " to another member " + tried + " (a leader that knew this node's old log would not refill it); "
        + "nothing was changed");
  }

  /** Completes once the shard has applied what its group had committed; reads are allowed again then. */
  private CompletableFuture<Long> catchUp(int shard) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    background.execute(() -> {
      while (!replica.isClosed()) {
        try {
          long applied = replica.readBarrier(shard).get();
          rebuilding.remove(shard);
          LOG.info("shard {}: rebuilt on {}, applied up to index {}", shard, nodeId, applied);
          done.complete(applied);
          return;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          done.completeExceptionally(e);
          return;
        } catch (ExecutionException | RuntimeException e) {
          LOG.debug("shard {}: not caught up yet: {}", shard, e.toString());
          LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
      }
      done.completeExceptionally(new IOException("the replica closed"));
    });
    return done;
  }

  private void rejoin(int shard, RaftGroup group, boolean format) throws IOException {
    replica.replaceMachine(shard);
    RaftServer server = replica.server();
    RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(),
        CALL_IDS.incrementAndGet(), group, format));
    if (!reply.isSuccess()) {
      throw new IOException("shard " + shard + ": cannot add the Raft group again: " + reply.getException(),
          reply.getException());
    }
  }

  private void removeLocally(int shard) throws IOException {
    RaftServer server = replica.server();
    RaftGroupId groupId = replica.groupIdOf(shard);
    if (!isRunning(server, groupId)) {
      return;
    }
    RaftClientReply reply = server.groupManagement(GroupManagementRequest.newRemove(ClientId.randomId(),
        server.getId(), CALL_IDS.incrementAndGet(), groupId, false, false));
    if (!reply.isSuccess() && isRunning(server, groupId)) {
      throw new IOException("shard " + shard + ": cannot leave the Raft group: " + reply.getException(),
          reply.getException());
    }
  }

  private void awaitLeft(int shard, long deadline) throws IOException {
    CompletableFuture<Void> left = leaving.get(shard);
    if (left == null) {
      return;
    }
    try {
      left.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("shard " + shard + " is still leaving its group after its failure: " + e, e);
    }
  }

  private static boolean isRunning(RaftServer server, RaftGroupId groupId) throws IOException {
    for (RaftGroupId id : server.getGroupIds()) {
      if (id.equals(groupId)) {
        return true;
      }
    }
    return false;
  }

  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }
}

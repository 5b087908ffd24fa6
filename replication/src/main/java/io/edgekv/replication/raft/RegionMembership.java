package io.edgekv.replication.raft;

import org.apache.ratis.conf.Parameters;
import io.edgekv.replication.raft.MembershipException.Reason;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.CompletionException;

/**
 * The Raft membership and leadership of this node's region: who the members of each shard group
 * are, adding and removing a node, moving leadership, and whether this node is still a member.
 *
 * <p>Every change is bounded by the caller's timeout: it runs on this class's own small executor
 * (never on a gRPC thread), through a Ratis client made for that one call whose retries end at
 * the deadline. An add whose new member never catches up is abandoned and leaves the
 * configuration as it was; see {@link #add}. One add or remove runs at a time per node (Raft
 * changes one configuration at a time anyway).
 *
 * <p>Thread-safe.
 */
public final class RegionMembership implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegionMembership.class);
  /** Fewest voters a region keeps unless forced: three survive the loss of one. */
  public static final int MIN_VOTERS = 3;
  /** Time kept back from a change's deadline to abandon it (leader step-down) or roll it back. */
  private static final long MAX_ABORT_RESERVE_MILLIS = 3_000;

  private final String selfId;
  private final String region;
  private final List<RaftGroup> bootstrapGroups;
  private final RaftServer server;
  private final ThreadPoolExecutor executor;
  private final Semaphore changing = new Semaphore(1);

  /** The Raft transport's TLS, the same as the replica's server. */
  private volatile Parameters raftParameters = RaftTls.parameters(null, null);

  void raftParameters(Parameters parameters) {
    this.raftParameters = parameters;
  }

  /**
   * @param bootstrapGroups the region's groups as configured, by shard (their ids; their peers
   *     are used only when this node knows no current configuration)
   * @param server this node's started Raft server
   */
  public RegionMembership(String selfId, String region, List<RaftGroup> bootstrapGroups, RaftServer server) {
    this.selfId = selfId;
    this.region = region;
    this.bootstrapGroups = List.copyOf(bootstrapGroups);
    this.server = server;
    AtomicInteger n = new AtomicInteger();
    int threads = Math.max(2, bootstrapGroups.size());
    this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
      Thread t = new Thread(r, "membership-" + selfId + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
  }

  private int shards() {
    return bootstrapGroups.size();
  }

  /** The current voters of a shard group as this node knows them, by id. */
  public List<Peer> members(int shard) {
    return conf(shard).getCurrentPeers().stream().map(RegionMembership::toPeer)
        .sorted(Comparator.comparing(Peer::id)).toList();
  }

  /**
   * Whether {@code id} is a peer of one of the region's shard groups as this node knows it: in a
   * group's configuration (current, or previous during a change), or, where this node leads, a
   * node it replicates to, which includes a node that an {@link #add} is letting catch up before
   * it enters the configuration (the node-certificate check of mutual TLS asks this, so
   * {@code admin add-node} works under TLS).
   */
  public boolean knows(String id) {
    for (int shard = 0; shard < shards(); shard++) {
      try {
        RaftServer.Division division = server.getDivision(bootstrapGroups.get(shard).getGroupId());
        if (division.getRaftConf().getAllPeers().stream().anyMatch(p -> p.getId().toString().equals(id))) {
          return true;
        }
        RoleInfoProto role = division.getInfo().getRoleInfoProto();
        if (role.hasLeaderInfo() && role.getLeaderInfo().getFollowerInfoList().stream()
            .anyMatch(f -> f.getId().getId().toStringUtf8().equals(id))) {
          return true;
        }
      } catch (IOException e) {
        // The group is not open here: it knows nobody.
      }
    }
    return false;
  }

  private RaftConfiguration conf(int shard) {
    try {
      return server.getDivision(bootstrapGroups.get(shard).getGroupId()).getRaftConf();
    } catch (IOException e) {
      throw new MembershipException(Reason.UNAVAILABLE, "shard", "shard " + shard + " is not open on node " + selfId,
          e);
    }
  }

  private String leader(int shard) {
    try {
      RaftPeerId leader = server.getDivision(bootstrapGroups.get(shard).getGroupId()).getInfo().getLeaderId();
      return leader == null ? "" : leader.toString();
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The shards whose current configuration no longer lists this node: it was removed from the
   * region. A node started to join, whose configuration is still empty, is not removed.
   */
  public List<Integer> removedFrom() {
    List<Integer> out = new ArrayList<>();
    for (int shard = 0; shard < shards(); shard++) {
      try {
        var peers = server.getDivision(bootstrapGroups.get(shard).getGroupId()).getRaftConf().getCurrentPeers();
        if (!peers.isEmpty() && peers.stream().noneMatch(p -> p.getId().toString().equals(selfId))) {
          out.add(shard);
        }
      } catch (IOException e) {
        // not open: another readiness reason reports it
      }
    }
    return out;
  }

  /** Fails with {@link Reason#REMOVED} when this node is no longer a member of its region. */
  public void checkMember() {
    List<Integer> removed = removedFrom();
    if (!removed.isEmpty()) {
      throw new MembershipException(Reason.REMOVED, "", "node " + selfId + " was removed from region " + region
          + " (shard" + (removed.size() == 1 ? " " : "s ") + join(removed) + "); it serves no data");
    }
  }

  /**
   * Adds {@code peer} as a voter of every shard group (a member of some already is skipped). The
   * new node must run, started to join. Each group's leader first lets the new member catch up
   * and only then changes the configuration, so a member that never answers changes nothing:
   * the leader gives up after its staging timeout (3 × the election timeout), and if the
   * deadline comes first the change is abandoned by making the leader step down. Groups that
   * did take the new member are rolled back when a later one fails.
   *
   * @return completes when every group has the new member; fails with a {@link
   *     MembershipException}: {@code CONFLICT} when the id is a member at another address or the
   *     address belongs to another member, {@code UNAVAILABLE} when it could not be done in time
   */
  public CompletableFuture<Void> add(Peer peer, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Integer> plan = new ArrayList<>();
    for (int shard = 0; shard < shards(); shard++) {
      boolean member = false;
      for (Peer current : members(shard)) {
        if (current.id().equals(peer.id()) && !current.address().equals(peer.address())) {
          throw new MembershipException(Reason.CONFLICT, "node", peer.id() + " is already a member at "
              + current.address() + ", not " + peer.address() + "; remove it first to change its address");
        }
        if (!current.id().equals(peer.id()) && current.address().equals(peer.address())) {
          throw new MembershipException(Reason.CONFLICT, "node", "address " + peer.address()
              + " is already used by member " + current.id());
        }
        member |= current.id().equals(peer.id());
      }
      if (!member) {
        plan.add(shard);
      }
    }
    if (plan.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return exclusive(() -> addAll(peer, plan, deadline));
  }

  private void addAll(Peer peer, List<Integer> plan, long deadline) {
    List<Integer> added = new ArrayList<>();
    for (int shard : plan) {
      long reserve = Math.min(MAX_ABORT_RESERVE_MILLIS, remainingMillis(deadline) / 5);
      List<RaftPeer> current = conf(shard).getCurrentPeers().stream().toList();
      List<RaftPeer> next = new ArrayList<>(current);
      next.add(toRaftPeer(peer));
      try {
        setConfiguration(shard, current, next, deadline - TimeUnit.MILLISECONDS.toNanos(reserve));
        added.add(shard);
      } catch (IOException e) {
        String why = describe(e);
        boolean mayBeStaging = !(rootCause(e) instanceof ReconfigurationTimeoutException
            || rootCause(e) instanceof SetConfigurationException);
        if (mayBeStaging) {
          abandon(shard, deadline);
        }
        if (members(shard).stream().anyMatch(p -> p.id().equals(peer.id()))) {
          added.add(shard); // committed after all, just before the deadline
          continue;
        }
        String rollback = rollBack(peer, added, deadline);
        throw new MembershipException(Reason.UNAVAILABLE, "node", "adding " + peer.id() + " (" + peer.address()
            + ") to shard " + shard + " failed: " + why + "; the change was abandoned" + rollback
            + " (is the node running, started to join, and reachable from the leader? a slow catch-up needs a"
            + " longer --timeout)", e);
      }
    }
    LOG.info("node {} added to shards {} of region {}", peer.id(), join(added), region);
  }

  /** Makes the shard's leader step down, which drops a configuration change it is still staging. */
  private void abandon(int shard, long deadline) {
    String leader = leader(shard);
    if (leader.isEmpty()) {
      return;
    }
    long budget = Math.max(500, remainingMillis(deadline));
    try (RaftClient client = client(shard, budget, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget))) {
      client.admin().transferLeadership(null, RaftPeerId.valueOf(leader), budget);
      LOG.info("shard {}: leader {} stepped down to abandon an unfinished configuration change", shard, leader);
    } catch (IOException | RuntimeException e) {
      LOG.warn("shard {}: could not make leader {} step down to abandon a configuration change: {}", shard, leader,
          describe(e));
    }
  }

  private String rollBack(Peer peer, List<Integer> added, long deadline) {
    if (added.isEmpty()) {
      return "; the members are unchanged";
    }
    List<Integer> failed = new ArrayList<>();
    for (int shard : added) {
      List<RaftPeer> current = conf(shard).getCurrentPeers().stream().toList();
      List<RaftPeer> next = current.stream().filter(p -> !p.getId().toString().equals(peer.id())).toList();
      try {
        setConfiguration(shard, current, next, Math.max(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
      } catch (IOException | RuntimeException e) {
        failed.add(shard);
      }
    }
    return failed.isEmpty() ? "; shards " + join(added) + " that had taken it were rolled back"
        : "; it is still a member of shards " + join(failed) + " (remove it with remove-node)";
  }

  /**
   * Removes node {@code id} from every shard group that has it. Refuses to leave a group with
   * fewer than {@link #MIN_VOTERS} voters unless {@code force}, and never removes the last one.
   *
   * @return completes when no group has the node; fails with a {@link MembershipException}:
   *     {@code UNKNOWN_MEMBER} when no group has it, {@code REFUSED} below the minimum, {@code
   *     UNAVAILABLE} when it could not be done in time
   */
  public CompletableFuture<Void> remove(String id, boolean force, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Integer> plan = new ArrayList<>();
    for (int shard = 0; shard < shards(); shard++) {
      List<Peer> current = members(shard);
      if (current.stream().noneMatch(p -> p.id().equals(id))) {
        continue;
      }
      int left = current.size() - 1;
      if (left == 0) {
        throw new MembershipException(Reason.REFUSED, "id", "cannot remove " + id
            + ": it is the last member of shard " + shard);
      }
      if (left < MIN_VOTERS && !force) {
        throw new MembershipException(Reason.REFUSED, "id", "removing " + id + " would leave shard " + shard
            + " with " + left + " voter" + (left == 1 ? "" : "s") + " (" + join(current.stream().map(Peer::id)
            .filter(m -> !m.equals(id)).toList()) + "); a region needs " + MIN_VOTERS
            + " to survive the loss of one; use --force to remove it anyway");
      }
      plan.add(shard);
    }
    if (plan.isEmpty()) {
      throw new MembershipException(Reason.UNKNOWN_MEMBER, "id", id + " is not a member of region " + region
          + " (members: " + join(members(0).stream().map(Peer::id).toList()) + ")");
    }
    return exclusive(() -> {
      List<Integer> done = new ArrayList<>();
      for (int shard : plan) {
        List<RaftPeer> current = conf(shard).getCurrentPeers().stream().toList();
        List<RaftPeer> next = current.stream().filter(p -> !p.getId().toString().equals(id)).toList();
        try {
          setConfiguration(shard, current, next, deadline);
          done.add(shard);
        } catch (IOException e) {
          throw new MembershipException(Reason.UNAVAILABLE, "id", "removing " + id + " from shard " + shard
              + " failed: " + describe(e) + (done.isEmpty() ? "" : "; it was removed from shards " + join(done)
              + " already; run remove-node again to finish"), e);
        }
      }
      LOG.info("node {} removed from shards {} of region {}", id, join(done), region);
    });
  }

  /**
   * Moves the leadership of a shard to {@code target}, or, when {@code target} is empty, away
   * from this node to another member (nothing to do if this node does not lead the shard).
   *
   * @return fails with a {@link MembershipException}: {@code UNKNOWN_MEMBER} for a target that
   *     is not a member, {@code REFUSED} when no other member can lead, {@code UNAVAILABLE} when
   *     leadership did not move in time
   */
  public CompletableFuture<Void> transferLeadership(int shard, String target, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> memberIds = members(shard).stream().map(Peer::id).toList();
    String leader = leader(shard);
    List<String> candidates;
    if (target.isEmpty()) {
      if (!leader.equals(selfId)) {
        return CompletableFuture.completedFuture(null);
      }
      candidates = memberIds.stream().filter(id -> !id.equals(selfId)).toList();
      if (candidates.isEmpty()) {
        return CompletableFuture.failedFuture(new MembershipException(Reason.REFUSED, "shard", "leadership of shard "
            + shard + " cannot leave " + selfId + ": it is the only member of the group"));
      }
    } else {
      if (!memberIds.contains(target)) {
        throw new MembershipException(Reason.UNKNOWN_MEMBER, "target", target + " is not a member of shard " + shard
            + " (members: " + join(memberIds) + ")");
      }
      if (target.equals(leader)) {
        return CompletableFuture.completedFuture(null);
      }
      candidates = List.of(target);
    }
    return submit(() -> {
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < candidates.size(); i++) {
        // Leave a fair share of the time to the candidates after this one.
        long budget = Math.max(1, remainingMillis(deadline) / (candidates.size() - i));
        String to = candidates.get(i);
        try (RaftClient client = client(shard, budget, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget))) {
          RaftClientReply reply = client.admin().transferLeadership(RaftPeerId.valueOf(to),
              leader.isEmpty() ? null : RaftPeerId.valueOf(leader), Math.max(1, budget - budget / 5));
          if (reply.isSuccess()) {
            return;
          }
          failures.add(to + ": " + describe(reply.getException()));
        } catch (IOException e) {
          failures.add(to + ": " + describe(e));
        }
      }
      throw new MembershipException(Reason.UNAVAILABLE, "shard", "leadership of shard " + shard + " did not move"
          + (leader.isEmpty() ? "" : " from " + leader) + " within " + timeout.toMillis() + " ms: "
          + String.join("; ", failures));
    });
  }

  /**
   * Moves the leadership of every shard this node leads to other members (a drain).
   *
   * @return fails with a {@link MembershipException} naming each shard whose leadership did not
   *     move and why: {@code REFUSED} when no other member could lead any of them, else {@code
   *     UNAVAILABLE}
   */
  public CompletableFuture<Void> handOffLeadership(Duration timeout) {
    List<CompletableFuture<Void>> moves = new ArrayList<>();
    for (int shard = 0; shard < shards(); shard++) {
      CompletableFuture<Void> move;
      try {
        move = transferLeadership(shard, "", timeout);
      } catch (RuntimeException e) {
        move = CompletableFuture.failedFuture(e);
      }
      moves.add(move);
    }
    return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new)).handle((ignored, unused) -> {
      List<String> failures = new ArrayList<>();
      boolean allRefused = true;
      for (CompletableFuture<Void> move : moves) {
        Throwable error = move.handle((v, e) -> e).join();
        if (error != null) {
          Throwable cause = error instanceof CompletionException && error.getCause() != null
              ? error.getCause() : error;
          allRefused &= cause instanceof MembershipException m && m.reason() == Reason.REFUSED;
          failures.add(cause.getMessage());
        }
      }
      if (!failures.isEmpty()) {
        throw new MembershipException(allRefused ? Reason.REFUSED : Reason.UNAVAILABLE, "shard", "node " + selfId
            + " is draining, but its leadership could not move: " + String.join("; ", failures));
      }
      return null;
    });
  }

  private void setConfiguration(int shard, List<RaftPeer> current, List<RaftPeer> next, long deadline)
      throws IOException {
    long budget = remainingMillis(deadline);
    if (budget <= 0) {
      throw new IOException("no time left of the timeout");
    }
    try (RaftClient client = client(shard, budget, deadline)) {
      // Compare-and-set: a change computed from a stale view of the members is refused.
      RaftClientReply reply = client.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
          .setServersInCurrentConf(current).setServersInNewConf(next)
          .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build());
      if (!reply.isSuccess()) {
        throw reply.getException();
      }
    }
  }

  /** A client for one call on one shard: attempts of {@code attemptMillis} at most, none after {@code deadline}. */
  private RaftClient client(int shard, long attemptMillis, long deadline) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(p,
        TimeDuration.valueOf(Math.max(1, attemptMillis), TimeUnit.MILLISECONDS));
    RaftGroup bootstrap = bootstrapGroups.get(shard);
    List<RaftPeer> peers;
    try {
      peers = List.copyOf(conf(shard).getCurrentPeers());
    } catch (MembershipException e) {
      peers = List.of();
    }
    String leader = leader(shard);
    return RaftClient.newBuilder()
        .setProperties(p)
        .setParameters(raftParameters)
        .setRaftGroup(peers.isEmpty() ? bootstrap : RaftGroup.valueOf(bootstrap.getGroupId(), peers))
        .setLeaderId(leader.isEmpty() ? null : RaftPeerId.valueOf(leader))
        .setRetryPolicy(DeadlineRetry.until(deadline))
        .build();
  }

  private interface Operation {
    void run() throws IOException;
  }

  /** Runs an add or remove: one at a time, refused at once while another is in progress. */
  private CompletableFuture<Void> exclusive(Operation operation) {
    if (!changing.tryAcquire()) {
      return CompletableFuture.failedFuture(new MembershipException(Reason.REFUSED, "",
          "another membership change is in progress on node " + selfId + "; retry when it has finished"));
    }
    CompletableFuture<Void> out = submit(operation);
    out.whenComplete((ignored, error) -> changing.release());
    return out;
  }

  private CompletableFuture<Void> submit(Operation operation) {
    CompletableFuture<Void> out = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          operation.run();
          out.complete(null);
        } catch (IOException e) {
          out.completeExceptionally(new MembershipException(Reason.UNAVAILABLE, "", describe(e), e));
        } catch (RuntimeException e) {
          out.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new MembershipException(Reason.UNAVAILABLE, "",
          "too many admin operations in progress on node " + selfId, e));
    }
    return out;
  }

  private static long remainingMillis(long deadline) {
    return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** The innermost message, which is the one that says what happened (Ratis wraps it in retry reports). */
  private static String describe(Throwable e) {
    Throwable root = rootCause(e);
    String message = Optional.ofNullable(root.getMessage()).orElse(root.getClass().getSimpleName());
    return root instanceof ReconfigurationTimeoutException
        ? "the new member made no progress catching up within the leader's staging timeout" : message;
  }

  private static String join(List<?> items) {
    return String.join(", ", items.stream().map(String::valueOf).toList());
  }

  static Peer toPeer(RaftPeer peer) {
    String address = peer.getAddress();
    int colon = address.lastIndexOf(':');
    return new Peer(peer.getId().toString(), address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1)));
  }

  private static RaftPeer toRaftPeer(Peer peer) {
    return RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.address()).build();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.AddNodeRequest;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.CompactRequest;
import io.edgekv.api.v1.RotateDataKeyRequest;
import io.edgekv.api.v1.RotateDataKeyResponse;
import io.edgekv.api.v1.CompactResponse;
import io.edgekv.api.v1.ConfigRequest;
import io.edgekv.api.v1.ConfigResponse;
import io.edgekv.api.v1.DrainRequest;
import io.edgekv.api.v1.DrainResponse;
import io.edgekv.api.v1.MemberSpec;
import io.edgekv.api.v1.MembersRequest;
import io.edgekv.api.v1.MembershipResponse;
import io.edgekv.api.v1.RemoveNodeRequest;
import io.edgekv.api.v1.SnapshotRequest;
import io.edgekv.api.v1.SnapshotResponse;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.StatusResponse;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.api.v1.TraceResponse;
import io.edgekv.api.v1.TransferLeaderRequest;
import io.edgekv.api.v1.TransferLeaderResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import io.edgekv.api.v1.LagRequest;
import io.edgekv.api.v1.LagResponse;
import io.edgekv.api.v1.RebuildShardRequest;
import io.edgekv.api.v1.RebuildShardResponse;
import io.edgekv.api.v1.RepairRegionsRequest;
import io.edgekv.api.v1.RepairRegionsResponse;
import java.util.concurrent.TimeUnit;

/**
 * The admin API ({@code edgekv.v1.AdminService}) of one node of the cluster, the <em>asked
 * node</em>, reached through an {@link EdgeKvClient}'s channel to it. Get one from {@link
 * EdgeKvClient#admin()} (the client's first endpoint) or {@link EdgeKvClient#admin(String)}.
 *
 * <h2>Which node answers</h2>
 *
 * Most admin calls act on the node asked (drain it, snapshot it, change the Raft membership of
 * its region), so answering them from another node would act on the wrong one. These calls go to
 * the asked node only, in one attempt, without retries or failover: {@link #status(boolean)
 * status(true)}, {@link #members()}, {@link #transferLeader}, {@link #addNode}, {@link
 * #removeNode}, {@link #snapshot()}, {@link #compact()}, {@link #rebuildShard}, {@link #drain()}, {@link #undrain()}
 * and {@link #config()}. The two read-only fleet-wide calls, {@link #status(boolean)
 * status(false)} and {@link #trace}, start at the asked node and fail over to the client's other
 * endpoints (in list order) as its {@link RetryPolicy} allows, because any node can see the
 * whole fleet.
 *
 * <h2>Results and errors</h2>
 *
 * Results are the admin API's own protobuf messages (see {@code admin.proto}); they are
 * immutable. Every call blocks for at most the client's deadline and throws an {@link
 * EdgeKvException} when it fails: {@code INVALID_ARGUMENT} naming the field for a request the
 * node refuses (an unknown shard or target node, an incomplete node spec), {@code UNAVAILABLE}
 * when the node cannot be reached or cannot do it now.
 *
 * <p>Instances are thread-safe and cheap; they share the client's channels and are unusable
 * once the client is closed.
 */
public final class AdminClient {

  /** The {@code shard} argument of {@link #transferLeader} that names every shard. */
  public static final int ALL_SHARDS = -1;

  private final EdgeKvClient client;
  private final FailoverCaller caller;
  private final int index;
  private final Endpoint endpoint;

  AdminClient(EdgeKvClient client, FailoverCaller caller, int index, Endpoint endpoint) {
    this.client = client;
    this.caller = caller;
    this.index = index;
    this.endpoint = endpoint;
  }

  /** The asked node's address, {@code host:port}. */
  public String endpoint() {
    return endpoint.toString();
  }

  /**
   * The fleet as the asked node sees it, every node with its readiness and Raft groups; or,
   * when {@code local} is true, the asked node alone. The fleet view fails over to other
   * endpoints when the asked node is unreachable; the local view does not.
   *
   * @throws EdgeKvException if the call fails
   */
  public StatusResponse status(boolean local) {
    return EdgeKvClient.await(statusAsync(local));
  }

  /** Asynchronous {@link #status(boolean)}. */
  public CompletableFuture<StatusResponse> statusAsync(boolean local) {
    StatusRequest request = StatusRequest.newBuilder().setLocal(local).build();
    FailoverCaller.Attempt<StatusResponse> attempt =
        (ch, d, obs) -> AdminServiceGrpc.newStub(ch).withDeadline(d).status(request, obs);
    return local ? caller.callOnly("admin.status", index, attempt) : caller.callFrom("admin.status", index, attempt);
  }

  /**
   * The Raft members and leader of each shard group of the asked node's region.
   *
   * @throws EdgeKvException if the call fails
   */
  public MembershipResponse members() {
    return only("admin.members", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).members(MembersRequest.getDefaultInstance(), obs));
  }

  /**
   * Moves the leadership of one shard group of the asked node's region (or of all of them, with
   * {@link #ALL_SHARDS}) to node {@code target}, or away from the asked node to any other member
   * when {@code target} is null or empty. The node is given the client's deadline less a margin
   * (a fifth of it) to finish, so that it reports its own error rather than the client timing
   * out; give the client a longer deadline for slow regions.
   *
   * @return the asked node's Raft groups after the transfer
   * @throws IllegalArgumentException if {@code shard < -1}
   * @throws EdgeKvException if the call fails, e.g. {@code INVALID_ARGUMENT} for a shard that does
   *     not exist or a target that is not a member
   */
  public TransferLeaderResponse transferLeader(int shard, String target) {
    if (shard < ALL_SHARDS) {
      throw new IllegalArgumentException("shard must be -1 (all) or a shard number, got " + shard);
    }
    TransferLeaderRequest request = TransferLeaderRequest.newBuilder()
        .setShard(shard)
        .setTarget(target == null ? "" : target)
        .setTimeoutMs(serverTimeoutMillis())
        .build();
    return only("admin.transferLeader", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).transferLeader(request, obs));
  }

  /**
   * Adds a node to every shard group of the asked node's region (a Raft configuration change).
   * The new node must already run, started to join rather than to bootstrap. The asked node gets
   * the client's deadline less a fifth to finish, the new member's catch-up included; if it
   * cannot, it leaves the configuration as it was and fails {@code UNAVAILABLE}. Adding a member
   * again with the same address changes nothing.
   *
   * @param id the new node's id
   * @param host the host its Raft port listens on
   * @param raftPort its Raft port, 1..65535
   * @return the members of each shard group afterwards
   * @throws NullPointerException if {@code id} or {@code host} is null
   * @throws IllegalArgumentException if {@code id} or {@code host} is empty or the port is out
   *     of range
   * @throws EdgeKvException if the call fails, e.g. {@code INVALID_ARGUMENT} when {@code id} is a
   *     member at another address or the address belongs to another member, {@code UNAVAILABLE}
   *     when the new member did not catch up in time
   */
  public MembershipResponse addNode(String id, String host, int raftPort) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(host, "host");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("id must not be empty");
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (raftPort < 1 || raftPort > 65535) {
      throw new IllegalArgumentException("raftPort must be between 1 and 65535, got " + raftPort);
    }
    AddNodeRequest request = AddNodeRequest.newBuilder()
        .setNode(MemberSpec.newBuilder().setId(id).setHost(host).setRaftPort(raftPort))
        .setTimeoutMs(serverTimeoutMillis())
        .build();
    return only("admin.addNode", (ch, d, obs) -> AdminServiceGrpc.newStub(ch).withDeadline(d).addNode(request, obs));
  }

  /**
   * Removes node {@code id} from every shard group of the asked node's region, refusing to leave
   * fewer than three voters; see {@link #removeNode(String, boolean)}.
   */
  public MembershipResponse removeNode(String id) {
    return removeNode(id, false);
  }

  /**
   * Removes node {@code id} from every shard group of the asked node's region. Without {@code
   * force} the node refuses to leave a group with fewer than three voters (a region of three
   * survives the loss of one); it never removes the last one. The asked node gets the client's
   * deadline less a fifth.
   *
   * @return the members of each shard group afterwards
   * @throws NullPointerException if {@code id} is null
   * @throws IllegalArgumentException if {@code id} is empty
   * @throws EdgeKvException if the call fails: {@code INVALID_ARGUMENT} for a node that is not a
   *     member, {@code FAILED_PRECONDITION} when it would leave too few voters, {@code
   *     UNAVAILABLE} when it could not be done in time
   */
  public MembershipResponse removeNode(String id, boolean force) {
    Objects.requireNonNull(id, "id");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("id must not be empty");
    }
    RemoveNodeRequest request = RemoveNodeRequest.newBuilder().setId(id).setForce(force)
        .setTimeoutMs(serverTimeoutMillis()).build();
    return only("admin.removeNode", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).removeNode(request, obs));
  }

  /**
   * Takes a snapshot (RocksDB checkpoint) of each shard on the asked node, so its Raft log can
   * be purged.
   *
   * @return the snapshot index of each shard, in shard order
   * @throws EdgeKvException if the call fails
   */
  public SnapshotResponse snapshot() {
    return only("admin.snapshot", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).snapshot(SnapshotRequest.getDefaultInstance(), obs));
  }

  /**
   * Cross-region replication lag from the asked node's region to every other region, per shard,
   * as measured by the shard leaders on the asked node (empty for shards it does not lead).
   *
   * @throws EdgeKvException if the call fails
   */
  public LagResponse lag() {
    return only("admin.lag", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).lag(LagRequest.getDefaultInstance(), obs));
  }

  /**
   * Runs anti-entropy from the asked node to every other region (or only {@code region} when
   * not empty): bucket digests are compared and the differing key ranges sent, merged there by
   * last-writer-wins.
   *
   * @return per region and shard, how many key ranges differed (0 = already in sync)
   * @throws EdgeKvException if the call fails
   */
  public RepairRegionsResponse repair(String region) {
    var request = RepairRegionsRequest.newBuilder().setRegion(region).build();
    return only("admin.repair", (ch, d, obs) -> AdminServiceGrpc.newStub(ch).withDeadline(d).repair(request, obs));
  }

  /**
   * Reinstalls one shard on the asked node from a healthy peer: the node's copy (RocksDB and Raft
   * log) is wiped and the shard's leader sends its snapshot; the call returns once the new copy
   * has caught up. Meant for a shard that failed on that node (readiness reason {@code
   * shard_failed}). Unlike other calls it is bounded by {@code wait} (plus a margin for the reply),
   * not by the client's deadline, because copying a shard can take minutes.
   *
   * @param wait how long the node may take, catch-up included
   * @return the index the rebuilt copy had applied, and the node's status afterwards
   * @throws IllegalArgumentException if {@code shard} is negative or {@code wait} is not positive
   * @throws EdgeKvException if the call fails: {@code FAILED_PRECONDITION} when no other member
   *     leads the shard with a quorum without the asked node (nothing changed), {@code
   *     UNAVAILABLE} when the copy has not caught up within {@code wait} (it goes on catching up)
   */
  public RebuildShardResponse rebuildShard(int shard, Duration wait) {
    if (shard < 0) {
      throw new IllegalArgumentException("shard must not be negative, got " + shard);
    }
    if (wait.isZero() || wait.isNegative()) {
      throw new IllegalArgumentException("wait must be positive, got " + wait);
    }
    var request = RebuildShardRequest.newBuilder().setShard(shard).setTimeoutMs(wait.toMillis())
        .build();
    long replyMargin = 5_000;
    return only("admin.rebuildShard", (ch, d, obs) -> AdminServiceGrpc.newStub(ch)
        .withDeadlineAfter(wait.toMillis() + replyMargin, TimeUnit.MILLISECONDS)
        .rebuildShard(request, obs));
  }

  /**
   * Encryption at rest: a new data key for {@code namespace} on every shard of the asked node's
   * region; new writes are sealed with it, older records stay readable.
   *
   * @return the shards that rotated
   * @throws EdgeKvException FAILED_PRECONDITION when the node does not encrypt at rest
   */
  public RotateDataKeyResponse rotateDataKey(String namespace) {
    return only("admin.rotate_data_key", (ch, d, obs) -> AdminServiceGrpc.newStub(ch).withDeadline(d)
        .rotateDataKey(RotateDataKeyRequest.newBuilder().setNamespace(namespace).build(), obs));
  }

  /**
   * Compacts the asked node's RocksDB.
   *
   * @return the approximate size before and after
   * @throws EdgeKvException if the call fails
   */
  public CompactResponse compact() {
    return only("admin.compact", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).compact(CompactRequest.getDefaultInstance(), obs));
  }

  /**
   * Drains the asked node: it fails readiness, hands off Raft leadership, sends GOAWAY on open
   * client connections and marks its responses {@code edgekv-draining: true}, so clients move
   * away; it keeps answering whoever still calls it. Idempotent. The node gets the client's
   * deadline less a fifth to hand off its leadership.
   *
   * @return the node's status afterwards
   * @throws EdgeKvException if the call fails, or if leadership could not move (the node is
   *     drained all the same; calling again retries the hand-off): {@code FAILED_PRECONDITION}
   *     when no other member can lead (a single-member group), {@code UNAVAILABLE} otherwise,
   *     naming the shards and why
   */
  public DrainResponse drain() {
    return drain(true);
  }

  /**
   * Reverses {@link #drain()}: the node becomes ready again and stops marking its responses.
   * Idempotent.
   *
   * @return the node's status afterwards
   * @throws EdgeKvException if the call fails
   */
  public DrainResponse undrain() {
    return drain(false);
  }

  private DrainResponse drain(boolean drain) {
    DrainRequest request = DrainRequest.newBuilder().setDrain(drain).setTimeoutMs(serverTimeoutMillis()).build();
    return only(drain ? "admin.drain" : "admin.undrain", (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).drain(request, obs));
  }

  /**
   * The asked node's effective configuration, as YAML.
   *
   * @throws EdgeKvException if the call fails
   */
  public String config() {
    ConfigResponse response = only("admin.config", (ch, d, obs) -> AdminServiceGrpc.newStub(ch).withDeadline(d)
        .config(ConfigRequest.getDefaultInstance(), obs));
    return response.getYaml();
  }

  /**
   * Where {@code key} (UTF-8, in the client's namespace) stands on every node of the fleet.
   *
   * @see #trace(byte[])
   */
  public TraceResponse trace(String key) {
    return trace(Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Where {@code key} (in the client's namespace) stands on every node of the fleet: its
   * version, digest, expiry, tombstone and the applied index it was read at; a node that could
   * not be reached is listed with its error. Fails over like {@link #status(boolean)
   * status(false)}.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws EdgeKvException if the call fails
   */
  public TraceResponse trace(byte[] key) {
    TraceRequest request = TraceRequest.newBuilder()
        .setNamespace(client.namespace())
        .setKey(ByteString.copyFrom(Objects.requireNonNull(key, "key")))
        .build();
    return EdgeKvClient.await(caller.callFrom("admin.trace", index, (ch, d, obs) ->
        AdminServiceGrpc.newStub(ch).withDeadline(d).trace(request, obs)));
  }

  /** The client's deadline less a fifth: the node reports its own error before the client times out. */
  private long serverTimeoutMillis() {
    Duration deadline = client.deadline();
    return Math.max(1, deadline.minus(deadline.dividedBy(5)).toMillis());
  }

  private <R> R only(String op, FailoverCaller.Attempt<R> attempt) {
    return EdgeKvClient.await(caller.callOnly(op, index, attempt));
  }

  @Override
  public String toString() {
    return "AdminClient{endpoint=" + endpoint + "}";
  }
}

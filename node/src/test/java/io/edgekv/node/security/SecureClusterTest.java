package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.Consistency;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PurgeRequest;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ReadOptions;
import io.edgekv.api.v1.WatchRequest;
import io.edgekv.api.v1.InvalidationServiceGrpc;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import io.edgekv.replication.raft.RegionReplica;
import io.edgekv.replication.storage.DataKeyring;
import io.edgekv.replication.storage.ReEncryption;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secure region (TLS, mutual TLS between nodes, tokens, encryption at rest) over real loopback
 * sockets: what a token may do, what a certificate may reach, and what rests on disk.
 */
class SecureClusterTest {
  private static MiniKvCluster cluster;
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @TempDir
  static Path tmp;

  @BeforeAll
  static void start() throws IOException {
    cluster = MiniKvCluster.builder().secure().start();
    cluster.awaitLeaders(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String token(List<String> namespaces, Set<Right> rights, Duration ttl, Instant from) throws IOException {
    return SigningKey.read(cluster.security().signingKey()).sign("test", namespaces, rights, ttl, from);
  }

  private static ClientCredentials withToken(String token) {
    return ClientCredentials.tls(cluster.security().caCert()).withToken(token);
  }

  private static ManagedChannel channel(String address, ChannelCredentials credentials) {
    String[] hostPort = address.split(":");
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(hostPort[0], Integer.parseInt(hostPort[1]), credentials)
        .build();
    channels.add(channel);
    return channel;
  }

  /**
   * A KvService stub to node 0's public port over TLS carrying {@code token}; its channel
   * ({@code getChannel()}) carries the token for other services too.
   */
  private static KvServiceGrpc.KvServiceBlockingStub kvAs(String token, long deadlineSeconds) {
    ManagedChannel channel = channel(cluster.publicAddress(0), withToken(token).channelCredentials());
    return KvServiceGrpc.newBlockingStub(channel).withInterceptors(withToken(token).tokenInterceptor())
        .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS);
  }

  private static String rootToken() throws IOException {
    return token(List.of("*"), EnumSet.allOf(Right.class), Duration.ofHours(1), Instant.now());
  }

  private static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (EdgeKvException e) {
      return e.code();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aTokenForOneNamespaceCannotReadWriteWatchOrPurgeAnother() throws IOException {
    EdgeKvClient root = cluster.client();
    root.put("k", "v");
    String tokenForA = token(List.of("a"), EnumSet.allOf(Right.class), Duration.ofHours(1), Instant.now());
    var kv = kvAs(tokenForA, 10);
    var invalidation = InvalidationServiceGrpc.newBlockingStub(kv.getChannel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    ByteString key = ByteString.copyFromUtf8("k");
    assertEquals(Status.Code.PERMISSION_DENIED,
        codeOf(() -> kv.get(GetRequest.newBuilder().setNamespace("b").setKey(key).build())), "read B");
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> kv.put(PutRequest.newBuilder().setNamespace("b")
        .setKey(key).setValue(ByteString.copyFromUtf8("x")).build())), "write B");
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> invalidation.watch(
        WatchRequest.newBuilder().setNamespace("b").build()).hasNext()), "watch B");
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> invalidation.purge(
        PurgeRequest.newBuilder().setNamespace("b").setKey(key).build())), "purge B");
    // ... and may do all of it in A.
    assertEquals(Status.Code.OK, codeOf(() -> kv.put(PutRequest.newBuilder().setNamespace("a")
        .setKey(key).setValue(ByteString.copyFromUtf8("x")).build())), "write A");
    assertEquals(Status.Code.OK,
        codeOf(() -> kv.get(GetRequest.newBuilder().setNamespace("a").setKey(key).build())), "read A");
  }

  @Test
  void noExpiredOrAlteredTokenIsUnauthenticatedAndReadOnlyIsDeniedWritesAndAdmin() throws IOException {
    List<String> endpoint = List.of(cluster.publicAddress(0));
    ClientCredentials noToken = ClientCredentials.tls(cluster.security().caCert());
    assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> cluster.client(endpoint, noToken).get("k")));
    String expired = token(List.of("*"), EnumSet.allOf(Right.class), Duration.ofMinutes(1),
        Instant.now().minus(Duration.ofHours(1)));
    assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> cluster.client(endpoint, withToken(expired)).get("k")));
    String readOnly = token(List.of("default"), EnumSet.of(Right.READ), Duration.ofHours(1), Instant.now());
    int mid = readOnly.length() / 2;
    String altered = readOnly.substring(0, mid) + (readOnly.charAt(mid) == 'A' ? 'B' : 'A') + readOnly.substring(mid + 1);
    assertEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> cluster.client(endpoint, withToken(altered)).get("k")));
    EdgeKvClient reader = cluster.client(endpoint, withToken(readOnly));
    assertNotEquals(Status.Code.UNAUTHENTICATED, codeOf(() -> reader.get("k")));
    assertNotEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> reader.get("k")));
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> reader.put("k", "w")));
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> reader.admin().drain()));
    assertTrue(!cluster.node(0).readiness().draining(), "a read-only token drained the node");
  }

  @Test
  void forgedOrLegacySessionTokensAndWatchPositionsAreRefusedAtOnce() throws IOException {
    var kv = kvAs(rootToken(), 10);
    var put = kv.put(PutRequest.newBuilder().setNamespace("default").setKey(ByteString.copyFromUtf8("s"))
        .setValue(ByteString.copyFromUtf8("v")).build());
    String issued = put.getSessionToken();
    assertTrue(issued.startsWith(TokenMac.PREFIX), "a session token carries its MAC: " + issued);
    String inner = issued.substring(issued.indexOf('.', TokenMac.PREFIX.length()) + 1);
    for (String forged : List.of(inner, "AQdldS13ZXN0AQAAAAAAAP8AAAAAAA", issued.substring(0, issued.length() - 1)
        + (issued.endsWith("A") ? "B" : "A"))) {
      long start = System.nanoTime();
      Status.Code code = codeOf(() -> kv.get(GetRequest.newBuilder().setNamespace("default")
          .setKey(ByteString.copyFromUtf8("s")).setRead(ReadOptions.newBuilder()
              .setConsistency(Consistency.SESSION).setSessionToken(forged)).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, code, "session token " + forged);
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "refused at once, not after a wait");
    }
    assertEquals(Status.Code.OK, codeOf(() -> kv.get(GetRequest.newBuilder().setNamespace("default")
        .setKey(ByteString.copyFromUtf8("s")).setRead(ReadOptions.newBuilder()
            .setConsistency(Consistency.SESSION).setSessionToken(issued)).build())));
    var watch = InvalidationServiceGrpc.newBlockingStub(kv.getChannel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> watch.watch(WatchRequest.newBuilder()
        .setNamespace("default").setResumePosition("0:12").build()).hasNext()), "a forged Watch position");
  }

  @Test
  void thePublicPortSpeaksOnlyTls() {
    ManagedChannel plaintext = channel(cluster.publicAddress(0), InsecureChannelCredentials.create());
    Status.Code code = codeOf(() -> KvServiceGrpc.newBlockingStub(plaintext).withDeadlineAfter(5, TimeUnit.SECONDS)
        .get(GetRequest.newBuilder().setNamespace("default").setKey(ByteString.copyFromUtf8("k")).build()));
    assertTrue(code == Status.Code.UNAVAILABLE || code == Status.Code.INTERNAL, "plaintext call: " + code);
  }

  /** The internal port of node 0 called with a client certificate made of {@code pair} files (or none). */
  private static Status.Code internalCall(Path cert, Path key, Path ca, Supplier<ReplicateRequest> replicate)
      throws IOException {
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(ca.toFile());
    if (cert != null) {
      tls.keyManager(cert.toFile(), key.toFile());
    }
    NodeConfig.NodeAddress node0 = cluster.config(0).self();
    ManagedChannel channel = channel(node0.internalAddress(), tls.build());
    var stub = InternalServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    return codeOf(() -> {
      if (replicate == null) {
        stub.localStatus(LocalStatusRequest.getDefaultInstance());
      } else {
        stub.replicate(replicate.get());
      }
    });
  }

  private static Path[] issue(CertificateAuthority ca, String name, NodeIdentity identity, Duration validity)
      throws IOException {
    CertificateAuthority.Issued issued = identity == null ? ca.issueClient(name, validity)
        : ca.issueNode(identity, List.of("127.0.0.1"), validity);
    issued.write(tmp, name);
    return new Path[] {tmp.resolve(name + ".pem"), tmp.resolve(name + ".key")};
  }

  @Test
  void aMembersCertificateIsAcceptedOnTheInternalPortButNotForAnotherRegion() throws IOException {
    Path ca = cluster.security().caCert();
    Path certs = cluster.security().certs();
    assertEquals(Status.Code.OK, internalCall(certs.resolve("node-1.pem"), certs.resolve("node-1.key"), ca, null));
    // ... but cannot speak for another region ("mallory" injecting mutations).
    assertEquals(Status.Code.PERMISSION_DENIED, internalCall(certs.resolve("node-1.pem"), certs.resolve("node-1.key"),
        ca, () -> ReplicateRequest.newBuilder().setFormat(1).setFromRegion("mallory").build()));
  }

  @Test
  void aNodePresentingAnotherNodesIdentityOnTheRaftPortIsRefused() throws IOException {
    Path certs = cluster.security().certs();
    NodeConfig.NodeAddress node0 = cluster.config(0).self();
    RaftGroupId group = RegionReplica.groupId(cluster.config(0).region().name(), 0);
    try (RaftVoteCaller node1 = new RaftVoteCaller(node0.host(), node0.raftPort(),
        cluster.security().caCert().toFile(), certs.resolve("node-1.pem").toFile(), certs.resolve("node-1.key").toFile())) {
      // node-1's own certificate asking for a vote as node-2: refused by the per-message identity check.
      assertEquals("PERMISSION_DENIED", node1.voteAs(group, "node-2", "node-0"));
      // The same connection asking as node-1 gets past it (Raft answers, granting nothing to term 0).
      assertEquals("OK", node1.voteAs(group, "node-1", "node-0"));
    }
  }

  @Test
  void noCertificateIsRefusedOnTheInternalPort() throws IOException {
    assertEquals(Status.Code.UNAVAILABLE, internalCall(null, null, cluster.security().caCert(), null));
  }

  @Test
  void aClientCertificateOrANonMembersIsRefusedOnTheInternalPort() throws IOException {
    CertificateAuthority fleetCa = CertificateAuthority.load(cluster.security().caCert().getParent());
    Path[] client = issue(fleetCa, "client", null, Duration.ofDays(1));
    assertEquals(Status.Code.UNAVAILABLE, internalCall(client[0], client[1], cluster.security().caCert(), null),
        "client certificate");
    Path[] stranger = issue(fleetCa, "stranger", new NodeIdentity("mallory", "node-9"), Duration.ofDays(1));
    assertEquals(Status.Code.UNAVAILABLE, internalCall(stranger[0], stranger[1], cluster.security().caCert(), null),
        "not a member");
  }

  @Test
  void anExpiredNodeCertificateIsRefusedOnTheInternalPort() throws IOException {
    CertificateAuthority fleetCa = CertificateAuthority.load(cluster.security().caCert().getParent());
    Path[] expired = issue(fleetCa, "expired", new NodeIdentity(cluster.config(0).region().name(), "node-1"),
        Duration.ofDays(-1));
    assertEquals(Status.Code.UNAVAILABLE, internalCall(expired[0], expired[1], cluster.security().caCert(), null));
  }

  @Test
  void aNodeCertificateOfAnotherCaIsRefusedOnTheInternalPort() throws IOException {
    CertificateAuthority otherCa = CertificateAuthority.create("other", Duration.ofDays(1));
    Path[] foreign = issue(otherCa, "foreign", new NodeIdentity(cluster.config(0).region().name(), "node-1"),
        Duration.ofDays(1));
    assertEquals(Status.Code.UNAVAILABLE, internalCall(foreign[0], foreign[1], cluster.security().caCert(), null));
  }

  /** The current data key of {@code namespace} in shard 0's state on node {@code i}, hex, or "". */
  private static String dataKeyOn(int i, String namespace) {
    byte[] id = cluster.node(i).replica().read(0, engine -> DataKeyring.current(engine, namespace));
    return id == null ? "" : HexFormat.of().formatHex(id);
  }

  @Test
  void aNamespacesDataKeyIsReplicatedStateAndARotationKeepsOldValuesReadableWhileTheyAreReEncrypted() throws IOException {
    String root = rootToken();
    var kv = kvAs(root, 20);
    kv.put(PutRequest.newBuilder().setNamespace("keyed").setKey(ByteString.copyFromUtf8("old"))
        .setValue(ByteString.copyFromUtf8("sealed-under-the-first-key")).build());
    MiniKvCluster.await(Duration.ofSeconds(30), "every replica to hold the namespace's key",
        () -> !dataKeyOn(0, "keyed").isEmpty() && dataKeyOn(0, "keyed").equals(dataKeyOn(1, "keyed"))
            && dataKeyOn(0, "keyed").equals(dataKeyOn(2, "keyed")));
    String first = dataKeyOn(0, "keyed");
    assertNotEquals(first, dataKeyOn(0, "default"), "another namespace has another key (or none)");
    var oldEntry = kv.get(GetRequest.newBuilder().setNamespace("keyed").setKey(ByteString.copyFromUtf8("old"))
        .setRead(ReadOptions.newBuilder().setConsistency(Consistency.STRONG)).build()).getEntry();

    assertEquals(cluster.config(0).topology().shards(), cluster.client(List.of(cluster.publicAddress(0)),
        withToken(root)).admin().rotateDataKey("keyed").getShards());
    MiniKvCluster.await(Duration.ofSeconds(30), "every replica to hold the rotated key",
        () -> !dataKeyOn(0, "keyed").equals(first) && dataKeyOn(0, "keyed").equals(dataKeyOn(1, "keyed"))
            && dataKeyOn(0, "keyed").equals(dataKeyOn(2, "keyed")));
    kv.put(PutRequest.newBuilder().setNamespace("keyed").setKey(ByteString.copyFromUtf8("new"))
        .setValue(ByteString.copyFromUtf8("sealed-under-the-second-key")).build());
    for (String key : List.of("old", "new")) {
      assertTrue(kv.get(GetRequest.newBuilder().setNamespace("keyed").setKey(ByteString.copyFromUtf8(key))
          .setRead(ReadOptions.newBuilder().setConsistency(Consistency.STRONG)).build()).getFound(), key);
    }
    // Background re-encryption moves the old record to the new key on every replica, locally:
    // the same value and version, and the status pages count down to 0.
    MiniKvCluster.await(Duration.ofSeconds(60), "every replica to re-seal under the current keys", () -> {
      for (int i = 0; i < cluster.size(); i++) {
        for (int shard = 0; shard < cluster.config(i).topology().shards(); shard++) {
          if (cluster.node(i).replica().read(shard, engine -> new ReEncryption(engine).countStale()) > 0) {
            return false;
          }
        }
      }
      return true;
    });
    var admin = cluster.client(List.of(cluster.publicAddress(0)), withToken(root)).admin();
    MiniKvCluster.await(Duration.ofSeconds(30), "admin status to report nothing left under old keys",
        () -> admin.status(false).getNodesList().stream().allMatch(n -> n.getReachable()
            && n.getRecordsUnderOldKeys() == 0));
    assertEquals(oldEntry, kv.get(GetRequest.newBuilder().setNamespace("keyed").setKey(ByteString.copyFromUtf8("old"))
        .setRead(ReadOptions.newBuilder().setConsistency(Consistency.STRONG)).build()).getEntry(),
        "value and version unchanged by re-encryption");
    String readOnly = token(List.of("keyed"), EnumSet.of(Right.READ), Duration.ofHours(1), Instant.now());
    assertEquals(Status.Code.PERMISSION_DENIED, codeOf(() -> cluster.client(List.of(cluster.publicAddress(0)),
        withToken(readOnly)).admin().rotateDataKey("keyed")), "rotation needs 'admin'");
  }

  @Test
  void noWrittenValueRestsInPlaintextOnDisk() throws IOException {
    String canary = "CANARY-" + System.nanoTime();
    cluster.client().put("secret", canary);
    MiniKvCluster.await(Duration.ofSeconds(30), "the canary on node 2",
        () -> canary.equals(cluster.client(List.of(cluster.publicAddress(2))).get("secret").valueAsString()));
    for (int i = 0; i < cluster.size(); i++) {
      cluster.node(i).replica().snapshotNow(10_000);
    }
    byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
    List<Path> hits = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      try (Stream<Path> files = Files.walk(cluster.dataDir(i))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (contains(Files.readAllBytes(f), needle)) {
            hits.add(f);
          }
        }
      }
    }
    assertEquals(List.of(), hits, "files holding the value in plaintext");
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}

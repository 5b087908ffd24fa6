package io.edgekv.node.security;

import io.edgekv.internal.v1.StoredEntry;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.apply.NamespaceUsage;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.raft.RegionReplica;
import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's security (DESIGN section 10), built from its config: the credentials of its three
 * listeners and of its channels to other nodes, token checks on the public port and the audit
 * log. With {@code tls.enabled: false} and no {@code security.tokenKeys} everything is plaintext
 * and open, as before (the plain {@code edgekv dev} cluster on loopback).
 */
public final class NodeSecurity {
  private static final Logger LOG = LoggerFactory.getLogger(NodeSecurity.class);
  /** Audit files of 16 MiB, 4 kept: at most 80 MiB per node. */
  private static final long AUDIT_FILE_BYTES = 16L << 20;
  private static final int AUDIT_FILES_KEPT = 4;

  private final NodeConfig config;
  private final TransportSecurity transport;
  private final AuthInterceptor auth;
  private final PeerIdentityInterceptor peers;
  private final RaftPeerIdentity raftPeers;
  private final TokenMacInterceptor tokenMacs;
  private final MasterKeyCipher atRest;
  private final RequestLimits limits;
  private volatile RegionReplica replica;

  /** @throws UncheckedIOException naming a certificate, key or token-key file that cannot be read */
  public NodeSecurity(NodeConfig config, Clock clock) {
    this.config = config;
    this.limits = config.security().quotas().any()
        ? new RequestLimits(config.security().quotas(), new ReplicaNamespaces(), System::nanoTime) : null;
    try {
      NodeConfig.Tls tls = config.tls();
      this.transport = tls.enabled() ? new TransportSecurity(Path.of(tls.caFile()), Path.of(tls.certFile()),
          Path.of(tls.keyFile()), this::isMember) : null;
      if (transport != null && !transport.identity().equals(new NodeIdentity(config.region().name(), config.nodeId()))) {
        throw new IOException(tls.certFile() + ": the certificate names " + transport.identity() + ", not this node ("
            + config.nodeId() + " of region " + config.region().name() + ")");
      }
      AuditLog audit = new AuditLog(config.dataPath().resolve("audit"), AUDIT_FILE_BYTES, AUDIT_FILES_KEPT, clock);
      this.auth = config.security().authEnabled()
          ? new AuthInterceptor(new Tokens(config.security().tokenKeys().stream().map(Path::of).toList(), clock),
              audit, clock)
          : null;
      this.peers = transport == null ? null : new PeerIdentityInterceptor(config.region().name(), audit);
      this.raftPeers = transport == null ? null : new RaftPeerIdentity(audit);
      this.atRest = config.security().encryptionEnabled()
          ? MasterKeyCipher.read(Path.of(config.security().masterKeyFile())) : null;
      this.tokenMacs = auth != null && atRest != null
          ? new TokenMacInterceptor(new TokenMac(atRest.derivedKeys("token mac"))) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    warmUp(clock);
    if (transport == null && auth == null) {
      LOG.info("node {}: no TLS and no client tokens: open to anyone who can reach {}", config.nodeId(),
          config.bindHost());
    }
  }

  /**
   * Runs each cipher this node will use once before it serves, so the first client call does not
   * pay for loading and initializing the JDK's Ed25519, HMAC and AES-GCM (seconds on a loaded
   * machine, past a client's deadline).
   */
  private void warmUp(Clock clock) {
    if (auth != null) {
      SigningKey throwaway = SigningKey.generate();
      String token = throwaway.sign("warm-up", List.of("*"), Set.of(Right.READ), Duration.ofMinutes(1), clock.instant());
      try {
        Tokens.verifySignature(token, throwaway.publicKey());
      } catch (Tokens.InvalidTokenException e) {
        throw new IllegalStateException("Ed25519 self-test failed: " + e.getMessage(), e);
      }
    }
    if (atRest != null && !Arrays.equals(atRest.open(atRest.seal(new byte[] {1, 2, 3})), new byte[] {1, 2, 3})) {
      throw new IllegalStateException("AES-GCM self-test failed");
    }
    if (tokenMacs != null) {
      tokenMacs.selfTest();
    }
  }

  /**
   * Turns on mutual TLS for the replica's Raft transport and encryption at rest of its log and
   * tables (before it starts); remembers the replica for membership checks.
   */
  public void configure(RegionReplica replica) {
    this.replica = replica;
    if (transport != null) {
      replica.useTls(transport.raft(), raftPeers);
    }
    if (atRest != null) {
      replica.encryptAtRest(atRest);
    }
  }

  /**
   * Whether a node certificate's identity is a member of the fleet: a node of the topology in the
   * region it names, or a node that this region's replicated Raft membership holds (added at run
   * time with {@code admin add-node}; while it catches up before it enters the configuration, the
   * shard leader that replicates to it knows it too).
   */
  boolean isMember(NodeIdentity identity) {
    boolean inTopology = config.topology().regionOf(identity.nodeId())
        .map(r -> r.name().equals(identity.region())).orElse(false);
    if (inTopology) {
      return true;
    }
    RegionReplica r = replica;
    if (r == null || !identity.region().equals(config.region().name()) || r.membership() == null) {
      return false;
    }
    return r.membership().knows(identity.nodeId());
  }

  public ServerCredentials publicServer() {
    return transport == null ? InsecureServerCredentials.create() : transport.publicServer();
  }

  public ServerCredentials internalServer() {
    return transport == null ? InsecureServerCredentials.create() : transport.internalServer();
  }

  public ChannelCredentials internalChannel() {
    return transport == null ? InsecureChannelCredentials.create() : transport.internalChannel();
  }

  /**
   * The public port's services, each behind the token check when auth is on (health checks stay
   * open), then the rate limits and quotas when any is set, and with MACs on the session tokens, continuations and Watch positions they exchange.
   */
  public List<BindableService> guardPublic(List<BindableService> services) {
    return guard(guard(guard(services, tokenMacs), limits), auth);
  }

  /** The internal port's services, each behind the per-call peer identity check when TLS is on. */
  public List<BindableService> guardInternal(List<BindableService> services) {
    return guard(services, peers);
  }

  private static List<BindableService> guard(List<BindableService> services, ServerInterceptor interceptor) {
    return services.stream().map(service -> {
      ServerServiceDefinition definition = service.bindService();
      boolean health = definition.getServiceDescriptor().getName().equals(HealthGrpc.SERVICE_NAME);
      if (interceptor == null || health) {
        return service;
      }
      ServerServiceDefinition guarded = ServerInterceptors.intercept(definition, interceptor);
      return (BindableService) () -> guarded;
    }).toList();
  }

  /** The stored counts of this node's replica, summed over its shards. */
  private final class ReplicaNamespaces implements RequestLimits.StoredNamespaces {
    @Override
    public NamespaceUsage.Usage usage(String namespace) {
      RegionReplica r = replica;
      NamespaceUsage.Usage sum = NamespaceUsage.Usage.NONE;
      for (int shard = 0; shard < r.shards(); shard++) {
        sum = sum.plus(r.read(shard, engine -> NamespaceUsage.read(engine, namespace)));
      }
      return sum;
    }

    @Override
    public long liveBytes(String namespace, byte[] key) {
      RegionReplica r = replica;
      EntryKey entryKey = new EntryKey(namespace, key);
      StoredEntry entry = r.reads().entry(r.shardOf(namespace, key), entryKey);
      // Counted as NamespaceUsage counts: an entry that is not a tombstone, expired or not (until swept).
      return entry == null || entry.getTombstone() ? -1 : NamespaceUsage.bytesOf(entryKey, entry);
    }
  }
}

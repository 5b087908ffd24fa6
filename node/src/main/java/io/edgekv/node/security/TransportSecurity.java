package io.edgekv.node.security;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * The TLS of one node's three listeners and its channels (DESIGN section 10), from the config's
 * {@code tls} files, all read again when they change:
 * <ul>
 *   <li>the public port: TLS with the node certificate, no client certificate (clients present
 *       bearer tokens instead);
 *   <li>the internal port, its channels (node-to-node and cross-region) and the Raft transport:
 *       mutual TLS, where each end must present a certificate of the CA naming a node that
 *       {@code member} accepts (see {@link PeerTrustManager}).
 * </ul>
 */
public final class TransportSecurity {
  private final NodeKeyManager keys;
  private final PeerTrustManager anyCertificateOfTheCa;
  private final PeerTrustManager nodesOnly;

  /**
   * @param member which node identities the replicated membership knows
   * @throws IOException naming a file that is missing or malformed
   */
  public TransportSecurity(Path caFile, Path certFile, Path keyFile, Predicate<NodeIdentity> member) throws IOException {
    this.keys = new NodeKeyManager(certFile, keyFile);
    this.anyCertificateOfTheCa = new PeerTrustManager(caFile, null);
    this.nodesOnly = new PeerTrustManager(caFile, member);
    if (NodeIdentity.of(keys.certificate()).isEmpty()) {
      throw new IOException(certFile + ": this certificate names no node (a URI name urn:edgekv:node:REGION:ID);"
          + " make node certificates with `edgekv admin certs init`");
    }
  }

  /** Who this node's certificate says it is. */
  public NodeIdentity identity() {
    return NodeIdentity.of(keys.certificate()).orElseThrow();
  }

  /** The public port: server TLS only. */
  public ServerCredentials publicServer() {
    return TlsServerCredentials.newBuilder().keyManager(keys).trustManager(anyCertificateOfTheCa)
        .clientAuth(TlsServerCredentials.ClientAuth.NONE).build();
  }

  /** The internal port: mutual TLS, node certificates only. */
  public ServerCredentials internalServer() {
    return TlsServerCredentials.newBuilder().keyManager(keys).trustManager(nodesOnly)
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
  }

  /** A channel to another node's internal port: presents this node's certificate, accepts a node's only. */
  public ChannelCredentials internalChannel() {
    return TlsChannelCredentials.newBuilder().keyManager(keys).trustManager(nodesOnly).build();
  }

  /** The Raft transport (server and clients): mutual TLS, node certificates only. */
  public GrpcTlsConfig raft() {
    return new GrpcTlsConfig(keys, nodesOnly, true);
  }
}

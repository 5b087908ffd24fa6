package io.edgekv.node.security;

import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.config.SecuritySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;

/**
 * Everything a fleet needs to run secure, made in one directory (what {@code edgekv admin certs
 * init} and {@code edgekv dev --secure} write):
 * <ul>
 *   <li>{@code ca.pem}, {@code ca.key}: the CA (keep {@code ca.key} offline);
 *   <li>{@code certs/<node-id>.pem}, {@code .key}: each node's certificate naming its region and
 *       id, with its host as IP or DNS name;
 *   <li>{@code signing.key}: the token signing key (keep offline: no node holds it);
 *       {@code token-keys.pem}: its public key, for the nodes' {@code security.tokenKeys};
 *   <li>{@code master.key}: the fleet-wide master key of encryption at rest.
 * </ul>
 */
public final class FleetCredentials {
  /** Node certificates and the CA are valid this long. */
  public static final Duration CERT_VALIDITY = Duration.ofDays(365);

  private final Path dir;

  private FleetCredentials(Path dir) {
    this.dir = dir.toAbsolutePath();
  }

  /**
   * The credentials already in {@code dir} (a dev cluster restarted on its data directory keeps its
   * CA, keys and master key, so its encrypted data stays readable), else new ones.
   */
  public static FleetCredentials openOrCreate(Path dir, NodeConfig.Topology topology) throws IOException {
    FleetCredentials existing = new FleetCredentials(dir);
    boolean complete = Files.exists(existing.caCert()) && Files.exists(existing.signingKey())
        && Files.exists(existing.masterKey()) && topology.allNodes().stream()
        .allMatch(n -> Files.exists(existing.certs().resolve(n.id() + ".pem")));
    return complete ? existing : create(dir, topology);
  }

  /** Creates the CA, a certificate per node of {@code topology}, the signing key and the master key in {@code dir}. */
  public static FleetCredentials create(Path dir, NodeConfig.Topology topology) throws IOException {
    FleetCredentials out = new FleetCredentials(dir);
    CertificateAuthority ca = CertificateAuthority.create("EdgeKV fleet CA", CERT_VALIDITY);
    ca.write(out.dir);
    for (NodeConfig.Region region : topology.regions()) {
      for (NodeConfig.NodeAddress node : region.nodes()) {
        List<String> hosts = new ArrayList<>(List.of(node.host()));
        if (node.host().equals("127.0.0.1") || node.host().equals("localhost")) {
          hosts.add(node.host().equals("localhost") ? "127.0.0.1" : "localhost");
        }
        ca.issueNode(new NodeIdentity(region.name(), node.id()), hosts, CERT_VALIDITY).write(out.certs(), node.id());
      }
    }
    SigningKey signing = SigningKey.generate();
    signing.write(out.signingKey());
    Pem.write(out.tokenKeys(), signing.publicKeyPem(), false);
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    Pem.write(out.masterKey(), Base64.getEncoder().encodeToString(master) + "\n", true);
    return out;
  }

  public Path caCert() {
    return dir.resolve("ca.pem");
  }

  public Path certs() {
    return dir.resolve("certs");
  }

  public Path signingKey() {
    return dir.resolve("signing.key");
  }

  public Path tokenKeys() {
    return dir.resolve("token-keys.pem");
  }

  public Path masterKey() {
    return dir.resolve("master.key");
  }

  /** {@code config} with TLS on this directory's files, token auth and encryption at rest. */
  public NodeConfig secure(NodeConfig config) {
    return config
        .withTls(NodeConfig.Tls.on(caCert().toString(), certs().resolve(config.nodeId() + ".pem").toString(),
            certs().resolve(config.nodeId() + ".key").toString()))
        .withSecurity(new SecuritySettings(false, List.of(tokenKeys().toString()), masterKey().toString(),
            config.security().quotas()));
  }

  /** A token with every right in every namespace, valid for {@code ttl}. */
  public String rootToken(Duration ttl, Clock clock) throws IOException {
    return SigningKey.read(signingKey()).sign("root", List.of(AccessToken.ANY_NAMESPACE), EnumSet.allOf(Right.class),
        ttl, clock.instant());
  }
}

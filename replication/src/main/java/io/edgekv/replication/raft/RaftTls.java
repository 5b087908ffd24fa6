package io.edgekv.replication.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;

/**
 * The Ratis parameters of a replica's Raft transport: empty for plaintext, or one TLS
 * configuration for the server port, the log appenders to peers and this node's Raft clients
 * (Ratis' gRPC TLS keys), so every Raft connection is mutual TLS when TLS is on; and a customizer of
 * Ratis' gRPC server (per-message peer identity checks).
 */
final class RaftTls {
  private RaftTls() {}

  static Parameters parameters(GrpcTlsConfig tls, GrpcServices.Customizer customizer) {
    Parameters p = new Parameters();
    if (customizer != null) {
      GrpcConfigKeys.Server.setServicesCustomizer(p, customizer);
    }
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(p, tls);
      GrpcConfigKeys.Server.setTlsConf(p, tls);
      GrpcConfigKeys.Client.setTlsConf(p, tls);
      GrpcConfigKeys.Admin.setTlsConf(p, tls);
    }
    return p;
  }
}

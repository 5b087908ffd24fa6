package io.edgekv.replication.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * The Ratis parameters of a replica's Raft transport: empty for plaintext, or one TLS
 * configuration for the server port, the log appenders to peers and this node's Raft clients
 * (Ratis' gRPC TLS keys), so every Raft connection is mutual TLS when TLS is on.
 */
final class RaftTls {
  private RaftTls() {}

  static Parameters parameters(GrpcTlsConfig tls) {
    Parameters p = new Parameters();
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(p, tls);
      GrpcConfigKeys.Server.setTlsConf(p, tls);
      GrpcConfigKeys.Client.setTlsConf(p, tls);
      GrpcConfigKeys.Admin.setTlsConf(p, tls);
    }
    return p;
  }
}

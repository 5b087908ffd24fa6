package io.edgekv.node.security;

import java.io.File;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;

/**
 * A Raft peer's vote request sent to a node's Raft port over mutual TLS with a chosen certificate
 * and a chosen requestor id, through Ratis' own (shaded) gRPC: what another node's certificate
 * holder would send.
 */
final class RaftVoteCaller implements AutoCloseable {
  private final ManagedChannel channel;

  RaftVoteCaller(String host, int raftPort, File ca, File cert, File key) throws SSLException {
    channel = NettyChannelBuilder.forAddress(host, raftPort)
        .sslContext(GrpcSslContexts.forClient().trustManager(ca).keyManager(cert, key).build()).build();
  }

  /** The status code name of a vote request for {@code group} that names {@code requestor} as its sender. */
  String voteAs(RaftGroupId group, String requestor, String receiver) {
    RequestVoteRequestProto vote = RequestVoteRequestProto.newBuilder()
        .setServerRequest(RaftRpcRequestProto.newBuilder()
            .setRequestorId(ByteString.copyFromUtf8(requestor))
            .setReplyId(ByteString.copyFromUtf8(receiver))
            .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(group.toByteString())))
        .setCandidateTerm(0)
        .build();
    try {
      RaftServerProtocolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).requestVote(vote);
      return "OK";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode().name();
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}

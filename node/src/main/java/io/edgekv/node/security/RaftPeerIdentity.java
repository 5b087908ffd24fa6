package io.edgekv.node.security;

import java.util.EnumSet;
import java.util.Optional;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.Descriptors.FieldDescriptor;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;

/**
 * The Raft port's per-message identity check: a Raft server request (vote, append, snapshot,
 * leader election, read index) names the peer that sends it ({@code serverRequest.requestorId});
 * it must be the node the sender's TLS certificate names, so node A's valid certificate cannot
 * vote or append as node B. Installed into Ratis' gRPC server through its services customizer.
 */
public final class RaftPeerIdentity implements ServerInterceptor, GrpcServices.Customizer {
  private final AuditLog audit;

  public RaftPeerIdentity(AuditLog audit) {
    this.audit = audit;
  }

  @Override
  public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    return builder.intercept(this);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Optional<NodeIdentity> peer =
        PeerIdentityInterceptor.identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    String method = call.getMethodDescriptor().getFullMethodName();
    CheckedListener.Gate<Q> gate = new CheckedListener.Gate<>(message -> {
      String requestor = requestorOf(message);
      if (requestor == null || (peer.isPresent() && peer.get().nodeId().equals(requestor))) {
        return false;
      }
      String who = peer.map(NodeIdentity::toString).orElse("a peer without a node certificate");
      audit.record(who, method + " as " + requestor, "PERMISSION_DENIED", null);
      call.close(Status.PERMISSION_DENIED.withDescription(who + " cannot send Raft requests as " + requestor),
          new Metadata());
      return true;
    });
    // Ratis' gRPC is its own copy, so CheckedListener cannot wrap its listener; the rule is shared.
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      public void onMessage(Q message) {
        gate.onMessage(message, super::onMessage);
      }

      @Override
      public void onHalfClose() {
        gate.ifOpen(super::onHalfClose);
      }

      @Override
      public void onReady() {
        gate.ifOpen(super::onReady);
      }
    };
  }

  /** The requestor id of a Raft server request ({@code serverRequest.requestorId}), or null. */
  static String requestorOf(Object message) {
    if (!(message instanceof Message m)) {
      return null;
    }
    FieldDescriptor serverRequest = m.getDescriptorForType().findFieldByName("serverRequest");
    if (serverRequest == null || serverRequest.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return null;
    }
    Message rpc = (Message) m.getField(serverRequest);
    FieldDescriptor requestor = rpc.getDescriptorForType().findFieldByName("requestorId");
    return requestor == null ? null : ((ByteString) rpc.getField(requestor)).toStringUtf8();
  }
}

package io.edgekv.node.security;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The internal port's per-call identity check (mutual TLS has already proved the caller is a
 * member): a request that says which region it comes from ({@code from_region}) must come from a
 * node of that region, and a forwarded write proposal only from a node of this region. So node A's
 * certificate cannot speak for another region, and a node of one region cannot propose into
 * another's Raft groups. Refusals are {@code PERMISSION_DENIED}.
 */
public final class PeerIdentityInterceptor implements ServerInterceptor {
  private static final String PROPOSE = "edgekv.internal.v1.InternalService/Propose";

  private final String ownRegion;
  private final AuditLog audit;

  public PeerIdentityInterceptor(String ownRegion, AuditLog audit) {
    this.ownRegion = ownRegion;
    this.audit = audit;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<NodeIdentity> peer = identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (peer.isEmpty()) {
      return refuse(call, method, "unknown peer", "the caller presented no node certificate");
    }
    NodeIdentity identity = peer.get();
    if (PROPOSE.equals(method) && !identity.region().equals(ownRegion)) {
      return refuse(call, method, identity.toString(), "only nodes of region " + ownRegion + " forward proposals here");
    }
    return new CheckedListener<>(next.startCall(call, headers), message -> {
      String claimed = fromRegion(message);
      if (claimed != null && !claimed.equals(identity.region())) {
        audit.record(identity.toString(), method + " from_region=" + claimed, "PERMISSION_DENIED", null);
        call.close(Status.PERMISSION_DENIED.withDescription("the caller's certificate names " + identity
            + ", not a node of region '" + claimed + "'"), new Metadata());
        return true;
      }
      return false;
    });
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String method, String who, String why) {
    audit.record(who, method, "PERMISSION_DENIED: " + why, null);
    call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  static Optional<NodeIdentity> identity(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? NodeIdentity.of(leaf) : Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  private static String fromRegion(Object message) {
    if (message instanceof Message m) {
      FieldDescriptor field = m.getDescriptorForType().findFieldByName("from_region");
      if (field != null && field.getType() == FieldDescriptor.Type.STRING && !field.isRepeated()) {
        return (String) m.getField(field);
      }
    }
    return null;
  }
}

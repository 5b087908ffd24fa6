package io.edgekv.node.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Clock;
import java.util.Map;

/**
 * Authentication and authorization of the public port (DESIGN section 10). Every call but health
 * checks needs {@code authorization: Bearer <token>}: none, or any invalid token, is {@code
 * UNAUTHENTICATED}; a valid token without the call's right in the request's namespace is {@code
 * PERMISSION_DENIED}. Admin calls need {@code admin}. The token's grant is put in the call's
 * {@link Context} ({@link #TOKEN}) for the services. Failures and admin calls go to the audit log.
 */
public final class AuthInterceptor implements ServerInterceptor {
  /** The verified token of the current call (absent with auth off). */
  public static final Context.Key<AccessToken> TOKEN = Context.key("edgekv-access-token");
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private static final Map<String, Right> METHODS = Map.ofEntries(
      Map.entry("edgekv.v1.KvService/Get", Right.READ),
      Map.entry("edgekv.v1.KvService/BatchGet", Right.READ),
      Map.entry("edgekv.v1.KvService/Scan", Right.READ),
      Map.entry("edgekv.v1.KvService/Put", Right.WRITE),
      Map.entry("edgekv.v1.KvService/Delete", Right.WRITE),
      Map.entry("edgekv.v1.KvService/Touch", Right.WRITE),
      Map.entry("edgekv.v1.KvService/Txn", Right.WRITE),
      Map.entry("edgekv.v1.KvService/Increment", Right.WRITE),
      Map.entry("edgekv.v1.InvalidationService/Watch", Right.WATCH),
      Map.entry("edgekv.v1.InvalidationService/Publish", Right.WRITE),
      Map.entry("edgekv.v1.InvalidationService/Purge", Right.PURGE),
      Map.entry("edgekv.v1.InvalidationService/PurgeStatus", Right.PURGE));
  private static final String HEALTH = "grpc.health.v1.Health";

  private final Tokens tokens;
  private final AuditLog audit;
  private final Clock clock;
  /** Verified tokens, so a client's calls cost one signature check per token, not per call. */
  private final Cache<String, AccessToken> verified = Caffeine.newBuilder().maximumSize(10_000).build();

  public AuthInterceptor(Tokens tokens, AuditLog audit, Clock clock) {
    this.tokens = tokens;
    this.audit = audit;
    this.clock = clock;
  }

  /** The right a method needs: admin for any method not listed (a new method is closed until mapped). */
  static Right rightOf(String fullMethodName) {
    return METHODS.getOrDefault(fullMethodName, Right.ADMIN);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (HEALTH.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String peer = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    AccessToken token;
    try {
      token = authenticate(headers.get(AUTHORIZATION));
    } catch (Tokens.InvalidTokenException e) {
      audit.record("anonymous", method, "UNAUTHENTICATED: " + e.getMessage(), peer);
      call.close(Status.UNAUTHENTICATED.withDescription("a valid bearer token is required for " + method
          + " (" + e.getMessage() + "); pass one with --token, --token-file or EDGEKV_TOKEN"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Right right = rightOf(method);
    String who = "token " + token.id() + " (" + token.subject() + ")";
    if (right == Right.ADMIN) {
      if (!token.rights().contains(Right.ADMIN)) {
        audit.record(who, method, "PERMISSION_DENIED", peer);
        call.close(Status.PERMISSION_DENIED.withDescription(method + " needs the 'admin' right; the token grants "
            + token.rights()), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      audit.record(who, method, "allowed", peer);
    }
    Context context = Context.current().withValue(TOKEN, token);
    ServerCall.Listener<Q> delegate = Contexts.interceptCall(context, call, headers, next);
    if (right == Right.ADMIN) {
      return delegate;
    }
    return new CheckedListener<>(delegate, message -> {
      String namespace = namespaceOf(message);
      boolean ok = namespace == null ? token.allowsSomewhere(right) : token.allows(right, namespace);
      if (!ok) {
        audit.record(who, method + " namespace=" + namespace, "PERMISSION_DENIED", peer);
        call.close(Status.PERMISSION_DENIED.withDescription("the token does not grant '" + right.label() + "' in "
            + (namespace == null ? "any namespace" : "namespace '" + namespace + "'")), new Metadata());
      }
      return !ok;
    });
  }

  private AccessToken authenticate(String header) throws Tokens.InvalidTokenException {
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new Tokens.InvalidTokenException("no bearer token");
    }
    String token = header.substring(BEARER.length()).strip();
    AccessToken cached = verified.getIfPresent(token);
    if (cached != null && clock.instant().isBefore(cached.expiresAt())) {
      return cached;
    }
    AccessToken fresh = tokens.verify(token);
    verified.put(token, fresh);
    return fresh;
  }

  /** The request's {@code namespace} field, or null for a request without one. */
  static String namespaceOf(Object message) {
    if (message instanceof Message m) {
      FieldDescriptor field = m.getDescriptorForType().findFieldByName("namespace");
      if (field != null && field.getType() == FieldDescriptor.Type.STRING && !field.isRepeated()) {
        return (String) m.getField(field);
      }
    }
    return null;
  }
}

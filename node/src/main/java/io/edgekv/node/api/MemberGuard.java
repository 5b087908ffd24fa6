package io.edgekv.node.api;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;

/**
 * Refuses every call of a data service on a node that is no longer a member of its region (it
 * was removed from the Raft groups and serves nothing): the caller gets {@code
 * FAILED_PRECONDITION} saying so, through {@link Errors}, instead of whatever the closed shard
 * would throw. The admin service is not guarded, so {@code admin status} still explains it.
 */
public final class MemberGuard implements ServerInterceptor {
  private final Runnable check;

  /** @param check throws (a domain exception) when this node must not serve data */
  public MemberGuard(Runnable check) {
    this.check = check;
  }

  /** {@code service} with every call checked first. */
  public BindableService guard(BindableService service) {
    return () -> ServerInterceptors.intercept(service, this);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    try {
      check.run();
    } catch (RuntimeException e) {
      StatusRuntimeException refused = Errors.toStatus(e);
      call.close(refused.getStatus(), refused.getTrailers() != null ? refused.getTrailers() : new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}

package io.edgekv.node.security;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ServerCall;

/**
 * A call listener that checks each request message before the service sees it. A check that
 * refuses closes the call itself; from then on nothing reaches the service (no message, no
 * half-close, no readiness), so a refused call changes nothing.
 */
final class CheckedListener<Q> extends SimpleForwardingServerCallListener<Q> {
  /** Checks one message; closes the call and answers true when it is refused. */
  @FunctionalInterface
  interface Check<Q> {
    boolean refuse(Q message);
  }

  private final Check<Q> check;
  private boolean refused;

  CheckedListener(ServerCall.Listener<Q> delegate, Check<Q> check) {
    super(delegate);
    this.check = check;
  }

  @Override
  public void onMessage(Q message) {
    if (refused) {
      return;
    }
    if (check.refuse(message)) {
      refused = true;
      return;
    }
    super.onMessage(message);
  }

  @Override
  public void onHalfClose() {
    if (!refused) {
      super.onHalfClose();
    }
  }

  @Override
  public void onReady() {
    if (!refused) {
      super.onReady();
    }
  }
}

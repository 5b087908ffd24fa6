package io.edgekv.node.security;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ServerCall;
import java.util.function.Consumer;

/**
 * A call listener that checks each request message before the service sees it. A check that
 * refuses closes the call itself; from then on nothing reaches the service (no message, no
 * half-close, no readiness), so a refused call changes nothing. The rule itself is {@link Gate},
 * which the Raft port's listener ({@link RaftPeerIdentity}, on Ratis' own copy of gRPC) shares.
 */
final class CheckedListener<Q> extends SimpleForwardingServerCallListener<Q> {
  /** Checks one message; closes the call and answers true when it is refused. */
  @FunctionalInterface
  interface Check<Q> {
    boolean refuse(Q message);
  }

  /**
   * The checking rule, whatever gRPC classes carry the call: each message is checked before it is
   * passed on, and once one is refused nothing more is passed on.
   */
  static final class Gate<Q> {
    private final Check<Q> check;
    private boolean refused;

    Gate(Check<Q> check) {
      this.check = check;
    }

    /** Passes {@code message} to {@code next} unless this or an earlier message was refused. */
    void onMessage(Q message, Consumer<Q> next) {
      if (!refused && !(refused = check.refuse(message))) {
        next.accept(message);
      }
    }

    /** Runs {@code next} (a half-close or readiness) unless a message was refused. */
    void ifOpen(Runnable next) {
      if (!refused) {
        next.run();
      }
    }
  }

  private final Gate<Q> gate;

  CheckedListener(ServerCall.Listener<Q> delegate, Check<Q> check) {
    super(delegate);
    this.gate = new Gate<>(check);
  }

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
}

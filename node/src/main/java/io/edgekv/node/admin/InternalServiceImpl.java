package io.edgekv.node.admin;

import io.edgekv.api.v1.NodeStatus;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.grpc.stub.StreamObserver;

/** Node-to-node calls, served on the internal port only. */
public final class InternalServiceImpl extends InternalServiceGrpc.InternalServiceImplBase {
  private final LocalStatus local;
  private final KeyTraces traces;

  public InternalServiceImpl(LocalStatus local, KeyTraces traces) {
    this.local = local;
    this.traces = traces;
  }

  @Override
  public void localTrace(io.edgekv.api.v1.TraceRequest request, StreamObserver<io.edgekv.api.v1.KeyTrace> observer) {
    io.edgekv.node.api.Calls.blocking(observer, () -> traces.local(request));
  }

  @Override
  public void localStatus(LocalStatusRequest request, StreamObserver<NodeStatus> observer) {
    observer.onNext(local.get());
    observer.onCompleted();
  }
}

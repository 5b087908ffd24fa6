package io.edgekv.node.admin;

import io.edgekv.api.v1.NodeStatus;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.LocalStatusRequest;
import io.grpc.stub.StreamObserver;

/** Node-to-node calls, served on the internal port only. */
public final class InternalServiceImpl extends InternalServiceGrpc.InternalServiceImplBase {
  private final LocalStatus local;

  public InternalServiceImpl(LocalStatus local) {
    this.local = local;
  }

  @Override
  public void localStatus(LocalStatusRequest request, StreamObserver<NodeStatus> observer) {
    observer.onNext(local.get());
    observer.onCompleted();
  }
}

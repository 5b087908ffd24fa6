package io.edgekv.node.api;

/** This node cannot serve the call now (starting, draining, no quorum); another node may. */
public final class NodeUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NodeUnavailableException(String message) {
    super(message);
  }
}

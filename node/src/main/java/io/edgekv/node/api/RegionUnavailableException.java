package io.edgekv.node.api;

import java.util.List;

/**
 * A write this region cannot commit (no quorum), with a hint naming another region that
 * answered recently: EdgeKV is active-active, so the client may send the write there.
 */
public final class RegionUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String healthyRegion;
  // Exceptions here are never serialized (they become gRPC statuses); the value is immutable.
  @SuppressWarnings("serial")
  private final List<String> healthyEndpoints;

  public RegionUnavailableException(String message, String healthyRegion, List<String> healthyEndpoints) {
    super(message);
    this.healthyRegion = healthyRegion;
    this.healthyEndpoints = List.copyOf(healthyEndpoints);
  }

  /** Empty when no other region answered recently. */
  public String healthyRegion() {
    return healthyRegion;
  }

  public List<String> healthyEndpoints() {
    return healthyEndpoints;
  }
}

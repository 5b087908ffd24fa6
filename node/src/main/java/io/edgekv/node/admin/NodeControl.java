package io.edgekv.node.admin;

/** What the admin API may ask of the running node itself. */
public interface NodeControl {
  /** Stops taking anycast traffic: readiness fails, clients are sent elsewhere, leadership moves away. */
  void drain();

  /** Reverses {@link #drain()}. */
  void undrain();

  /** The node's effective configuration as YAML. */
  String effectiveConfig();
}

package io.edgekv.node.config;

import java.util.Map;
import java.util.Objects;

/**
 * Request-rate limits and storage quotas of the public port (the {@code security.quotas}
 * section; docs/security.md). Every limit is per node for rates and per region for stored keys
 * and bytes; 0 means no limit, and every limit is 0 by default.
 *
 * @param clientRequestsPerSecond calls per second one client may make to one node: a client is a
 *     token subject with auth on, the peer's address without it (0: no limit)
 * @param clientBurst calls a client may make at once above its rate (0: one second's worth)
 * @param namespaceRequestsPerSecond calls per second one node takes for one namespace, all
 *     clients together (0: no limit)
 * @param namespaceBurst calls at once above the namespace rate (0: one second's worth)
 * @param namespaceMaxKeys stored keys per namespace in this region (0: no limit)
 * @param namespaceMaxBytes stored bytes (keys and values) per namespace in this region (0: no limit)
 * @param namespaces per-namespace values of the four namespace settings, replacing the defaults above
 */
public record QuotaSettings(double clientRequestsPerSecond, int clientBurst, double namespaceRequestsPerSecond,
    int namespaceBurst, long namespaceMaxKeys, ByteSize namespaceMaxBytes, Map<String, NamespaceQuota> namespaces) {

  public static final QuotaSettings NONE = new QuotaSettings(0, 0, 0, 0, 0, ByteSize.ofBytes(0), Map.of());

  /**
   * One namespace's limits.
   *
   * @param requestsPerSecond calls per second per node (0: no limit)
   * @param burst calls at once above the rate (0: one second's worth)
   * @param maxKeys stored keys in this region (0: no limit)
   * @param maxBytes stored bytes in this region (0: no limit)
   */
  public record NamespaceQuota(double requestsPerSecond, int burst, long maxKeys, ByteSize maxBytes) {
    public NamespaceQuota {
      Objects.requireNonNull(maxBytes, "maxBytes");
    }

    /** Whether a write may need the namespace's stored counts. */
    public boolean limitsStorage() {
      return maxKeys > 0 || maxBytes.bytes() > 0;
    }
  }

  public QuotaSettings {
    Objects.requireNonNull(namespaceMaxBytes, "security.quotas.namespaceMaxBytes");
    namespaces = Map.copyOf(Objects.requireNonNull(namespaces, "security.quotas.namespaces"));
  }

  /** The limits of {@code namespace}: its own entry, or the defaults. */
  public NamespaceQuota of(String namespace) {
    NamespaceQuota own = namespaces.get(namespace);
    return own != null ? own : namespaceDefaults();
  }

  private NamespaceQuota namespaceDefaults() {
    return new NamespaceQuota(namespaceRequestsPerSecond, namespaceBurst, namespaceMaxKeys, namespaceMaxBytes);
  }

  /** Whether any limit is set (otherwise the public port checks nothing). */
  public boolean any() {
    return clientRequestsPerSecond > 0 || namespaceRequestsPerSecond > 0 || namespaceMaxKeys > 0
        || namespaceMaxBytes.bytes() > 0 || !namespaces.isEmpty();
  }

  void validate() {
    check(clientRequestsPerSecond >= 0 && Double.isFinite(clientRequestsPerSecond), "security.quotas.clientRequestsPerSecond",
        "must be 0 (no limit) or positive, was " + clientRequestsPerSecond);
    check(clientBurst >= 0, "security.quotas.clientBurst", "must not be negative, was " + clientBurst);
    validate(namespaceDefaults(), "security.quotas.namespaceRequestsPerSecond", "security.quotas.namespaceBurst",
        "security.quotas.namespaceMaxKeys");
    namespaces.forEach((name, quota) -> {
      String prefix = "security.quotas.namespaces." + name;
      check(quota != null, prefix, "must be a mapping of requestsPerSecond, burst, maxKeys, maxBytes");
      validate(quota, prefix + ".requestsPerSecond", prefix + ".burst", prefix + ".maxKeys");
    });
  }

  private static void validate(NamespaceQuota quota, String rateKey, String burstKey, String keysKey) {
    check(quota.requestsPerSecond() >= 0 && Double.isFinite(quota.requestsPerSecond()), rateKey,
        "must be 0 (no limit) or positive, was " + quota.requestsPerSecond());
    check(quota.burst() >= 0, burstKey, "must not be negative, was " + quota.burst());
    check(quota.maxKeys() >= 0, keysKey, "must not be negative, was " + quota.maxKeys());
  }

  private static void check(boolean ok, String key, String message) {
    if (!ok) {
      throw new ConfigException(key + " " + message);
    }
  }
}

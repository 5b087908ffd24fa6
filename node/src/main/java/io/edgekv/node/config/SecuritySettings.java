package io.edgekv.node.config;

import java.util.List;
import java.util.Objects;

/**
 * Client authentication, encryption at rest and the insecure switch (the {@code security}
 * section; DESIGN section 10, docs/security.md).
 *
 * @param insecure allow listening on a non-loopback address without TLS and token auth (default false)
 * @param tokenKeys PEM files of the Ed25519 public keys that verify client tokens (several keys at
 *     once for rotation; re-read when they change); empty (the default): no client authentication
 * @param masterKeyFile the fleet-wide master key (32 random bytes, base64) that wraps the per-namespace
 *     data keys of encryption at rest; "" (the default): values are stored as given
 * @param quotas request-rate limits and storage quotas of the public port ({@link QuotaSettings}; none by default)
 */
public record SecuritySettings(boolean insecure, List<String> tokenKeys, String masterKeyFile, QuotaSettings quotas) {
  public static final SecuritySettings DEFAULT = new SecuritySettings(false, List.of(), "", QuotaSettings.NONE);

  public SecuritySettings {
    tokenKeys = List.copyOf(Objects.requireNonNull(tokenKeys, "security.tokenKeys"));
    Objects.requireNonNull(masterKeyFile, "security.masterKeyFile");
    Objects.requireNonNull(quotas, "security.quotas");
  }

  /** Settings without quotas. */
  public SecuritySettings(boolean insecure, List<String> tokenKeys, String masterKeyFile) {
    this(insecure, tokenKeys, masterKeyFile, QuotaSettings.NONE);
  }

  /** A copy with {@code insecure} set: a non-loopback address without TLS and auth is accepted. */
  public SecuritySettings withInsecure(boolean accept) {
    return new SecuritySettings(accept, tokenKeys, masterKeyFile, quotas);
  }

  /** A copy with other rate limits and quotas. */
  public SecuritySettings withQuotas(QuotaSettings settings) {
    return new SecuritySettings(insecure, tokenKeys, masterKeyFile, settings);
  }

  /** Whether clients must present tokens. */
  public boolean authEnabled() {
    return !tokenKeys.isEmpty();
  }

  /** Whether values are encrypted at rest. */
  public boolean encryptionEnabled() {
    return !masterKeyFile.isBlank();
  }
}

package io.edgekv.node.config;

import java.util.List;

/**
 * Client authentication, encryption at rest and the insecure switch (the {@code security}
 * section; DESIGN section 10, docs/security.md).
 *
 * @param insecure allow listening on a non-loopback address without TLS and token auth (default false)
 * @param tokenKeys PEM files of the Ed25519 public keys that verify client tokens (several keys at
 *     once for rotation; re-read when they change); empty: no client authentication
 * @param masterKeyFile the fleet-wide master key (32 random bytes, base64) that wraps the per-namespace
 *     data keys of encryption at rest; absent: values are stored as given
 */
public record SecuritySettings(Boolean insecure, List<String> tokenKeys, String masterKeyFile) {
  public static final SecuritySettings DEFAULT = new SecuritySettings(null, null, null);

  public SecuritySettings {
    insecure = insecure != null && insecure;
    tokenKeys = tokenKeys == null ? List.of() : List.copyOf(tokenKeys);
  }

  /** Whether clients must present tokens. */
  public boolean authEnabled() {
    return !tokenKeys.isEmpty();
  }

  /** Whether values are encrypted at rest. */
  public boolean encryptionEnabled() {
    return masterKeyFile != null && !masterKeyFile.isBlank();
  }
}

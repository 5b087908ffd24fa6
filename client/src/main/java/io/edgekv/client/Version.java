package io.edgekv.client;

import java.util.Objects;

/**
 * The version of a stored entry or tombstone: the hybrid-logical-clock timestamp the write was
 * stamped with and the region it originated in. Versions are totally ordered by {@code hlc}
 * (unsigned) and then by {@code originRegion}; the greater version wins a conflict.
 *
 * <p>The printable form is {@code "<hlc>@<originRegion>"} (for example {@code
 * "7236127368123392001@eu-west"}); {@link #toString()} produces it and {@link #parse(String)}
 * accepts it back unchanged, so a version printed by the CLI can be passed to {@code
 * --if-version}.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param hlc the hybrid logical clock value, an unsigned 64-bit number
 * @param originRegion the id of the region the write originated in; never null
 */
public record Version(long hlc, String originRegion) implements Comparable<Version> {

  /**
   * Creates a version.
   *
   * @throws NullPointerException if {@code originRegion} is null
   */
  public Version {
    Objects.requireNonNull(originRegion, "originRegion");
  }

  /**
   * Parses the printable form {@code "<hlc>@<originRegion>"}, as produced by {@link
   * #toString()}. The region is everything after the first {@code '@'}.
   *
   * @param text the printable form
   * @return the version it names
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if {@code text} is not of that form or the hlc is not an
   *     unsigned 64-bit decimal number
   */
  public static Version parse(String text) {
    Objects.requireNonNull(text, "version");
    int at = text.indexOf('@');
    if (at <= 0) {
      throw new IllegalArgumentException(
          "version: expected <hlc>@<region>, got '" + text + "'");
    }
    String hlcText = text.substring(0, at);
    for (int i = 0; i < hlcText.length(); i++) {
      if (hlcText.charAt(i) < '0' || hlcText.charAt(i) > '9') {
        throw new IllegalArgumentException(
            "version: hlc must be a decimal number, got '" + text + "'");
      }
    }
    try {
      return new Version(Long.parseUnsignedLong(hlcText), text.substring(at + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "version: hlc does not fit in 64 bits, got '" + text + "'", e);
    }
  }

  /** Orders by {@code hlc} (unsigned), then by {@code originRegion}. */
  @Override
  public int compareTo(Version other) {
    int byHlc = Long.compareUnsigned(hlc, other.hlc);
    return byHlc != 0 ? byHlc : originRegion.compareTo(other.originRegion);
  }

  /** Returns {@code "<hlc>@<originRegion>"}, which {@link #parse(String)} accepts back. */
  @Override
  public String toString() {
    return Long.toUnsignedString(hlc) + "@" + originRegion;
  }
}

package io.edgekv.node.config;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes as operators write it: a plain number of bytes ({@code 1048576}) or a number
 * with a binary unit ({@code 512KiB}, {@code 32MiB}, {@code 1GiB}).
 *
 * @param bytes the size; never negative
 */
public record ByteSize(long bytes) implements Comparable<ByteSize> {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

  public ByteSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size cannot be negative, was " + bytes);
    }
  }

  public static ByteSize ofBytes(long bytes) {
    return new ByteSize(bytes);
  }

  public static ByteSize ofKiB(long kib) {
    return new ByteSize(Math.multiplyExact(kib, 1L << 10));
  }

  public static ByteSize ofMiB(long mib) {
    return new ByteSize(Math.multiplyExact(mib, 1L << 20));
  }

  /**
   * Parses a size; the message of the exception names {@code what} and the bad text.
   *
   * @throws IllegalArgumentException if {@code text} is not a size or too large
   */
  public static ByteSize parse(String text, String what) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(what + ": '" + text + "' is not a size like 1048576, 512KiB, 32MiB or 1GiB");
    }
    try {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2);
      int shift = unit == null || unit.equals("B") ? 0 : 10 * (1 + Arrays.asList(UNITS).indexOf(unit));
      if (shift > 0 && n > Long.MAX_VALUE >> shift) {
        throw new ArithmeticException("overflow");
      }
      return new ByteSize(n << shift);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(what + ": '" + text + "' is larger than a size can be", e);
    }
  }

  /** The shortest exact text for this size ({@code 32MiB}, {@code 1000}), which {@link #parse} reads back. */
  public String format() {
    if (bytes == 0) {
      return "0";
    }
    for (int i = UNITS.length; i >= 1; i--) {
      long unit = 1L << (10 * i);
      if (bytes % unit == 0) {
        return bytes / unit + UNITS[i - 1];
      }
    }
    return Long.toString(bytes);
  }

  /** The size as an {@code int}, for APIs that take one. */
  public int toIntExact() {
    return Math.toIntExact(bytes);
  }

  @Override
  public int compareTo(ByteSize other) {
    return Long.compare(bytes, other.bytes);
  }

  @Override
  public String toString() {
    return format();
  }
}

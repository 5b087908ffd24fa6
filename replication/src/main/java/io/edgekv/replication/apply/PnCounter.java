package io.edgekv.replication.apply;

import java.math.BigInteger;
import java.util.Map;

/**
 * Totals of PN counters, computed exactly: each slot fits a signed 64-bit number, but the sum of
 * several regions' slots may not (concurrent increments in two regions merge by per-slot
 * maximum, which no region could refuse). Such a total is stored exactly and read as out of range.
 */
final class PnCounter {
  static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private PnCounter() {}

  /** The sum of the increments minus the sum of the decrements. */
  static BigInteger total(Map<String, Long> increments, Map<String, Long> decrements) {
    BigInteger total = BigInteger.ZERO;
    for (long p : increments.values()) {
      total = total.add(BigInteger.valueOf(p));
    }
    for (long n : decrements.values()) {
      total = total.subtract(BigInteger.valueOf(n));
    }
    return total;
  }

  static boolean inRange(BigInteger total) {
    return total.compareTo(MIN) >= 0 && total.compareTo(MAX) <= 0;
  }
}

package io.edgekv.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time of server processes from the kernel's counters: {@code utime + stime} of {@code
 * /proc/<pid>/stat}, in clock ticks (the harness converts them with {@code getconf CLK_TCK}).
 */
final class ProcCpu {
  private ProcCpu() {}

  /** The summed user and system ticks of {@code pids}. */
  static long ticks(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      try {
        sum += ticksOf(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the CPU time of process " + pid + " (did it exit?)", e);
      }
    }
    return sum;
  }

  /**
   * utime + stime from one {@code stat} line. The command name (field 2) is in parentheses and
   * may hold spaces and parentheses, so fields are counted from the last ')': utime and stime are
   * fields 14 and 15, the 12th and 13th after it.
   */
  static long ticksOf(String statLine) {
    int close = statLine.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + statLine);
    }
    String[] fields = statLine.substring(close + 2).trim().split("\\s+");
    if (fields.length < 13) {
      throw new IllegalArgumentException("too few fields in /proc/<pid>/stat line: " + statLine);
    }
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}

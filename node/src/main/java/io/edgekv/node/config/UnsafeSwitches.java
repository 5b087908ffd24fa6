package io.edgekv.node.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Deliberate correctness bugs that exist only so the chaos harness can prove its checkers catch
 * them (chaos-tests' self-tests, docs/chaos.md). Never set them on a real node.
 *
 * <p>Given to each node by whoever starts it ({@code NodeEnvironment}): the command line reads
 * them from the process environment with {@link #from}, where {@code EDGEKV_UNSAFE_TEST_SWITCHES}
 * is a comma-separated list of switch names, refused (a {@link ConfigException} at start) unless
 * {@code EDGEKV_ALLOW_UNSAFE_TEST_SWITCHES=1} is set as well, so a stray variable cannot weaken a
 * node; a test fixture sets them per node. A node with any switch on says so in an error-level
 * log line when it starts.
 */
public record UnsafeSwitches(Set<Switch> enabled) {

  public static final String SWITCHES_ENV = "EDGEKV_UNSAFE_TEST_SWITCHES";
  public static final String ALLOW_ENV = "EDGEKV_ALLOW_UNSAFE_TEST_SWITCHES";

  /** One deliberate bug. */
  public enum Switch {
    /** STRONG reads answer from the local replica without a Raft read index (stale reads). */
    STRONG_READS_LOCAL("strong-reads-local"),
    /** SESSION reads answer at once, without waiting for what the session token names. */
    SESSION_READS_LOCAL("session-reads-local"),
    /**
     * Puts and deletes arriving from another region are re-stamped with this node's clock before
     * they are merged, so the last to <em>arrive</em> wins instead of the last written: regions
     * disagree on versions and, for writes that cross in flight, on values (breaks LWW convergence).
     */
    REMOTE_RESTAMP("remote-restamp");

    private final String key;

    Switch(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  public static final UnsafeSwitches NONE = new UnsafeSwitches(Set.of());

  public UnsafeSwitches {
    enabled = enabled.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(enabled));
  }

  /**
   * The switches {@code env} names.
   *
   * @throws ConfigException naming the variable when a switch is unknown, or when switches
   *     are set without {@code EDGEKV_ALLOW_UNSAFE_TEST_SWITCHES=1}
   */
  public static UnsafeSwitches from(Map<String, String> env) {
    String list = env.getOrDefault(SWITCHES_ENV, "").trim();
    if (list.isEmpty()) {
      return NONE;
    }
    if (!"1".equals(env.get(ALLOW_ENV))) {
      throw new ConfigException(SWITCHES_ENV + " is set ('" + list + "') but " + ALLOW_ENV
          + "=1 is not: unsafe test switches break consistency and are refused");
    }
    EnumSet<Switch> out = EnumSet.noneOf(Switch.class);
    for (String name : list.split(",")) {
      String n = name.trim();
      if (n.isEmpty()) {
        continue;
      }
      out.add(Arrays.stream(Switch.values()).filter(s -> s.key.equals(n)).findFirst()
          .orElseThrow(() -> new ConfigException(SWITCHES_ENV + " names unknown switch '" + n + "' (known: "
              + Arrays.stream(Switch.values()).map(Switch::key).collect(Collectors.joining(", ")) + ")")));
    }
    return new UnsafeSwitches(out);
  }

  /** True if no switch is on (every real node). */
  public boolean none() {
    return enabled.isEmpty();
  }

  public boolean on(Switch s) {
    return enabled.contains(s);
  }
}

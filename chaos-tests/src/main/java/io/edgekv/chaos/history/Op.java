package io.edgekv.chaos.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;
import java.util.Locale;

/**
 * One line of a history: the invocation or the completion of one operation of one logical
 * process, or a nemesis event. The JSON form is
 * {@code {"index","time","process","type","f","key","value","node","region","final","consistency","error"}}.
 *
 * @param index position in the history (0-based, dense)
 * @param timeNanos nanoseconds since the run began (monotonic)
 * @param process the logical process; {@link #NEMESIS} for fault events
 * @param type invoke, ok, fail or info (unknown outcome)
 * @param f the operation: read, write, cas, delete, add, increment; start/stop/heal for the nemesis
 * @param key the key (or set / prefix) the operation is about; null for the nemesis
 * @param value the value written, read or compared; JSON null when none
 * @param node the node asked (invoke) or that answered (completion); may be null
 * @param region the region of {@code node}; may be null
 * @param fin whether this is a final read after heal and recovery
 * @param consistency the read consistency (STRONG, SESSION, EVENTUAL), null for writes
 * @param error the failure's code and message, for fail and info completions
 */
public record Op(long index, long timeNanos, int process, Type type, String f, String key, JsonNode value,
    String node, String region, boolean fin, String consistency, String error) {

  /** The process number of nemesis events. */
  public static final int NEMESIS = -1;

  public enum Type {
    INVOKE, OK, FAIL, INFO;

    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Op {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(f, "f");
    value = value == null ? NullNode.getInstance() : value;
  }

  public boolean isNemesis() {
    return process == NEMESIS;
  }

  public boolean isInvoke() {
    return type == Type.INVOKE;
  }

  public Op withIndex(long newIndex) {
    return new Op(newIndex, timeNanos, process, type, f, key, value, node, region, fin, consistency, error);
  }
}

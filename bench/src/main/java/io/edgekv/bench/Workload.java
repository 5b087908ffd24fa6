package io.edgekv.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One workload of {@code bench compare}: what each call does, how many calls are in flight on
 * the one connection, and the value size. Its name is the kind and concurrency ({@code
 * get-local-c64}); 1 KiB values add {@code -1k}, other sizes other than 100 B add {@code -<n>b}.
 */
public record Workload(Kind kind, int inFlight, int valueBytes) {

  /** The value size the table is measured with; its names carry no suffix. */
  public static final int BASE_VALUE_BYTES = 100;

  /** What a call does, and the anchor it is compared with. */
  public enum Kind {
    /** EdgeKV EVENTUAL get of the local node vs Redis GET. */
    GET_LOCAL("get-local", "redis"),
    /** EdgeKV put (Raft-committed, fsynced) vs etcd put. */
    PUT_DURABLE("put-durable", "etcd"),
    /** EdgeKV STRONG get vs etcd linearizable get. */
    GET_LINEARIZABLE("get-linearizable", "etcd");

    private final String label;
    private final String anchor;

    Kind(String label, String anchor) {
      this.label = label;
      this.anchor = anchor;
    }

    public String label() {
      return label;
    }

    /** The system EdgeKV is compared with on this kind. */
    public String anchor() {
      return anchor;
    }

    public static Kind ofLabel(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown workload kind '" + label + "'");
    }
  }

  public Workload {
    if (inFlight < 1) {
      throw new IllegalArgumentException("inFlight must be at least 1, got " + inFlight);
    }
    if (valueBytes < 0) {
      throw new IllegalArgumentException("valueBytes must not be negative, got " + valueBytes);
    }
  }

  public String name() {
    String base = kind.label() + "-c" + inFlight;
    if (valueBytes == BASE_VALUE_BYTES) {
      return base;
    }
    return valueBytes == 1024 ? base + "-1k" : base + "-" + valueBytes + "b";
  }

  /**
   * The set for one value size: local reads with 16 and 64 in flight, durable writes
   * and linearizable reads with 64 in flight.
   */
  public static List<Workload> standard(int valueBytes) {
    List<Workload> out = new ArrayList<>();
    out.add(new Workload(Kind.GET_LOCAL, 16, valueBytes));
    out.add(new Workload(Kind.GET_LOCAL, 64, valueBytes));
    out.add(new Workload(Kind.PUT_DURABLE, 64, valueBytes));
    out.add(new Workload(Kind.GET_LINEARIZABLE, 64, valueBytes));
    return out;
  }
}

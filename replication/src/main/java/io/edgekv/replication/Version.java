package io.edgekv.replication;

/**
 * The version of a stored change: hybrid-logical-clock time, then origin region. Versions are
 * totally ordered, and the greater one wins (last writer wins) on every replica alike.
 */
public record Version(long hlc, String originRegion) implements Comparable<Version> {
  public static Version of(io.edgekv.api.v1.Version proto) {
    return new Version(proto.getHlc(), proto.getOriginRegion());
  }

  public io.edgekv.api.v1.Version toProto() {
    return io.edgekv.api.v1.Version.newBuilder().setHlc(hlc).setOriginRegion(originRegion).build();
  }

  @Override
  public int compareTo(Version other) {
    int byClock = Long.compareUnsigned(hlc, other.hlc);
    return byClock != 0 ? byClock : originRegion.compareTo(other.originRegion);
  }

  @Override
  public String toString() {
    return hlc + "@" + originRegion;
  }
}

package io.edgekv.sim;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bytes PoPs send between regions, by kind of message, in total and per time bucket. Counted
 * when a PoP sends (also when the network then loses the message); duplicates the simulated
 * network injects are not counted (no PoP sent them). A message counts its protobuf bytes plus
 * the 5-byte gRPC length prefix; HTTP/2 frame headers and TLS records are not modelled.
 */
final class Traffic {
  /** What a message is, for the breakdown of the figures. */
  enum Kind {
    /** A replication batch holding mutations (first send or retransmission). */
    BATCH,
    /** A replication request without mutations: vector gossip. */
    GOSSIP,
    /** The answer to a batch or gossip: the receiver's vector. */
    ANSWER,
    /** Anti-entropy: digest requests and answers, repair batches and their answers. */
    ANTI_ENTROPY,
    /** An error answer (no leader, refused). */
    ERROR
  }

  static final int GRPC_PREFIX_BYTES = 5;
  static final long BUCKET_MILLIS = 10_000;

  private final Map<Kind, Long> bytes = new EnumMap<>(Kind.class);
  private final Map<Kind, Long> messages = new EnumMap<>(Kind.class);
  private final TreeMap<Long, Map<Kind, Long>> perBucket = new TreeMap<>();

  void sent(long now, Kind kind, int serializedBytes) {
    long size = serializedBytes + GRPC_PREFIX_BYTES;
    bytes.merge(kind, size, Long::sum);
    messages.merge(kind, 1L, Long::sum);
    perBucket.computeIfAbsent(now / BUCKET_MILLIS, b -> new EnumMap<>(Kind.class)).merge(kind, size, Long::sum);
  }

  long bytes(Kind kind) {
    return bytes.getOrDefault(kind, 0L);
  }

  long messages(Kind kind) {
    return messages.getOrDefault(kind, 0L);
  }

  long totalBytes() {
    return bytes.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Bytes of one kind per time bucket ({@link #BUCKET_MILLIS}), from bucket 0 to the last one with traffic. */
  long[] series(Kind kind) {
    if (perBucket.isEmpty()) {
      return new long[0];
    }
    long[] out = new long[(int) (perBucket.lastKey() + 1)];
    perBucket.forEach((bucket, kinds) -> out[bucket.intValue()] = kinds.getOrDefault(kind, 0L));
    return out;
  }
}

package io.edgekv.replication.storage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A key inside a namespace. Stored as {@code namespace 0x00 key}: namespaces never contain
 * 0x00, so all keys of a namespace, and all keys with a given prefix, are one contiguous range.
 */
public record EntryKey(String namespace, byte[] key) implements Comparable<EntryKey> {
  public static final Codec<EntryKey> CODEC = new Codec<>() {
    @Override
    public byte[] encode(EntryKey value) {
      return value.toBytes();
    }

    @Override
    public EntryKey decode(byte[] bytes) {
      return EntryKey.fromBytes(bytes);
    }
  };

  public byte[] toBytes() {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[ns.length + 1 + key.length];
    System.arraycopy(ns, 0, out, 0, ns.length);
    System.arraycopy(key, 0, out, ns.length + 1, key.length);
    return out;
  }

  public static EntryKey fromBytes(byte[] bytes) {
    int sep = 0;
    while (bytes[sep] != 0) {
      sep++;
    }
    return new EntryKey(new String(bytes, 0, sep, StandardCharsets.UTF_8),
        Arrays.copyOfRange(bytes, sep + 1, bytes.length));
  }

  /** True when this key is in {@code namespace} and starts with {@code prefix}. */
  public boolean hasPrefix(String namespace, byte[] prefix) {
    return this.namespace.equals(namespace) && key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  @Override
  public int compareTo(EntryKey other) {
    return Arrays.compareUnsigned(toBytes(), other.toBytes());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntryKey other && namespace.equals(other.namespace) && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return namespace.hashCode() * 31 + Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return namespace + "/" + new String(key, StandardCharsets.UTF_8);
  }
}

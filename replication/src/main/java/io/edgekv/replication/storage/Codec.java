package io.edgekv.replication.storage;

/** Converts one type to and from the bytes a RocksDB column family stores. */
public interface Codec<T> {
  byte[] encode(T value);

  T decode(byte[] bytes);

  Codec<byte[]> BYTES = new Codec<>() {
    @Override
    public byte[] encode(byte[] value) {
      return value;
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }
  };
}

package io.edgekv.replication.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

/** Stores a protobuf message; the message itself carries its format number (field 1). */
public final class ProtoCodec<T extends MessageLite> implements Codec<T> {
  private final Parser<T> parser;

  public ProtoCodec(Parser<T> parser) {
    this.parser = parser;
  }

  @Override
  public byte[] encode(T value) {
    return value.toByteArray();
  }

  @Override
  public T decode(byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw StorageException.corruptRecord(e);
    }
  }
}

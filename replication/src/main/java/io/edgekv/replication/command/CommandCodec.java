package io.edgekv.replication.command;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.internal.v1.DeleteCommand;
import io.edgekv.internal.v1.PutCommand;
import io.edgekv.internal.v1.RaftCommand;
import java.util.List;
import java.util.Map;

/** The one encoding of {@link Proposal}s in the Raft log. Format 1 is {@link RaftCommand}. */
public final class CommandCodec {
  public static final int FORMAT = 1;

  private CommandCodec() {}

  public static byte[] encode(Proposal proposal) {
    RaftCommand.Builder out = RaftCommand.newBuilder()
        .setFormat(FORMAT)
        .setRequestId(proposal.requestId())
        .setHlc(proposal.hlc())
        .setOriginRegion(proposal.originRegion());
    switch (proposal.command()) {
      case Command.Put put -> out.setPut(PutCommand.newBuilder()
          .setNamespace(put.namespace())
          .setKey(ByteString.copyFrom(put.key()))
          .setValue(ByteString.copyFrom(put.value()))
          .putAllMetadata(put.metadata())
          .addAllTags(put.tags())
          .setTtlMs(put.ttlMillis())
          .setExpiresAtUnixMs(put.expiresAtMillis())
          .setCondition(put.condition().toProto()));
      case Command.Delete delete -> out.setDelete(DeleteCommand.newBuilder()
          .setNamespace(delete.namespace())
          .setKey(ByteString.copyFrom(delete.key()))
          .setCondition(delete.condition().toProto()));
    }
    return out.build().toByteArray();
  }

  /** Decodes a log entry; throws {@link IllegalArgumentException} for bytes of an unknown format. */
  public static Proposal decode(byte[] bytes) {
    RaftCommand in;
    try {
      in = RaftCommand.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("undecodable Raft command", e);
    }
    if (in.getFormat() != FORMAT) {
      throw new IllegalArgumentException("unknown Raft command format " + in.getFormat());
    }
    Command command = switch (in.getCommandCase()) {
      case PUT -> {
        PutCommand p = in.getPut();
        yield new Command.Put(p.getNamespace(), p.getKey().toByteArray(), p.getValue().toByteArray(),
            Map.copyOf(p.getMetadataMap()), List.copyOf(p.getTagsList()), p.getTtlMs(),
            p.getExpiresAtUnixMs(), WriteCondition.of(p.getCondition()));
      }
      case DELETE -> {
        DeleteCommand d = in.getDelete();
        yield new Command.Delete(d.getNamespace(), d.getKey().toByteArray(), WriteCondition.of(d.getCondition()));
      }
      case COMMAND_NOT_SET -> throw new IllegalArgumentException("Raft command without a command");
    };
    return new Proposal(in.getRequestId(), in.getHlc(), in.getOriginRegion(), command);
  }
}

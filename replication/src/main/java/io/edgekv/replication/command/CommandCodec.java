package io.edgekv.replication.command;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.api.v1.TxnCheck;
import io.edgekv.internal.v1.ApplyRemoteCommand;
import io.edgekv.internal.v1.DeleteCommand;
import io.edgekv.internal.v1.PublishCommand;
import io.edgekv.internal.v1.PurgeCommand;
import io.edgekv.internal.v1.RegisterDataKeyCommand;
import io.edgekv.internal.v1.RepairCommand;
import io.edgekv.internal.v1.ExpireCommand;
import io.edgekv.internal.v1.ExpireTarget;
import io.edgekv.internal.v1.ProposalBatch;
import io.edgekv.internal.v1.PutCommand;
import io.edgekv.internal.v1.RaftCommand;
import io.edgekv.internal.v1.TouchCommand;
import io.edgekv.internal.v1.TxnCommand;
import io.edgekv.replication.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.edgekv.internal.v1.IncrementCommand;

/**
 * The one encoding of {@link Proposal}s in the Raft log. Format 1 is one {@link RaftCommand};
 * format 2 ({@link #BATCH_FORMAT}) is a {@link ProposalBatch} of them (group commit), both as a
 * request to the state machine and as a log entry. Both start with their format number in field
 * 1, which tells them apart.
 */
public final class CommandCodec {
  public static final int FORMAT = 1;
  /** A {@link ProposalBatch}: several proposals in one Raft entry. */
  public static final int BATCH_FORMAT = 2;
  /** Stands in a batch for a proposal the leader could not decode: apply records it as failed. */
  private static final byte[] UNDECODABLE = RaftCommand.newBuilder().setFormat(FORMAT).build().toByteArray();

  /** A decoded log entry: its proposals (an element is null where one cannot be decoded), and whether it was a batch. */
  public record Entry(boolean batch, List<Proposal> proposals) {}

  private CommandCodec() {}

  public static byte[] encode(Proposal proposal) {
    RaftCommand.Builder out = RaftCommand.newBuilder()
        .setFormat(FORMAT)
        .setRequestId(proposal.requestId())
        .setHlc(proposal.hlc())
        .setOriginRegion(proposal.originRegion());
    switch (proposal.command()) {
      case Command.Put put -> out.setPut(put(put));
      case Command.Delete delete -> out.setDelete(delete(delete));
      case Command.Touch touch -> out.setTouch(TouchCommand.newBuilder()
          .setNamespace(touch.namespace())
          .setKey(ByteString.copyFrom(touch.key()))
          .setTtlMs(touch.ttlMillis())
          .setExpiresAtUnixMs(touch.expiresAtMillis()));
      case Command.CollectTombstones collect -> {
        out.setCollectTombstones(targets(collect.targets()));
      }
      case Command.Expire expire -> {
        out.setExpire(targets(expire.targets()));
      }
      case Command.Purge purge -> out.setPurge(purge(purge));
      case Command.Increment inc -> out.setIncrement(IncrementCommand.newBuilder()
          .setNamespace(inc.namespace()).setKey(ByteString.copyFrom(inc.key())).setDelta(inc.delta()));
      case Command.Publish publish -> out.setPublish(PublishCommand.newBuilder()
          .setNamespace(publish.namespace()).setTopic(publish.topic())
          .setPayload(ByteString.copyFrom(publish.payload())).setPublishId(publish.publishId()));
      case Command.ApplyRemote remote -> out.setApplyRemote(ApplyRemoteCommand.newBuilder()
          .addAllMutations(remote.mutations()));
      case Command.Repair repair -> out.setRepair(RepairCommand.newBuilder()
          .addAllMutations(repair.mutations()).putAllVersionVector(repair.versionVector()));
      case Command.RegisterDataKey key -> out.setRegisterDataKey(RegisterDataKeyCommand.newBuilder()
          .setNamespace(key.namespace()).setKeyId(ByteString.copyFrom(key.keyId()))
          .setWrappedKey(ByteString.copyFrom(key.wrappedKey())).setRotate(key.rotate()));
      case Command.Txn txn -> {
        TxnCommand.Builder t = TxnCommand.newBuilder().setNamespace(txn.namespace());
        txn.checks().forEach(c -> t.addChecks(TxnCheck.newBuilder()
            .setKey(ByteString.copyFrom(c.key())).setCondition(c.condition().toProto())));
        txn.puts().forEach(p -> t.addPuts(put(p)));
        txn.deletes().forEach(d -> t.addDeletes(delete(d)));
        out.setTxn(t);
      }
    }
    return out.build().toByteArray();
  }

  public static PurgeCommand purge(Command.Purge purge) {
    PurgeCommand.Builder out = PurgeCommand.newBuilder().setNamespace(purge.namespace()).setSoft(purge.soft())
        .setPurgeId(purge.purgeId());
    switch (purge.selector()) {
      case Command.PurgeSelector.Key k -> out.setKey(ByteString.copyFrom(k.key()));
      case Command.PurgeSelector.Prefix p -> out.setPrefix(ByteString.copyFrom(p.prefix()));
      case Command.PurgeSelector.Tag t -> out.setTag(t.tag());
    }
    return out.build();
  }

  public static Command.Purge purge(PurgeCommand p) {
    Command.PurgeSelector selector = switch (p.getSelectorCase()) {
      case KEY -> new Command.PurgeSelector.Key(p.getKey().toByteArray());
      case PREFIX -> new Command.PurgeSelector.Prefix(p.getPrefix().toByteArray());
      case TAG -> new Command.PurgeSelector.Tag(p.getTag());
      case SELECTOR_NOT_SET -> throw new IllegalArgumentException("purge without a selector");
    };
    return new Command.Purge(p.getNamespace(), selector, p.getSoft(), p.getPurgeId());
  }

  private static ExpireCommand targets(List<Command.ExpireTarget> targets) {
    ExpireCommand.Builder out = ExpireCommand.newBuilder();
    for (Command.ExpireTarget t : targets) {
      out.addTargets(ExpireTarget.newBuilder().setNamespace(t.namespace())
          .setKey(ByteString.copyFrom(t.key())).setVersion(t.version().toProto()));
    }
    return out.build();
  }

  private static List<Command.ExpireTarget> targets(ExpireCommand in) {
    return in.getTargetsList().stream()
        .map(t -> new Command.ExpireTarget(t.getNamespace(), t.getKey().toByteArray(), Version.of(t.getVersion())))
        .toList();
  }

  private static PutCommand put(Command.Put put) {
    return PutCommand.newBuilder()
        .setNamespace(put.namespace())
        .setKey(ByteString.copyFrom(put.key()))
        .setValue(ByteString.copyFrom(put.value()))
        .putAllMetadata(put.metadata())
        .addAllTags(put.tags())
        .setTtlMs(put.ttlMillis())
        .setExpiresAtUnixMs(put.expiresAtMillis())
        .setCondition(put.condition().toProto())
        .build();
  }

  private static DeleteCommand delete(Command.Delete delete) {
    return DeleteCommand.newBuilder()
        .setNamespace(delete.namespace())
        .setKey(ByteString.copyFrom(delete.key()))
        .setCondition(delete.condition().toProto())
        .build();
  }

  /** Several encoded proposals as one batch ({@link #BATCH_FORMAT}). */
  public static byte[] encodeBatch(List<byte[]> proposals) {
    ProposalBatch.Builder out = ProposalBatch.newBuilder().setFormat(BATCH_FORMAT);
    proposals.forEach(p -> out.addProposals(ByteString.copyFrom(p)));
    return out.build().toByteArray();
  }

  /** A batch element the leader could not decode ({@link #decodeEntry} yields null for it). */
  public static byte[] undecodable() {
    return UNDECODABLE.clone();
  }

  /**
   * The elements of a {@link #BATCH_FORMAT} batch, or null when {@code bytes} are one proposal
   * (format 1). Throws {@link IllegalArgumentException} for bytes of no known format.
   */
  public static List<byte[]> batchElements(byte[] bytes) {
    ProposalBatch batch;
    try {
      batch = ProposalBatch.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("undecodable Raft command", e);
    }
    return switch (batch.getFormat()) {
      case FORMAT -> null;
      case BATCH_FORMAT -> batch.getProposalsList().stream().map(ByteString::toByteArray).toList();
      default -> throw new IllegalArgumentException("unknown Raft command format " + batch.getFormat());
    };
  }

  /**
   * Decodes a log entry of either format; throws {@link IllegalArgumentException} when the entry
   * as a whole has no known format. A batch element that cannot be decoded is null.
   */
  public static Entry decodeEntry(byte[] bytes) {
    List<byte[]> elements = batchElements(bytes);
    if (elements == null) {
      return new Entry(false, List.of(decode(bytes)));
    }
    List<Proposal> proposals = new ArrayList<>(elements.size());
    for (byte[] element : elements) {
      Proposal proposal;
      try {
        proposal = decode(element);
      } catch (IllegalArgumentException e) {
        proposal = null;
      }
      proposals.add(proposal);
    }
    return new Entry(true, proposals);
  }

  /** Decodes one proposal; throws {@link IllegalArgumentException} for bytes of an unknown format. */
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
      case PUT -> put(in.getPut());
      case DELETE -> delete(in.getDelete());
      case TOUCH -> {
        TouchCommand t = in.getTouch();
        yield new Command.Touch(t.getNamespace(), t.getKey().toByteArray(), t.getTtlMs(), t.getExpiresAtUnixMs());
      }
      case EXPIRE -> new Command.Expire(targets(in.getExpire()));
      case TXN -> {
        TxnCommand t = in.getTxn();
        yield new Command.Txn(t.getNamespace(),
            t.getChecksList().stream()
                .map(c -> new Command.TxnCheck(c.getKey().toByteArray(), WriteCondition.of(c.getCondition()))).toList(),
            t.getPutsList().stream().map(CommandCodec::put).toList(),
            t.getDeletesList().stream().map(CommandCodec::delete).toList());
      }
      case PURGE -> purge(in.getPurge());
      case COLLECT_TOMBSTONES -> new Command.CollectTombstones(targets(in.getCollectTombstones()));
      case INCREMENT -> new Command.Increment(in.getIncrement().getNamespace(),
          in.getIncrement().getKey().toByteArray(), in.getIncrement().getDelta());
      case PUBLISH -> new Command.Publish(in.getPublish().getNamespace(), in.getPublish().getTopic(),
          in.getPublish().getPayload().toByteArray(), in.getPublish().getPublishId());
      case APPLY_REMOTE -> new Command.ApplyRemote(List.copyOf(in.getApplyRemote().getMutationsList()));
      case REPAIR -> new Command.Repair(List.copyOf(in.getRepair().getMutationsList()),
          Map.copyOf(in.getRepair().getVersionVectorMap()));
      case REGISTER_DATA_KEY -> new Command.RegisterDataKey(in.getRegisterDataKey().getNamespace(),
          in.getRegisterDataKey().getKeyId().toByteArray(), in.getRegisterDataKey().getWrappedKey().toByteArray(),
          in.getRegisterDataKey().getRotate());
      case COMMAND_NOT_SET -> throw new IllegalArgumentException("Raft command without a command");
    };
    return new Proposal(in.getRequestId(), in.getHlc(), in.getOriginRegion(), command);
  }

  private static Command.Put put(PutCommand p) {
    return new Command.Put(p.getNamespace(), p.getKey().toByteArray(), p.getValue().toByteArray(),
        Map.copyOf(p.getMetadataMap()), List.copyOf(p.getTagsList()), p.getTtlMs(),
        p.getExpiresAtUnixMs(), WriteCondition.of(p.getCondition()));
  }

  private static Command.Delete delete(DeleteCommand d) {
    return new Command.Delete(d.getNamespace(), d.getKey().toByteArray(), WriteCondition.of(d.getCondition()));
  }
}

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
import io.edgekv.internal.v1.PutCommand;
import io.edgekv.internal.v1.RaftCommand;
import io.edgekv.internal.v1.TouchCommand;
import io.edgekv.internal.v1.TxnCommand;
import io.edgekv.replication.Version;
import java.util.List;
import java.util.Map;
import io.edgekv.internal.v1.IncrementCommand;

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

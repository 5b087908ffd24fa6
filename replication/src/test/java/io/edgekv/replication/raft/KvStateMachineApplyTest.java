package io.edgekv.replication.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.replication.ChangeListener;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.CommandCodec;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.command.WriteCondition;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.storage.EntryKey;
import io.edgekv.replication.storage.StorageOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state machine around the applier: entries it cannot decode become recorded failures, not a stop. */
class KvStateMachineApplyTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;
  private KvStateMachine machine;

  @BeforeEach
  void open() {
    machine = new KvStateMachine(0, "eu-west", dir.resolve("engine"), StorageOptions.SMALL, new HybridClock(CLOCK),
        ChangeListener.NONE);
  }

  @AfterEach
  void close() throws IOException {
    machine.close();
  }

  private CommandResult apply(long index, byte[] logData) throws Exception {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(logData)))
        .build();
    TransactionContext trx = TransactionContext.newBuilder().setStateMachine(machine)
        .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build();
    Message reply = machine.applyTransaction(trx).join();
    return CommandResult.parseFrom(reply.getContent().toByteArray());
  }

  @Test
  void anUndecodableEntryIsARecordedFailureAndTheNextEntryApplies() throws Exception {
    byte[] put = CommandCodec.encode(new Proposal("", HybridClock.fromMillis(CLOCK.millis()), "eu-west",
        new Command.Put("default", "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8),
            Map.of(), List.of(), 0, 0, WriteCondition.NONE)));

    CommandResult garbage = apply(1, new byte[] {(byte) 0xff, 0x01, 0x02});
    CommandResult next = apply(2, put);

    assertEquals("INTERNAL", garbage.getFailed().getCode(), garbage.toString());
    assertTrue(next.hasApplied(), next.toString());
    assertEquals(2, machine.appliedIndex().get());
    assertEquals("v", machine.read(engine -> engine.entries.get(
        new EntryKey("default", "k".getBytes(StandardCharsets.UTF_8)))).getValue().toStringUtf8());
  }

  @Test
  void theLeaderRejectsATtlBeyondTheLimitBeforeItIsAppended() {
    byte[] put = CommandCodec.encode(new Proposal("", 0, "", new Command.Put("default",
        "k".getBytes(StandardCharsets.UTF_8), new byte[0], Map.of(), List.of(), Long.MAX_VALUE, 0, WriteCondition.NONE)));
    org.apache.ratis.protocol.RaftClientRequest request = org.apache.ratis.protocol.RaftClientRequest.newBuilder()
        .setClientId(org.apache.ratis.protocol.ClientId.randomId())
        .setServerId(org.apache.ratis.protocol.RaftPeerId.valueOf("n1"))
        .setGroupId(org.apache.ratis.protocol.RaftGroupId.randomId())
        .setCallId(1).setMessage(Message.valueOf(ByteString.copyFrom(put)))
        .setType(org.apache.ratis.protocol.RaftClientRequest.writeRequestType()).build();

    IOException rejected = assertThrows(IOException.class, () -> machine.startTransaction(request));

    assertTrue(rejected.getMessage().contains("ttl_ms"), rejected.getMessage());
  }
}

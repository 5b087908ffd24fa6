package io.edgekv.replication.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.internal.v1.Applied;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.CommandResults;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/**
 * Natural batching on the leader: while a batch is being committed, proposals queue and then go
 * together as one request (bounded in count and bytes), each completing from its own result.
 */
class GroupCommitTest {
  private record Sent(List<byte[]> proposals, CompletableFuture<RaftClientReply> reply) {}

  private final List<Sent> sent = new ArrayList<>();
  private final GroupCommit group = new GroupCommit(0, 100, (proposals, deadline) -> {
    CompletableFuture<RaftClientReply> reply = new CompletableFuture<>();
    sent.add(new Sent(proposals, reply));
    return reply;
  });

  @Test
  void proposalsArrivingWhileABatchIsInFlightGoTogetherNext() throws Exception {
    CompletableFuture<GroupCommit.Answer> first = group.add(new byte[] {1}, Deadline.afterMillis(5000));
    assertEquals(1, sent.size(), "a lone proposal on an idle shard goes at once: no timer");
    List<CompletableFuture<GroupCommit.Answer>> next = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      next.add(group.add(new byte[] {(byte) (10 + i)}, Deadline.afterMillis(5000)));
    }
    assertEquals(1, sent.size(), "while one batch is in flight the next accumulates");
    sent.get(0).reply().complete(reply(1));
    assertEquals(1, first.get(1, TimeUnit.SECONDS).result().getApplied().getIndex());
    assertEquals(2, sent.size());
    assertEquals(5, sent.get(1).proposals().size(), "everything queued went as one batch");
    sent.get(1).reply().complete(reply(5));
    for (int i = 0; i < 5; i++) {
      assertEquals(i + 1, next.get(i).get(1, TimeUnit.SECONDS).result().getApplied().getIndex(),
          "each proposal completes from its own result");
    }
  }

  @Test
  void aBatchIsBoundedInBytesAndAnExpiredProposalIsNotProposed() throws Exception {
    group.add(new byte[1], Deadline.afterMillis(5000));
    CompletableFuture<GroupCommit.Answer> a = group.add(new byte[60], Deadline.afterMillis(5000));
    CompletableFuture<GroupCommit.Answer> b = group.add(new byte[60], Deadline.afterMillis(5000));
    CompletableFuture<GroupCommit.Answer> late = group.add(new byte[1], Deadline.afterMillis(1));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!late.isDone() && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertThrows(ExecutionException.class, () -> late.get(1, TimeUnit.SECONDS), "fails at its deadline");
    sent.get(0).reply().complete(reply(1));
    assertEquals(2, sent.size());
    assertEquals(1, sent.get(1).proposals().size(), "60 + 60 bytes exceed the bound of 100");
    sent.get(1).reply().complete(reply(1));
    assertEquals(3, sent.size(), "the expired proposal was dropped, not proposed");
    assertEquals(60, sent.get(2).proposals().getFirst().length);
    sent.get(2).reply().complete(reply(1));
    assertTrue(a.get(1, TimeUnit.SECONDS).reply().isSuccess());
    assertTrue(b.get(1, TimeUnit.SECONDS).reply().isSuccess());
  }

  @Test
  void aFailedBatchFailsItsProposalsAndTheNextBatchStillGoes() throws Exception {
    CompletableFuture<GroupCommit.Answer> first = group.add(new byte[] {1}, Deadline.afterMillis(5000));
    CompletableFuture<GroupCommit.Answer> second = group.add(new byte[] {2}, Deadline.afterMillis(5000));
    sent.get(0).reply().completeExceptionally(new IllegalStateException("the leader stepped down"));
    assertThrows(ExecutionException.class, () -> first.get(1, TimeUnit.SECONDS));
    assertFalse(second.isDone());
    sent.get(1).reply().complete(reply(2));
    assertThrows(ExecutionException.class, () -> second.get(1, TimeUnit.SECONDS),
        "two results for a batch of one is a defect, never a wrong answer");
  }

  private static RaftClientReply reply(int results) {
    CommandResults.Builder out = CommandResults.newBuilder();
    for (int i = 1; i <= results; i++) {
      out.addResults(CommandResult.newBuilder().setApplied(Applied.newBuilder().setIndex(i)));
    }
    return RaftClientReply.newBuilder().setClientId(ClientId.randomId()).setServerId(RaftPeerId.valueOf("n1"))
        .setGroupId(RaftGroupId.randomId()).setCallId(1).setSuccess(true)
        .setMessage(Message.valueOf(ByteString.copyFrom(out.build().toByteArray()))).build();
  }
}

package io.edgekv.replication.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.internal.v1.ReadIndexResponse;
import io.edgekv.internal.v1.ShardTermResponse;
import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.pipeline.LeaderLink;
import io.edgekv.replication.pipeline.ShardProposer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The node's link to the members of one shard group: the internal service of a member whose
 * address the node knows (its topology), else the shard's Raft client, which reaches every
 * member (a member added at run time is not in the static topology). Through Raft, a proposal
 * is a Raft write; a read index and a term are Raft read-only requests that the member's state
 * machine answers ({@link #answer}).
 */
final class RaftRouteLink implements LeaderLink {
  private static final ByteString READ_INDEX = ByteString.copyFromUtf8("edgekv/read-index");
  private static final ByteString TERM = ByteString.copyFromUtf8("edgekv/term");

  private final int shard;
  private final LeaderLink direct;
  private final Supplier<RaftClient> client;

  RaftRouteLink(int shard, LeaderLink direct, Supplier<RaftClient> client) {
    this.shard = shard;
    this.direct = direct;
    this.client = client;
  }

  @Override
  public CompletableFuture<ProposeResponse> propose(String leaderId, int s, byte[] proposal, Deadline deadline) {
    if (direct.reaches(leaderId)) {
      return direct.propose(leaderId, s, proposal, deadline);
    }
    return within(client.get().async().send(Message.valueOf(ByteString.copyFrom(proposal))), deadline)
        .thenApply(content -> {
          CommandResult result = parse(content, CommandResult::parseFrom);
          return ProposeResponse.newBuilder().setResult(result).build();
        });
  }

  @Override
  public CompletableFuture<ReadIndexResponse> readIndex(String leaderId, int s, Deadline deadline) {
    if (direct.reaches(leaderId)) {
      return direct.readIndex(leaderId, s, deadline);
    }
    // The leader's state machine confirms the read index itself: no Ratis read index first.
    return within(client.get().async().sendReadOnlyNonLinearizable(Message.valueOf(READ_INDEX)), deadline)
        .thenApply(content -> {
          ReadIndexResponse response = parse(content, ReadIndexResponse::parseFrom);
          return checked(response.getFormat(), response);
        });
  }

  @Override
  public CompletableFuture<Long> term(String nodeId, int s, Deadline deadline) {
    if (direct.reaches(nodeId)) {
      return direct.term(nodeId, s, deadline);
    }
    return within(client.get().async().sendStaleRead(Message.valueOf(TERM), 0, RaftPeerId.valueOf(nodeId)), deadline)
        .thenApply(content -> {
          ShardTermResponse response = parse(content, ShardTermResponse::parseFrom);
          return checked(response.getFormat(), response).getTerm();
        });
  }

  /**
   * A member's answer to a Raft read-only request of {@link RaftRouteLink}: its confirmed read
   * index ({@link ShardProposer#readIndexHere}) or its current term; empty for anything else.
   */
  static CompletableFuture<Message> answer(Message request, ShardProposer proposer, LongSupplier term,
      Deadline deadline) {
    if (request.getContent().equals(READ_INDEX)) {
      return proposer.readIndexHere(deadline).thenApply(r -> Message.valueOf(ByteString.copyFrom(r.toByteArray())));
    }
    if (request.getContent().equals(TERM)) {
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
          ShardTermResponse.newBuilder().setFormat(1).setTerm(term.getAsLong()).build().toByteArray())));
    }
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  private CompletableFuture<byte[]> within(CompletableFuture<RaftClientReply> call, Deadline deadline) {
    return call.orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS).thenApply(reply -> {
      if (!reply.isSuccess()) {
        throw new WriteUnavailableException("shard " + shard + ": " + reply.getException(), reply.getException());
      }
      return reply.getMessage().getContent().toByteArray();
    });
  }

  /** An answer of an older release (an empty message) must never read as index 0 or term 0. */
  private <T> T checked(int format, T response) {
    if (format != 1) {
      throw new WriteUnavailableException("shard " + shard + ": a member answered without a read index or term"
          + " (an older release?)", null);
    }
    return response;
  }

  private interface Parser<T> {
    T parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  private <T> T parse(byte[] content, Parser<T> parser) {
    try {
      return parser.parse(content);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("shard " + shard + ": undecodable answer through Raft", e);
    }
  }
}

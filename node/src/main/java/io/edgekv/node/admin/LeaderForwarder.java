package io.edgekv.node.admin;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.ProposeRequest;
import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.internal.v1.ReadIndexRequest;
import io.edgekv.internal.v1.ReadIndexResponse;
import io.edgekv.internal.v1.ShardTermRequest;
import io.edgekv.internal.v1.ShardTermResponse;
import io.edgekv.replication.OverloadedException;
import io.edgekv.replication.ProposalRejectedException;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.pipeline.LeaderLink;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Forwards a proposal or a read-index request to the shard leader's internal service ({@code
 * Propose}, {@code ReadIndex}) and asks members their term ({@code ShardTerm}), bounded by the
 * request's deadline. The answer arrives on the transport thread and is only handed on: nothing
 * here blocks. The leader's refusals keep their meaning: full is {@link OverloadedException},
 * invalid is {@link ProposalRejectedException}; anything else is a transport failure the
 * pipeline may retry.
 */
public final class LeaderForwarder implements LeaderLink {
  private final Function<String, ManagedChannel> channels;
  private final Predicate<String> known;

  /** @param known whether a node's internal address is known (it is in the topology) */
  public LeaderForwarder(Function<String, ManagedChannel> channels, Predicate<String> known) {
    this.channels = channels;
    this.known = known;
  }

  @Override
  public boolean reaches(String nodeId) {
    return known.test(nodeId);
  }

  @Override
  public CompletableFuture<ProposeResponse> propose(String leaderId, int shard, byte[] proposal, Deadline deadline) {
    return call(leaderId, deadline, stub -> stub.propose(ProposeRequest.newBuilder().setFormat(1).setShard(shard)
        .setProposal(ByteString.copyFrom(proposal)).build()));
  }

  @Override
  public CompletableFuture<ReadIndexResponse> readIndex(String leaderId, int shard, Deadline deadline) {
    return call(leaderId, deadline, stub -> stub.readIndex(ReadIndexRequest.newBuilder().setFormat(1)
        .setShard(shard).build()));
  }

  @Override
  public CompletableFuture<Long> term(String nodeId, int shard, Deadline deadline) {
    return call(nodeId, deadline, stub -> stub.shardTerm(ShardTermRequest.newBuilder().setFormat(1)
        .setShard(shard).build())).thenApply(ShardTermResponse::getTerm);
  }

  /** One unary call to {@code nodeId}'s internal service, ended at the deadline; never blocks. */
  private <T> CompletableFuture<T> call(String nodeId, Deadline deadline,
      Function<InternalServiceGrpc.InternalServiceFutureStub, ListenableFuture<T>> rpc) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      ListenableFuture<T> call = rpc.apply(InternalServiceGrpc.newFutureStub(channels.apply(nodeId))
          .withDeadlineAfter(Math.max(1, deadline.remainingNanos()), TimeUnit.NANOSECONDS));
      Futures.addCallback(call, new FutureCallback<>() {
        @Override
        public void onSuccess(T response) {
          out.complete(response);
        }

        @Override
        public void onFailure(Throwable error) {
          out.completeExceptionally(translate(nodeId, error));
        }
      }, MoreExecutors.directExecutor());
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
    }
    return out;
  }

  private static Throwable translate(String leaderId, Throwable error) {
    Status status = Status.fromThrowable(error);
    return switch (status.getCode()) {
      case RESOURCE_EXHAUSTED -> new OverloadedException("leader " + leaderId, "its pipeline limit",
          Duration.ofMillis(200), "the shard leader " + leaderId + " is overloaded: " + status.getDescription());
      case INVALID_ARGUMENT -> new ProposalRejectedException(String.valueOf(status.getDescription()), error);
      default -> error;
    };
  }
}

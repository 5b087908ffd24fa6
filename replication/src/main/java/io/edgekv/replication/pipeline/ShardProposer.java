package io.edgekv.replication.pipeline;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.replication.OverloadedException;
import io.edgekv.replication.ProposalRejectedException;
import io.edgekv.replication.ReadUnavailableException;
import io.edgekv.replication.WriteUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The write and linearizable-read pipeline of one shard on one node (DESIGN section 14).
 *
 * <ul>
 *   <li>Admission control: at most so many proposals and bytes, and so many read barriers,
 *       outstanding; beyond that a request is refused at once ({@link OverloadedException}).
 *   <li>Deadlines: every request carries one; nothing is proposed after it, every retry ends at
 *       it, and the returned future completes by it.
 *   <li>No hop to itself: on the leader a proposal goes straight to the local Ratis server; on a
 *       follower it is forwarded to the leader's internal service ({@link LeaderLink}); while no
 *       leader is known it is retried briefly, until the deadline.
 *   <li>Nothing blocks the calling thread: there is no Raft client with its bounded request
 *       window here, only futures and a scheduler for retry pauses.
 * </ul>
 *
 * <p>Retries: a refusal that says the proposal was not appended (not the leader, leader not
 * ready, no leader) is retried; a forwarded call that failed in transit is retried only when the
 * proposal has a request id, which the state machine deduplicates.
 */
public final class ShardProposer {
  /** Pause between attempts while the shard has no (ready) leader. */
  static final long RETRY_PAUSE_MILLIS = 25;

  private final int shard;
  private final String region;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftPeerId self;
  private final Supplier<String> leader;
  private final LeaderLink link;
  private final ScheduledExecutorService scheduler;
  private final Admission proposals;
  private final Admission reads;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  public ShardProposer(int shard, String region, RaftServer server, RaftGroupId groupId, Supplier<String> leader,
      LeaderLink link, ScheduledExecutorService scheduler, PipelineLimits limits) {
    this.shard = shard;
    this.region = region;
    this.server = server;
    this.groupId = groupId;
    this.self = server.getId();
    this.leader = leader;
    this.link = link;
    this.scheduler = scheduler;
    this.proposals = new Admission("shard " + shard + " proposals", limits.maxPendingProposals(),
        limits.maxPendingBytes(), limits.retryAfter());
    this.reads = new Admission("shard " + shard + " read barriers", limits.maxPendingReads(), Long.MAX_VALUE,
        limits.retryAfter());
  }

  public Admission proposals() {
    return proposals;
  }

  public Admission reads() {
    return reads;
  }

  /**
   * Proposes an encoded {@code Proposal}; completes with its apply result, or exceptionally with
   * {@link OverloadedException} (at once), {@link ProposalRejectedException}, or
   * {@link WriteUnavailableException} (no commit by the deadline).
   */
  public CompletableFuture<CommandResult> propose(byte[] proposal, boolean idempotent, Deadline deadline) {
    if (deadline.expired()) {
      return CompletableFuture.failedFuture(unavailable("the deadline passed before the write was proposed", null));
    }
    try {
      proposals.acquire(proposal.length);
    } catch (OverloadedException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<CommandResult> result = new CompletableFuture<>();
    attempt(proposal, idempotent, deadline, result, null);
    // The permit goes back when the attempt chain ends, which is bounded by the deadline (and for a
    // local Raft submit by the leader answering or stepping down).
    return result.whenComplete((r, e) -> proposals.release(proposal.length));
  }

  /**
   * Proposes on this node only: used by the internal service for proposals forwarded here.
   * Completes with {@code not_leader} (and the leader this node knows) when it does not lead.
   */
  public CompletableFuture<ProposeResponse> proposeHere(byte[] proposal, Deadline deadline) {
    if (deadline.expired()) {
      return CompletableFuture.failedFuture(unavailable("the deadline passed before the write was proposed", null));
    }
    if (!isLeaderHere()) {
      return CompletableFuture.completedFuture(notLeader());
    }
    try {
      proposals.acquire(proposal.length);
    } catch (OverloadedException e) {
      return CompletableFuture.failedFuture(e);
    }
    return submitLocal(proposal, deadline).handle((reply, error) -> {
      proposals.release(proposal.length);
      if (error != null) {
        throw error instanceof CompletionException c ? c : new CompletionException(error);
      }
      if (reply.isSuccess()) {
        return ProposeResponse.newBuilder().setResult(decode(reply)).build();
      }
      if (reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null) {
        return notLeader();
      }
      throw new CompletionException(failure(reply));
    });
  }

  private ProposeResponse notLeader() {
    String known = leader.get();
    return ProposeResponse.newBuilder().setNotLeader(true).setLeader(known.equals(self.toString()) ? "" : known)
        .build();
  }

  private boolean isLeaderHere() {
    return self.toString().equals(leader.get());
  }

  private void attempt(byte[] proposal, boolean idempotent, Deadline deadline, CompletableFuture<CommandResult> result,
      String hint) {
    if (result.isDone()) {
      return;
    }
    if (deadline.expired()) {
      result.completeExceptionally(unavailable("no commit within the deadline (no leader or no quorum)", null));
      return;
    }
    String target = hint != null && !hint.isEmpty() ? hint : leader.get();
    if (target.isEmpty()) {
      retryLater(proposal, idempotent, deadline, result, null);
      return;
    }
    if (target.equals(self.toString())) {
      submitLocal(proposal, deadline).whenComplete((reply, error) -> {
        if (error != null) {
          result.completeExceptionally(unavailable(String.valueOf(unwrap(error).getMessage()), unwrap(error)));
        } else if (reply.isSuccess()) {
          complete(result, reply);
        } else if (reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null) {
          var suggested = reply.getNotLeaderException() == null ? null
              : reply.getNotLeaderException().getSuggestedLeader();
          String next = suggested == null ? null : suggested.getId().toString();
          if (next != null && !next.equals(self.toString())) {
            attempt(proposal, idempotent, deadline, result, next);
          } else {
            retryLater(proposal, idempotent, deadline, result, null);
          }
        } else {
          result.completeExceptionally(failure(reply));
        }
      });
      return;
    }
    link.propose(target, shard, proposal, deadline).whenComplete((response, error) -> {
      if (error != null) {
        Throwable cause = unwrap(error);
        if (cause instanceof OverloadedException || cause instanceof ProposalRejectedException) {
          result.completeExceptionally(cause);
        } else if (idempotent) {
          retryLater(proposal, idempotent, deadline, result, null);
        } else {
          result.completeExceptionally(unavailable("forwarding to leader " + target + " failed: "
              + cause.getMessage() + " (outcome unknown)", cause));
        }
      } else if (response.getNotLeader()) {
        String next = response.getLeader();
        if (!next.isEmpty() && !next.equals(target) && !next.equals(self.toString())) {
          attempt(proposal, idempotent, deadline, result, next);
        } else {
          retryLater(proposal, idempotent, deadline, result, null);
        }
      } else {
        result.complete(response.getResult());
      }
    });
  }

  private void retryLater(byte[] proposal, boolean idempotent, Deadline deadline,
      CompletableFuture<CommandResult> result, String hint) {
    later(deadline, result, () -> attempt(proposal, idempotent, deadline, result, hint),
        e -> unavailable("node is shutting down", e));
  }

  /**
   * Runs {@code next} after a short pause (at most until the deadline) on the scheduler; the
   * attempt it runs checks the deadline itself. Fails {@code result} with {@code shutdown}'s
   * exception if the node is shutting down.
   */
  private void later(Deadline deadline, CompletableFuture<?> result, Runnable next,
      Function<RejectedExecutionException, RuntimeException> shutdown) {
    long pause = Math.max(1, Math.min(RETRY_PAUSE_MILLIS, deadline.remainingMillis()));
    try {
      scheduler.schedule(next, pause, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(shutdown.apply(e));
    }
  }

  /**
   * Completes once this replica may serve a linearizable read of the shard: Ratis' read index,
   * confirmed by the leader with a majority, is applied here. Refused at once when too many are
   * outstanding; fails with {@link ReadUnavailableException} at the deadline.
   */
  public CompletableFuture<Void> readBarrier(Deadline deadline) {
    try {
      reads.acquire(0);
    } catch (OverloadedException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    readAttempt(deadline, result);
    return result.whenComplete((r, e) -> reads.release(0));
  }

  private void readAttempt(Deadline deadline, CompletableFuture<Void> result) {
    if (deadline.expired()) {
      result.completeExceptionally(new ReadUnavailableException(
          "shard " + shard + " of region " + region + ": no read index within the deadline (no leader or no quorum)",
          null));
      return;
    }
    if (leader.get().isEmpty()) {
      scheduleRead(deadline, result);
      return;
    }
    RaftClientRequest request = request(Message.EMPTY, RaftClientRequest.readRequestType(), deadline);
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS).whenComplete((r, error) -> {
      if (error == null && r.isSuccess()) {
        result.complete(null);
      } else if (!deadline.expired() && (error == null || !(unwrap(error) instanceof TimeoutException))) {
        scheduleRead(deadline, result);
      } else {
        Throwable cause = error != null ? unwrap(error) : r.getException();
        result.completeExceptionally(new ReadUnavailableException(
            "shard " + shard + " of region " + region + ": no read index within the deadline (no leader or no quorum)",
            cause));
      }
    });
  }

  private void scheduleRead(Deadline deadline, CompletableFuture<Void> result) {
    later(deadline, result, () -> readAttempt(deadline, result),
        e -> new ReadUnavailableException("shard " + shard + " of region " + region + ": node is shutting down", e));
  }

  private CompletableFuture<RaftClientReply> submitLocal(byte[] proposal, Deadline deadline) {
    RaftClientRequest request = request(Message.valueOf(ByteString.copyFrom(proposal)),
        RaftClientRequest.writeRequestType(), deadline);
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private RaftClientRequest request(Message message, RaftClientRequest.Type type, Deadline deadline) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(self)
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(message)
        .setType(type)
        .setTimeoutMs(Math.max(1, deadline.remainingMillis()))
        .build();
  }

  private void complete(CompletableFuture<CommandResult> result, RaftClientReply reply) {
    try {
      result.complete(decode(reply));
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  private CommandResult decode(RaftClientReply reply) {
    try {
      return CommandResult.parseFrom(reply.getMessage().getContent().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("shard " + shard + ": undecodable apply result", e);
    }
  }

  private RuntimeException failure(RaftClientReply reply) {
    Exception e = reply.getException();
    if (reply.getStateMachineException() != null) {
      Throwable cause = reply.getStateMachineException().getCause();
      String why = cause != null && cause.getMessage() != null ? cause.getMessage()
          : reply.getStateMachineException().getMessage();
      return new ProposalRejectedException("shard " + shard + ": " + why, reply.getStateMachineException());
    }
    if (e instanceof ResourceUnavailableException) {
      return new OverloadedException("shard " + shard + " Raft pending requests", "the Raft server's limit",
          Duration.ofMillis(100), "shard " + shard + ": the Raft leader's pending requests are full; retry shortly");
    }
    return unavailable(String.valueOf(e), e);
  }

  private WriteUnavailableException unavailable(String why, Throwable cause) {
    return new WriteUnavailableException("shard " + shard + " of region " + region + ": " + why, cause);
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

package io.edgekv.replication.pipeline;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ProposeResponse;
import io.edgekv.internal.v1.ReadIndexResponse;
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
import java.util.concurrent.TimeoutException;
import java.util.List;
import io.edgekv.replication.command.CommandCodec;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;

/**
 * The write and linearizable-read pipeline of one shard on one node (DESIGN section 14).
 *
 * <ul>
 *   <li>Admission control: at most so many proposals and bytes, and so many read barriers,
 *       outstanding; beyond that a request is refused at once ({@link OverloadedException}).
 *   <li>Deadlines: every request carries one; nothing is proposed after it, every retry ends at
 *       it, and the returned future completes by it.
 *   <li>Group commit: on the leader, proposals that queue while a batch is being committed go to
 *       Raft together as one entry ({@link GroupCommit}), each with its own result.
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
  /** How long one round of term questions may take (reads waiting for it retry after it fails). */
  static final long TERM_ROUND_MILLIS = 1000;
  /** How long one shared read-index round may take (a read whose round failed asks again, until its deadline). */
  static final long READ_ROUND_MILLIS = 3000;
  /** Read-index rounds of one shard in flight at a time (on the leader, and from a follower to it). */
  static final int READ_ROUNDS_IN_FLIGHT = 4;

  private final int shard;
  private final String region;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftPeerId self;
  private final Supplier<String> leader;
  private final LongSupplier applied;
  private final LeaderLink link;
  private final ScheduledExecutorService scheduler;
  private final Admission proposals;
  private final Admission reads;
  /** The leader's term confirmations, one round in flight, shared by the reads that wait for it. */
  private final SharedRounds<Long> termRounds = new SharedRounds<>(this::termRound, this::onScheduler);
  /**
   * Confirmed read indexes on this node while it leads: a few rounds in flight (each one Ratis
   * read index and one term round), each shared by every read, local or forwarded, that arrived
   * before it started.
   */
  private final SharedRounds<ReadIndexResponse> localReadRounds =
      new SharedRounds<>(() -> confirmedReadIndex(Deadline.afterMillis(READ_ROUND_MILLIS)), READ_ROUNDS_IN_FLIGHT,
          this::onScheduler);
  /** This node's reads asking the leader it knows (itself included): a few questions in flight, shared. */
  private final SharedRounds<ReadIndexResponse> leaderReadRounds =
      new SharedRounds<>(this::askLeader, READ_ROUNDS_IN_FLIGHT, this::onScheduler);
  /** The leader's group commit: proposals queued while a batch is being committed go together. */
  private final GroupCommit groupCommit;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  /**
   * @param leader the shard's leader as this node knows it, "" for none
   * @param applied the index this node's state machine has applied (its last command entry)
   */
  public ShardProposer(int shard, String region, RaftServer server, RaftGroupId groupId, Supplier<String> leader,
      LongSupplier applied, LeaderLink link, ScheduledExecutorService scheduler, PipelineLimits limits) {
    this.shard = shard;
    this.region = region;
    this.server = server;
    this.groupId = groupId;
    this.self = server.getId();
    this.leader = leader;
    this.applied = applied;
    this.link = link;
    this.scheduler = scheduler;
    this.proposals = new Admission("shard " + shard + " proposals", limits.maxPendingProposals(),
        limits.maxPendingBytes(), limits.retryAfter());
    this.reads = new Admission("shard " + shard + " read barriers", limits.maxPendingReads(), Long.MAX_VALUE,
        limits.retryAfter());
    this.groupCommit = new GroupCommit(shard, limits.maxBatchBytes(), this::submitLocal);
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
    return groupCommit.add(proposal, deadline).handle((answer, error) -> {
      proposals.release(proposal.length);
      if (error != null) {
        Throwable cause = unwrap(error);
        throw new CompletionException(cause instanceof TimeoutException
            ? unavailable("no commit within the deadline (outcome unknown)", cause) : cause);
      }
      RaftClientReply reply = answer.reply();
      if (reply.isSuccess()) {
        return ProposeResponse.newBuilder().setResult(answer.result()).build();
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
      groupCommit.add(proposal, deadline).whenComplete((answer, error) -> {
        RaftClientReply reply = answer == null ? null : answer.reply();
        if (error != null) {
          Throwable cause = unwrap(error);
          result.completeExceptionally(cause instanceof TimeoutException
              ? unavailable("no commit within the deadline (outcome unknown)", cause)
              : unavailable(String.valueOf(cause.getMessage()), cause));
        } else if (reply.isSuccess()) {
          result.complete(answer.result());
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
   * Completes with the index this replica must have applied before it serves a linearizable read
   * of the shard: the leader's read index, confirmed after this call by a majority of the group
   * still being in the leader's term ({@link #readIndexHere}). On a follower the leader is asked
   * through {@link LeaderLink#readIndex}. Refused at once when too many are outstanding; fails
   * with {@link ReadUnavailableException} at the deadline (no leader or no quorum).
   */
  public CompletableFuture<Long> readBarrier(Deadline deadline) {
    try {
      reads.acquire(0);
    } catch (OverloadedException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Long> result = new CompletableFuture<>();
    readAttempt(deadline, result, null);
    return result.whenComplete((r, e) -> reads.release(0));
  }

  /**
   * A read index asked of this node by another member (the internal service): {@code not_leader}
   * when this node does not lead, else as {@link #readBarrier} on the leader. Counts against the
   * same admission limit as local reads.
   */
  public CompletableFuture<ReadIndexResponse> readIndexHere(Deadline deadline) {
    if (deadline.expired()) {
      return CompletableFuture.failedFuture(readUnavailable("the deadline passed before the read index was asked", null));
    }
    try {
      reads.acquire(0);
    } catch (OverloadedException e) {
      return CompletableFuture.failedFuture(e);
    }
    return within(localReadRounds.next(), deadline).whenComplete((r, e) -> reads.release(0));
  }

  /** One round of {@link #leaderReadRounds}: the read index of the leader this node knows now. */
  private CompletableFuture<ReadIndexResponse> askLeader() {
    String target = leader.get();
    if (target.isEmpty()) {
      return CompletableFuture.failedFuture(readUnavailable("no leader known", null));
    }
    return target.equals(self.toString()) ? localReadRounds.next()
        : link.readIndex(target, shard, Deadline.afterMillis(READ_ROUND_MILLIS));
  }

  /** A shared round's answer, waited for until {@code deadline} without ending the round for the others. */
  private static <T> CompletableFuture<T> within(CompletableFuture<T> shared, Deadline deadline) {
    return shared.copy().orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
  }

  private void readAttempt(Deadline deadline, CompletableFuture<Long> result, String hint) {
    if (result.isDone()) {
      return;
    }
    if (deadline.expired()) {
      result.completeExceptionally(readUnavailable("no read index within the deadline (no leader or no quorum)", null));
      return;
    }
    boolean hinted = hint != null && !hint.isEmpty();
    String target = hinted ? hint : leader.get();
    if (target.isEmpty()) {
      scheduleRead(deadline, result);
      return;
    }
    // Reads share rounds: one read index in flight per shard serves every read that arrived before it.
    CompletableFuture<ReadIndexResponse> asked = !hinted ? within(leaderReadRounds.next(), deadline)
        : target.equals(self.toString()) ? within(localReadRounds.next(), deadline)
        : link.readIndex(target, shard, deadline);
    asked.whenComplete((response, error) -> {
      if (error != null) {
        Throwable cause = unwrap(error);
        if (cause instanceof OverloadedException) {
          result.completeExceptionally(cause);
        } else if (deadline.expired()) {
          result.completeExceptionally(readUnavailable("no read index within the deadline (no leader or no quorum): "
              + cause.getMessage(), cause));
        } else {
          // A read index changes nothing: asking again is always safe.
          scheduleRead(deadline, result);
        }
      } else if (response.getFormat() != 1) {
        // Never read an empty answer (an older release) as index 0.
        scheduleRead(deadline, result);
      } else if (response.getNotLeader()) {
        String next = response.getLeader();
        if (!next.isEmpty() && !next.equals(target) && !next.equals(self.toString())) {
          readAttempt(deadline, result, next);
        } else {
          scheduleRead(deadline, result);
        }
      } else {
        result.complete(response.getIndex());
      }
    });
  }

  private void scheduleRead(Deadline deadline, CompletableFuture<Long> result) {
    later(deadline, result, () -> readAttempt(deadline, result, null), e -> readUnavailable("node is shutting down", e));
  }

  /**
   * The read index on this node, if it leads: Ratis' read on the local server (which waits until
   * the leader has committed an entry of its term and applied its read index) and, at the same
   * time, {@link TermQuorum}: a majority of the members, asked in a round that starts after this
   * call ({@link SharedRounds}, shared by the reads waiting for it), is still at most in this
   * leader's term. Ratis' own majority confirmation is not enough: Ratis 3.3 skips it when the
   * commit index has not moved since an earlier confirmation (ReadIndexHeartbeats), which is
   * exactly the state of a leader cut off from its group, so a deposed leader answered STRONG
   * reads with what it had. The answer is the leader's applied index once both hold and its term
   * has not changed meanwhile: every command committed before this call is at or below it. (The
   * state machine's index, not Ratis': Ratis counts configuration and no-op entries too, which a
   * replica's state machine never reaches as applied commands.)
   */
  private CompletableFuture<ReadIndexResponse> confirmedReadIndex(Deadline deadline) {
    return withDivision(division -> confirmedReadIndex(division, deadline));
  }

  private CompletableFuture<ReadIndexResponse> confirmedReadIndex(RaftServer.Division division, Deadline deadline) {
    long term = division.getInfo().getCurrentTerm();
    if (!division.getInfo().isLeader()) {
      return CompletableFuture.completedFuture(notLeaderRead());
    }
    // A round that starts now or after the one in flight: never one sent before this read arrived.
    CompletableFuture<Long> quorum = termRounds.next();
    RaftClientRequest request = request(Message.EMPTY, RaftClientRequest.readRequestType(), deadline);
    CompletableFuture<RaftClientReply> local;
    try {
      local = server.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      local = CompletableFuture.failedFuture(e);
    }
    return local.orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS)
        .thenCompose(reply -> {
          if (!reply.isSuccess()) {
            if (reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null) {
              return CompletableFuture.completedFuture(notLeaderRead());
            }
            return CompletableFuture.failedFuture(readUnavailable("read index: " + reply.getException(),
                reply.getException()));
          }
          return quorum.thenApply(confirmed -> confirmed != term || division.getInfo().getCurrentTerm() != term
              ? notLeaderRead()
              : ReadIndexResponse.newBuilder().setFormat(1).setIndex(applied.getAsLong()).build());
        })
        .orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
  }

  /**
   * One round of {@link TermQuorum}: the members are asked now whether any is in a later term than
   * this node's current one; completes with that term. Bounded by {@link #TERM_ROUND_MILLIS}.
   */
  private CompletableFuture<Long> termRound() {
    return withDivision(division -> {
      long term = division.getInfo().getCurrentTerm();
      Deadline deadline = Deadline.afterMillis(TERM_ROUND_MILLIS);
      return TermQuorum.confirm(self.toString(), term, division.getRaftConf(), peer -> link.term(peer, shard, deadline))
          .thenApply(confirmed -> term);
    });
  }

  /** {@code body} with the shard's Raft division on this server, or failed when the group is not here. */
  private <T> CompletableFuture<T> withDivision(Function<RaftServer.Division, CompletableFuture<T>> body) {
    RaftServer.Division division;
    try {
      division = server.getDivision(groupId);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(readUnavailable("no Raft group here: " + e.getMessage(), e));
    }
    return body.apply(division);
  }

  private ReadIndexResponse notLeaderRead() {
    String known = leader.get();
    return ReadIndexResponse.newBuilder().setFormat(1).setNotLeader(true)
        .setLeader(known.equals(self.toString()) ? "" : known).build();
  }

  /** One group-commit batch ({@link GroupCommit}) to the local Ratis server: one request, one Raft entry. */
  private CompletableFuture<RaftClientReply> submitLocal(List<byte[]> batch, Deadline deadline) {
    RaftClientRequest request = request(Message.valueOf(UnsafeByteOperations.unsafeWrap(CommandCodec.encodeBatch(batch))),
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

  private ReadUnavailableException readUnavailable(String why, Throwable cause) {
    return new ReadUnavailableException("shard " + shard + " of region " + region + ": " + why, cause);
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

  /** Runs {@code task} on the shard's scheduler (read before the constructor set it: called later). */
  private void onScheduler(Runnable task) {
    scheduler.execute(task);
  }
}

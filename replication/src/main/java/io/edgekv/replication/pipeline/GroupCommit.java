package io.edgekv.replication.pipeline;

import com.google.protobuf.InvalidProtocolBufferException;
import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.CommandResults;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * Group commit of one shard on its leader (DESIGN section 14): proposals join a queue, and
 * while {@link #IN_FLIGHT} batches are being committed the queue accumulates; when one ends,
 * what has queued (up to {@link #MAX_COMMANDS} proposals or the byte bound) goes to Ratis as one
 * request, one Raft entry, one RocksDB batch. Natural batching: no timer waits for more; a lone
 * proposal on an idle shard goes at once. The queue holds only admitted proposals, so it is
 * bounded in count and bytes by the shard's {@link Admission}.
 *
 * <p>Each proposal gets its own {@link Answer}: the batch's Ratis reply and, when that succeeded,
 * its own result from the entry's {@code CommandResults}. A proposal whose deadline passes while
 * it waits is dropped before it is proposed; one whose deadline passes while its batch is being
 * committed fails at its deadline (outcome unknown, as for any write).
 */
final class GroupCommit {
  /** Batches of one shard being committed at a time: while they are, the next one accumulates. */
  static final int IN_FLIGHT = 1;
  /** Most proposals in one Raft entry. */
  static final int MAX_COMMANDS = 256;

  /** What one proposal got: its batch's reply, and its own result when the reply succeeded. */
  record Answer(RaftClientReply reply, CommandResult result) {}

  private record Pending(byte[] proposal, Deadline deadline, CompletableFuture<Answer> answer) {}

  private final int shard;
  private final long maxBatchBytes;
  /** Submits one batch of encoded proposals, bounded by the deadline given. */
  private final BiFunction<List<byte[]>, Deadline, CompletableFuture<RaftClientReply>> submit;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param maxBatchBytes encoded bytes of one batch at most (a larger proposal goes alone)
   * @param submit proposes a batch to the local Ratis server
   */
  GroupCommit(int shard, long maxBatchBytes,
      BiFunction<List<byte[]>, Deadline, CompletableFuture<RaftClientReply>> submit) {
    this.shard = shard;
    this.maxBatchBytes = maxBatchBytes;
    this.submit = submit;
  }

  /** Queues an admitted proposal; completes with its answer, or exceptionally at its deadline. */
  CompletableFuture<Answer> add(byte[] proposal, Deadline deadline) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    synchronized (this) {
      queue.add(new Pending(proposal, deadline, answer));
    }
    sendWhileRoom();
    return answer.orTimeout(Math.max(1, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
  }

  /** Proposals waiting for a batch (for tests and metrics). */
  synchronized int queued() {
    return queue.size();
  }

  private void sendWhileRoom() {
    while (true) {
      List<Pending> batch = new ArrayList<>();
      List<Pending> expired = new ArrayList<>();
      synchronized (this) {
        if (inFlight >= IN_FLIGHT) {
          return;
        }
        long bytes = 0;
        while (!queue.isEmpty() && batch.size() < MAX_COMMANDS) {
          Pending next = queue.peek();
          if (next.deadline().expired() || next.answer().isDone()) {
            expired.add(queue.poll());
            continue;
          }
          if (!batch.isEmpty() && bytes + next.proposal().length > maxBatchBytes) {
            break;
          }
          batch.add(queue.poll());
          bytes += next.proposal().length;
        }
        if (!batch.isEmpty()) {
          inFlight++;
        }
      }
      expired.forEach(p -> p.answer().completeExceptionally(new TimeoutException(
          "the deadline passed before the write was proposed")));
      if (batch.isEmpty()) {
        return;
      }
      send(batch);
    }
  }

  private void send(List<Pending> batch) {
    List<byte[]> proposals = new ArrayList<>(batch.size());
    Deadline latest = batch.getFirst().deadline();
    for (Pending p : batch) {
      proposals.add(p.proposal());
      latest = p.deadline().atNanos() - latest.atNanos() > 0 ? p.deadline() : latest;
    }
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = submit.apply(proposals, latest);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((reply, error) -> {
      synchronized (this) {
        inFlight--;
      }
      // The next batch goes before this one's callers run: they may take a while.
      sendWhileRoom();
      answer(batch, reply, error);
    });
  }

  private void answer(List<Pending> batch, RaftClientReply reply, Throwable error) {
    if (error != null) {
      batch.forEach(p -> p.answer().completeExceptionally(error));
      return;
    }
    if (!reply.isSuccess()) {
      batch.forEach(p -> p.answer().complete(new Answer(reply, null)));
      return;
    }
    List<CommandResult> results;
    try {
      results = CommandResults.parseFrom(reply.getMessage().getContent().toByteArray()).getResultsList();
    } catch (InvalidProtocolBufferException e) {
      results = List.of();
    }
    if (results.size() != batch.size()) {
      IllegalStateException wrong = new IllegalStateException("shard " + shard + ": apply answered "
          + results.size() + " results for a batch of " + batch.size() + " proposals");
      batch.forEach(p -> p.answer().completeExceptionally(wrong));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).answer().complete(new Answer(reply, results.get(i)));
    }
  }
}

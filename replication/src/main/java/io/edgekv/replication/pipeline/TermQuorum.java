package io.edgekv.replication.pipeline;

import io.edgekv.replication.ReadUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;

/**
 * Confirms that no leader of a later term than {@code term} existed before this check started:
 * a majority of the group's voting members (of both configurations while the membership
 * changes) answers, to a question sent now, that its current term is at most {@code term}.
 *
 * <p>Why that suffices: a leader of a later term is elected by a majority that moves to that
 * term first, and terms never go back; two majorities share a member, so while a majority still
 * answers {@code term} or less, no later leader had been elected when the questions were sent,
 * and nothing could have been committed in a later term. A leader of {@code term} that still has
 * {@code term} afterwards therefore knows every entry committed before the check started. This
 * is the majority confirmation of the Raft read index (thesis section 6.4), made here instead
 * of trusting Ratis 3.3's, which answers without asking anyone when its commit index has not
 * moved since an earlier confirmation, so that a deposed leader served stale STRONG reads.
 */
final class TermQuorum {
  private final long term;
  private final List<Set<String>> configurations;
  private final Set<String> confirmed = new HashSet<>();
  private final Set<String> answered = new HashSet<>();
  private final CompletableFuture<Void> result = new CompletableFuture<>();

  private TermQuorum(String self, long term, List<Set<String>> configurations) {
    this.term = term;
    this.configurations = configurations;
    confirmed.add(self);
  }

  /**
   * Asks every voting member other than {@code self} its term through {@code termOf} and
   * completes once a majority of each configuration (counting {@code self}) answered at most
   * {@code term}; fails as soon as one answers a later term (this node was deposed) or too few
   * can still confirm. The calls end by their own deadline, so this does too.
   */
  static CompletableFuture<Void> confirm(String self, long term, RaftConfiguration conf,
      Function<String, CompletableFuture<Long>> termOf) {
    List<Set<String>> configurations = new ArrayList<>();
    configurations.add(ids(conf.getCurrentPeers()));
    Set<String> previous = ids(conf.getPreviousPeers());
    if (!previous.isEmpty()) {
      configurations.add(previous);
    }
    TermQuorum quorum = new TermQuorum(self, term, configurations);
    Set<String> others = new LinkedHashSet<>();
    configurations.forEach(others::addAll);
    others.remove(self);
    synchronized (quorum) {
      quorum.check();
    }
    for (String peer : others) {
      CompletableFuture<Long> answer;
      try {
        answer = termOf.apply(peer);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((peerTerm, error) -> quorum.answer(peer, error == null ? peerTerm : null));
    }
    return quorum.result;
  }

  private synchronized void answer(String peer, Long peerTerm) {
    answered.add(peer);
    if (peerTerm != null && peerTerm > term) {
      result.completeExceptionally(new ReadUnavailableException("member " + peer + " is in term " + peerTerm
          + ", later than this leader's " + term + ": this node no longer leads", null));
      return;
    }
    if (peerTerm != null) {
      confirmed.add(peer);
    }
    check();
  }

  private void check() {
    if (result.isDone()) {
      return;
    }
    boolean all = true;
    for (Set<String> members : configurations) {
      long yes = members.stream().filter(confirmed::contains).count();
      long open = members.stream().filter(m -> !confirmed.contains(m) && !answered.contains(m)).count();
      if (yes * 2 <= members.size()) {
        all = false;
        if ((yes + open) * 2 <= members.size()) {
          result.completeExceptionally(new ReadUnavailableException("only " + yes + " of " + members.size()
              + " members confirmed term " + term + " (no majority reachable)", null));
          return;
        }
      }
    }
    if (all) {
      result.complete(null);
    }
  }

  private static Set<String> ids(Collection<RaftPeer> peers) {
    Set<String> out = new LinkedHashSet<>();
    peers.forEach(p -> out.add(p.getId().toString()));
    return out;
  }
}

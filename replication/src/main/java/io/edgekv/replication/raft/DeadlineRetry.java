package io.edgekv.replication.raft;

import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * A Ratis client retry policy that retries (a redirect to the leader, a leader not ready yet, a
 * refused connection) until a deadline and never after it, and never retries an answer that is
 * final: a configuration change the leader gave up ({@link ReconfigurationTimeoutException}: the
 * new member made no progress; retrying would start the same wait again), a configuration that
 * no longer matches, or a refused leadership transfer.
 */
record DeadlineRetry(long deadlineNanos, TimeDuration sleep) implements RetryPolicy {

  static DeadlineRetry until(long deadlineNanos) {
    return new DeadlineRetry(deadlineNanos, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));
  }

  @Override
  public Action handleAttemptFailure(Event event) {
    if (isFinal(event.getCause())) {
      return NO_RETRY_ACTION;
    }
    if (System.nanoTime() + sleep.toLong(TimeUnit.NANOSECONDS) >= deadlineNanos) {
      return NO_RETRY_ACTION;
    }
    return () -> sleep;
  }

  static boolean isFinal(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof ReconfigurationTimeoutException || e instanceof SetConfigurationException
          || e instanceof TransferLeadershipException || e instanceof GroupMismatchException) {
        return true;
      }
    }
    return false;
  }
}

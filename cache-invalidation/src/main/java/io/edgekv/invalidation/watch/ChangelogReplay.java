package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.invalidation.BufferLimits;
import io.edgekv.invalidation.Selector;
import java.util.ArrayList;
import java.util.List;

/** Fills the gap between a subscriber's position and now from the region's changelog. */
public final class ChangelogReplay {
  private ChangelogReplay() {}

  /**
   * The matching events after a position, in order per shard, the highest index read per shard,
   * and what the events cost in memory ({@link BufferLimits#footprint}).
   */
  public record Result(List<ChangeEvent> events, long[] readUpTo, long bytes) {}

  /**
   * Reads the matching changes after {@code from}, or returns null when the gap cannot be
   * filled: part of it is no longer in the changelog, or it holds more than {@code maxEvents}
   * matching changes or more than {@code maxBytes} of them (cheaper for the subscriber to start
   * over than to take them all, and a replay must not hold more memory than a stream's buffer).
   * The changelog is visited change by change, so what is held is the matching events alone.
   *
   * @param from a position of {@code changelog}'s region with as many shards
   */
  public static Result read(ChangelogSource changelog, Selector selector, WatchPosition from, int maxEvents,
      long maxBytes) {
    List<ChangeEvent> events = new ArrayList<>();
    long[] bytes = {0};
    long[] readUpTo = new long[changelog.shards()];
    for (int shard = 0; shard < changelog.shards(); shard++) {
      long after = from.index(shard);
      readUpTo[shard] = after;
      if (after >= changelog.appliedIndex(shard)) {
        continue;
      }
      boolean[] overflow = {false};
      int s = shard;
      boolean complete = changelog.changesAfter(shard, after, (index, event) -> {
        readUpTo[s] = Math.max(readUpTo[s], index);
        if (selector.matches(event)) {
          long footprint = BufferLimits.footprint(event);
          if (events.size() >= maxEvents || bytes[0] + footprint > maxBytes) {
            overflow[0] = true;
            return false;
          }
          events.add(event);
          bytes[0] += footprint;
        }
        return true;
      });
      if (!complete || overflow[0]) {
        return null;
      }
    }
    return new Result(events, readUpTo, bytes[0]);
  }
}

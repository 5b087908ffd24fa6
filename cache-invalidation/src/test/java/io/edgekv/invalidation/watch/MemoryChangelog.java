package io.edgekv.invalidation.watch;

import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A changelog held in memory, for this module's tests: per shard, each applied index with the
 * changes applied at it; indexes below a trim point are gone, as past the store's retention.
 */
final class MemoryChangelog implements ChangelogSource {
  private final String region;
  private final List<NavigableMap<Long, List<ChangeEvent>>> shards = new ArrayList<>();
  private final long[] applied;
  private final long[] trimmedBefore;
  private final Map<String, ChangeEvent> receipts = new HashMap<>();

  MemoryChangelog(String region, int shards) {
    this.region = region;
    for (int i = 0; i < shards; i++) {
      this.shards.add(new TreeMap<>());
    }
    this.applied = new long[shards];
    this.trimmedBefore = new long[shards];
  }

  /** Applies {@code changes} at the shard's next index; returns it. Purges leave a receipt. */
  long apply(int shard, ChangeEvent.Builder... changes) {
    long index = ++applied[shard];
    List<ChangeEvent> at = new ArrayList<>();
    for (ChangeEvent.Builder change : changes) {
      ChangeEvent event = change.setShard(shard).setIndex(index).build();
      at.add(event);
      if (!event.getPurgeId().isEmpty()) {
        receipts.put(shard + "/" + event.getPurgeId(), event);
      }
    }
    shards.get(shard).put(index, at);
    return index;
  }

  /** Drops the shard's indexes below {@code index}. */
  void trimBefore(int shard, long index) {
    shards.get(shard).headMap(index, false).clear();
    trimmedBefore[shard] = index;
  }

  @Override
  public String region() {
    return region;
  }

  @Override
  public String nodeId() {
    return region + "-1";
  }

  @Override
  public int shards() {
    return shards.size();
  }

  @Override
  public long appliedIndex(int shard) {
    return applied[shard];
  }

  @Override
  public boolean changesAfter(int shard, long after, ChangeVisitor visitor) {
    if (after + 1 < trimmedBefore[shard]) {
      return false;
    }
    for (Map.Entry<Long, List<ChangeEvent>> at : shards.get(shard).tailMap(after, false).entrySet()) {
      for (ChangeEvent change : at.getValue()) {
        if (!visitor.visit(at.getKey(), change)) {
          return true;
        }
      }
    }
    return true;
  }

  @Override
  public Optional<ChangeEvent> purgeReceipt(int shard, String purgeId) {
    return Optional.ofNullable(receipts.get(shard + "/" + purgeId));
  }

  @Override
  public Optional<Entry> entryWritten(ChangeEvent put) {
    return Optional.empty();
  }
}

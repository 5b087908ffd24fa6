package io.edgekv.node.watch;

import io.edgekv.client.EdgeKvException;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.ServedBy;
import io.edgekv.client.WatchListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A watch listener that records everything, for tests to poll. */
final class EventLog implements WatchListener {
  final List<InvalidationEvent> events = new CopyOnWriteArrayList<>();
  final List<String> resets = new CopyOnWriteArrayList<>();
  final List<ServedBy> watching = new CopyOnWriteArrayList<>();
  final List<Boolean> resumed = new CopyOnWriteArrayList<>();
  final List<EdgeKvException> disconnects = new CopyOnWriteArrayList<>();
  /** The thread each event was delivered on. */
  final List<String> eventThreads = new CopyOnWriteArrayList<>();

  @Override
  public void onWatching(ServedBy servedBy, String position, boolean wasResumed) {
    watching.add(servedBy);
    resumed.add(wasResumed);
  }

  @Override
  public void onEvent(InvalidationEvent event) {
    eventThreads.add(Thread.currentThread().getName());
    events.add(event);
  }

  @Override
  public void onReset(String reason) {
    resets.add(reason);
  }

  @Override
  public void onDisconnected(EdgeKvException cause, boolean willRetry) {
    disconnects.add(cause);
  }

  boolean has(Predicate<InvalidationEvent> match) {
    return events.stream().anyMatch(match);
  }

  boolean has(InvalidationEvent.Kind kind, String key) {
    return has(e -> e.kind() == kind && e.keyAsString().equals(key));
  }
}

package io.edgekv.replication.apply;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * What one command of an entry has staged in the entry's batch (the batch is not readable),
 * over what the entry's earlier commands staged. A group-commit entry applies many commands in
 * one batch, so a command must see its predecessors' writes; a command whose apply fails is
 * rolled back to its save point, and {@link #discard} forgets its staged writes likewise, while
 * {@link #commit} hands them on to the commands after it. Values are never null.
 */
final class Staged<K, V> {
  /** Staged by the entry's earlier commands that applied. */
  private final Map<K, V> earlier;
  /** Staged by this command. */
  private final Map<K, V> own = new HashMap<>();

  Staged(Map<K, V> earlier) {
    this.earlier = earlier;
  }

  /** The value staged for {@code key}, or null when neither this command nor an earlier one staged one. */
  V get(K key) {
    V mine = own.get(key);
    return mine != null ? mine : earlier.get(key);
  }

  void put(K key, V value) {
    own.put(key, value);
  }

  /** Visits every staged key once, with its latest value. */
  void forEach(BiConsumer<K, V> visitor) {
    earlier.forEach((key, value) -> {
      if (!own.containsKey(key)) {
        visitor.accept(key, value);
      }
    });
    own.forEach(visitor);
  }

  /** True when {@code test} holds for some staged key with its latest value. */
  boolean anyMatch(BiPredicate<K, V> test) {
    for (Map.Entry<K, V> staged : own.entrySet()) {
      if (test.test(staged.getKey(), staged.getValue())) {
        return true;
      }
    }
    for (Map.Entry<K, V> staged : earlier.entrySet()) {
      if (!own.containsKey(staged.getKey()) && test.test(staged.getKey(), staged.getValue())) {
        return true;
      }
    }
    return false;
  }

  /** This command applied: the entry's later commands see what it staged. */
  void commit() {
    earlier.putAll(own);
    own.clear();
  }

  /** This command was rolled back: forget what it staged. */
  void discard() {
    own.clear();
  }
}

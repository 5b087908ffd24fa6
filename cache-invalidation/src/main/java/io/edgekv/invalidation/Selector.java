package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.Arrays;
import java.util.List;

/**
 * Which changes a subscriber wants inside one namespace: any of the listed keys, key prefixes,
 * tags or publish topics. An empty selector matches every change of the namespace.
 *
 * <p>A purge is one event carrying its selector, not one event per purged key, so it matches
 * a subscriber whenever it may cover something the subscriber watches: a key purge like a
 * change of that key, a prefix purge a watched key under it or a watched prefix overlapping
 * it. Entries carry tags the subscriber cannot know in advance, so a tag purge reaches key and
 * prefix subscribers too, and a key or prefix purge reaches tag subscribers (subscribers apply
 * the selector to what they cached). Publishes reach only subscribers of their topic.
 */
public record Selector(String namespace, List<byte[]> keys, List<byte[]> prefixes, List<String> tags,
    List<String> topics) {
  public Selector {
    keys = List.copyOf(keys);
    prefixes = List.copyOf(prefixes);
    tags = List.copyOf(tags);
    topics = List.copyOf(topics);
  }

  /** A selector without topics. */
  public Selector(String namespace, List<byte[]> keys, List<byte[]> prefixes, List<String> tags) {
    this(namespace, keys, prefixes, tags, List.of());
  }

  public static Selector everything(String namespace) {
    return new Selector(namespace, List.of(), List.of(), List.of(), List.of());
  }

  private boolean isEverything() {
    return keys.isEmpty() && prefixes.isEmpty() && tags.isEmpty() && topics.isEmpty();
  }

  private boolean watchesData() {
    return !keys.isEmpty() || !prefixes.isEmpty() || !tags.isEmpty();
  }

  public boolean matches(ChangeEvent event) {
    if (!event.getNamespace().equals(namespace)) {
      return false;
    }
    if (isEverything()) {
      return true;
    }
    return switch (event.getKind()) {
      case PUBLISH -> topics.contains(event.getTopic());
      case PURGE -> watchesData() && purgeMayCover(event);
      default -> matchesKey(event.getKey().toByteArray()) || event.getTagsList().stream().anyMatch(tags::contains);
    };
  }

  private boolean purgeMayCover(ChangeEvent purge) {
    if (!purge.getPurgeTag().isEmpty()) {
      return tags.contains(purge.getPurgeTag()) || !keys.isEmpty() || !prefixes.isEmpty();
    }
    if (!tags.isEmpty()) {
      return true;
    }
    if (!purge.getPurgePrefix().isEmpty()) {
      byte[] purged = purge.getPurgePrefix().toByteArray();
      for (byte[] k : keys) {
        if (startsWith(k, purged)) {
          return true;
        }
      }
      for (byte[] p : prefixes) {
        if (startsWith(p, purged) || startsWith(purged, p)) {
          return true;
        }
      }
      return false;
    }
    return matchesKey(purge.getKey().toByteArray());
  }

  private boolean matchesKey(byte[] key) {
    for (byte[] k : keys) {
      if (Arrays.equals(k, key)) {
        return true;
      }
    }
    for (byte[] p : prefixes) {
      if (startsWith(key, p)) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }
}

package io.edgekv.invalidation;

import io.edgekv.api.v1.ChangeEvent;
import java.util.List;

/**
 * Which changes a subscriber wants: any of the listed keys, key prefixes or tags inside one
 * namespace. An empty selector matches every change of the namespace.
 */
public record Selector(String namespace, List<byte[]> keys, List<byte[]> prefixes, List<String> tags) {
  public Selector {
    keys = List.copyOf(keys);
    prefixes = List.copyOf(prefixes);
    tags = List.copyOf(tags);
  }

  public static Selector everything(String namespace) {
    return new Selector(namespace, List.of(), List.of(), List.of());
  }

  public boolean matches(ChangeEvent event) {
    if (!event.getNamespace().equals(namespace)) {
      return false;
    }
    if (keys.isEmpty() && prefixes.isEmpty() && tags.isEmpty()) {
      return true;
    }
    byte[] key = event.getKey().toByteArray();
    for (byte[] k : keys) {
      if (java.util.Arrays.equals(k, key)) {
        return true;
      }
    }
    for (byte[] p : prefixes) {
      if (key.length >= p.length && java.util.Arrays.equals(key, 0, p.length, p, 0, p.length)) {
        return true;
      }
    }
    for (String tag : tags) {
      if (event.getTagsList().contains(tag)) {
        return true;
      }
    }
    return false;
  }
}

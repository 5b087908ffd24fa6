package io.edgekv.replication.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiConsumer;
import org.rocksdb.WriteBatch;

/**
 * The data keys of encryption at rest as replicated state of a shard (DESIGN section 10), in the
 * {@code repl_meta} column family: {@code "dk/" namespace 0 id} to the wrapped key, and {@code
 * "dkc/" namespace} to the id of the namespace's current key. Apply writes them in the batch of
 * the registering command, so every replica and every snapshot holds the same keys; old keys stay,
 * so records sealed with them stay readable after a rotation (and until background re-encryption
 * has re-sealed them; a key re-wrapped under a new master key keeps its id). The keys are wrapped (sealed under a
 * master key), never plain.
 */
public final class DataKeyring {
  private static final byte[] KEY_PREFIX = "dk/".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CURRENT_PREFIX = "dkc/".getBytes(StandardCharsets.UTF_8);

  private DataKeyring() {}

  /** The id of {@code namespace}'s current key in the engine's state, or null. */
  public static byte[] current(KvEngine engine, String namespace) {
    return engine.replMeta.get(concat(CURRENT_PREFIX, namespace.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Adds a key to the batch: it becomes the namespace's current key if the namespace has none, or
   * if {@code rotate}. Returns whether it became current.
   */
  public static boolean register(KvEngine engine, WriteBatch batch, String namespace, AtRest.WrappedKey key,
      boolean rotate) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] current = current(engine, namespace);
    if (current != null && !rotate) {
      return false;
    }
    engine.replMeta.put(batch, concat(KEY_PREFIX, ns, new byte[] {0}, key.id()), key.wrapped());
    engine.replMeta.put(batch, concat(CURRENT_PREFIX, ns), key.id());
    return true;
  }

  /** Hands every key of the engine's state to {@code atRest} (at open: a restart or a new snapshot). */
  static void load(Table<byte[], byte[]> replMeta, AtRest atRest) {
    forEachKey(replMeta, (namespace, key) -> {
      byte[] current = replMeta.get(concat(CURRENT_PREFIX, namespace.getBytes(StandardCharsets.UTF_8)));
      atRest.learnDataKey(namespace, key, Arrays.equals(key.id(), current));
    });
  }

  /**
   * Adds to {@code batch} every key of the engine's state that an older master key wraps, wrapped
   * by the current one ({@link AtRest#rewrapped}): the same key under the same id. A local step of
   * re-encryption, not a command (each replica re-wraps its own copy); returns how many.
   */
  static int rewrap(Table<byte[], byte[]> replMeta, AtRest atRest, WriteBatch batch) {
    int[] count = {0};
    forEachKey(replMeta, (namespace, key) -> {
      AtRest.WrappedKey rewrapped = atRest.rewrapped(namespace, key);
      if (rewrapped != null) {
        replMeta.put(batch, concat(KEY_PREFIX, namespace.getBytes(StandardCharsets.UTF_8), new byte[] {0}, key.id()),
            rewrapped.wrapped());
        count[0]++;
      }
    });
    return count[0];
  }

  private static void forEachKey(Table<byte[], byte[]> replMeta, BiConsumer<String, AtRest.WrappedKey> visitor) {
    replMeta.forEachFrom(KEY_PREFIX, (key, wrapped) -> {
      if (!startsWith(key, KEY_PREFIX)) {
        return false;
      }
      int zero = KEY_PREFIX.length;
      while (zero < key.length && key[zero] != 0) {
        zero++;
      }
      String namespace = new String(key, KEY_PREFIX.length, zero - KEY_PREFIX.length, StandardCharsets.UTF_8);
      visitor.accept(namespace, new AtRest.WrappedKey(Arrays.copyOfRange(key, zero + 1, key.length), wrapped));
      return true;
    });
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuffer out = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] part : parts) {
      out.put(part);
    }
    return out.array();
  }
}

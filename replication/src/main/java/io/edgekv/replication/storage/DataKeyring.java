package io.edgekv.replication.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.rocksdb.WriteBatch;

/**
 * The data keys of encryption at rest as replicated state of a shard (DESIGN section 10), in the
 * {@code repl_meta} column family: {@code "dk/" namespace 0 id} to the wrapped key, and {@code
 * "dkc/" namespace} to the id of the namespace's current key. Apply writes them in the batch of
 * the registering command, so every replica and every snapshot holds the same keys; old keys stay,
 * so records sealed with them stay readable after a rotation. The keys are wrapped (sealed under a
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
    replMeta.forEachFrom(KEY_PREFIX, (key, wrapped) -> {
      if (!startsWith(key, KEY_PREFIX)) {
        return false;
      }
      int zero = KEY_PREFIX.length;
      while (zero < key.length && key[zero] != 0) {
        zero++;
      }
      String namespace = new String(key, KEY_PREFIX.length, zero - KEY_PREFIX.length, StandardCharsets.UTF_8);
      byte[] id = Arrays.copyOfRange(key, zero + 1, key.length);
      byte[] current = replMeta.get(concat(CURRENT_PREFIX, namespace.getBytes(StandardCharsets.UTF_8)));
      atRest.learnDataKey(namespace, new AtRest.WrappedKey(id, wrapped), Arrays.equals(id, current));
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

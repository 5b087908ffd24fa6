package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Locale;

/**
 * One change delivered by a {@link Watch}: a put, delete, expiry, purge or publish, with the
 * region position to resume after it.
 *
 * <p>A purge is one event carrying its selector: exactly one of {@link #key()} (a key purge),
 * {@link #purgePrefix()} or {@link #purgeTag()} is set. In a region with several shards a
 * prefix or tag purge arrives once per shard, with the same {@link #purgeId()} (applying it
 * again is harmless). Publishes are deduplicated by {@link #publishId()} before they reach a
 * listener. Immutable.
 *
 * @param kind what happened
 * @param key the changed (or key-purged) key; empty for prefix and tag purges and publishes
 * @param version the change's version (for a purge: entries older than it are purged)
 * @param tags the entry's tags (put, delete, expire)
 * @param entry put events of a watch with {@link WatchOptions.Builder#includeValues}: the
 *     entry as stored, absent if it changed again before the event was sent
 * @param position opaque token to resume after this event ({@link WatchOptions.Builder#resumeFrom})
 */
public record InvalidationEvent(Kind kind, String namespace, ByteString key, Version version, List<String> tags,
    ByteString purgePrefix, String purgeTag, boolean soft, String purgeId, String topic, ByteString payload,
    String publishId, String originRegion, int shard, long index, Optional<KvEntry> entry, String position) {

  /** The kind of a change. */
  public enum Kind {
    PUT, DELETE, EXPIRE, PURGE, PUBLISH;

    /** The lower-case name, as the CLI prints it. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public InvalidationEvent {
    tags = List.copyOf(tags);
  }

  /** The key as UTF-8 text. */
  public String keyAsString() {
    return key.toString(StandardCharsets.UTF_8);
  }

  /** True for a purge by key. */
  public boolean isKeyPurge() {
    return kind == Kind.PURGE && purgePrefix.isEmpty() && purgeTag.isEmpty();
  }

  /**
   * True when this event may change what is cached under {@code cachedKey} with {@code
   * cachedTags}: a change or key purge of that key, a prefix purge covering it, a tag purge of one of its tags.
   */
  public boolean covers(ByteString cachedKey, List<String> cachedTags) {
    return switch (kind) {
      case PUBLISH -> false;
      case PURGE -> !purgeTag.isEmpty() ? cachedTags.contains(purgeTag)
          : !purgePrefix.isEmpty() ? cachedKey.startsWith(purgePrefix) : cachedKey.equals(key);
      default -> cachedKey.equals(key);
    };
  }

  static InvalidationEvent of(WatchEvent event) {
    ChangeEvent c = event.getChange();
    Kind kind = switch (c.getKind()) {
      case PUT -> Kind.PUT;
      case DELETE -> Kind.DELETE;
      case EXPIRE -> Kind.EXPIRE;
      case PURGE -> Kind.PURGE;
      case PUBLISH -> Kind.PUBLISH;
      default -> throw new IllegalArgumentException("unknown change kind " + c.getKind());
    };
    return new InvalidationEvent(kind, c.getNamespace(), c.getKey(), Protos.version(c.getVersion()), c.getTagsList(),
        c.getPurgePrefix(), c.getPurgeTag(), c.getSoft(), c.getPurgeId(), c.getTopic(), c.getPayload(),
        c.getPublishId(), c.getOriginRegion(), c.getShard(), c.getIndex(),
        event.hasEntry() ? Optional.of(Protos.entry(event.getEntry())) : Optional.empty(), event.getPosition());
  }
}

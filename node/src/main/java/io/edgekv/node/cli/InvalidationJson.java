package io.edgekv.node.cli;

import com.google.protobuf.ByteString;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.KvEntry;
import io.edgekv.client.PublishResult;
import io.edgekv.client.PurgeResult;
import io.edgekv.client.PurgeStatus;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON objects and text lines of the invalidation commands ({@code kv watch}, {@code kv
 * purge}, {@code kv publish}, {@code admin purge-status}): every field present, camelCase,
 * bytes as UTF-8 text or, when not UTF-8, under a {@code ...Base64} name.
 */
final class InvalidationJson {
  private InvalidationJson() {}

  static Map<String, Object> event(InvalidationEvent e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", e.kind().label());
    out.put("namespace", e.namespace());
    bytes(out, "key", e.key());
    out.put("version", e.version().toString());
    out.put("tags", e.tags());
    bytes(out, "purgePrefix", e.purgePrefix());
    out.put("purgeTag", e.purgeTag());
    out.put("soft", e.soft());
    out.put("purgeId", e.purgeId());
    out.put("topic", e.topic());
    bytes(out, "payload", e.payload());
    out.put("publishId", e.publishId());
    out.put("originRegion", e.originRegion());
    out.put("shard", e.shard());
    out.put("index", e.index());
    out.put("position", e.position());
    KvEntry entry = e.entry().orElse(null);
    if (entry == null) {
      out.put("value", null);
    } else {
      bytes(out, "value", ByteString.copyFrom(entry.value()));
    }
    out.put("reason", null);
    return out;
  }

  static Map<String, Object> reset(String reason, String position) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", "reset");
    out.put("reason", reason);
    out.put("position", position);
    return out;
  }

  /** One text line: the kind first, then what the kind needs. */
  static String line(InvalidationEvent e) {
    StringBuilder line = new StringBuilder(e.kind().label()).append(' ');
    switch (e.kind()) {
      case PUBLISH -> line.append(e.topic()).append(' ').append(text(e.payload())).append(" id=").append(e.publishId());
      case PURGE -> {
        if (!e.purgeTag().isEmpty()) {
          line.append("tag=").append(e.purgeTag());
        } else if (!e.purgePrefix().isEmpty()) {
          line.append("prefix=").append(text(e.purgePrefix()));
        } else {
          line.append("key=").append(text(e.key()));
        }
        line.append(' ').append(e.version()).append(" id=").append(e.purgeId());
        if (e.soft()) {
          line.append(" soft");
        }
      }
      default -> {
        line.append(text(e.key())).append(' ').append(e.version());
        if (!e.tags().isEmpty()) {
          line.append(" tags=").append(String.join(",", e.tags()));
        }
        e.entry().ifPresent(entry -> line.append(" value=").append(text(ByteString.copyFrom(entry.value()))));
      }
    }
    return line.toString();
  }

  static Map<String, Object> purge(PurgeResult r, String selector, String value, boolean soft) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("purgeId", r.purgeId());
    out.put("version", r.version().toString());
    out.put("selector", selector);
    out.put(selector, value);
    out.put("soft", soft);
    out.put("node", r.servedBy().node());
    out.put("region", r.servedBy().region());
    return out;
  }

  static Map<String, Object> publish(PublishResult r, String topic) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("publishId", r.publishId());
    out.put("topic", topic);
    out.put("version", r.version().toString());
    out.put("node", r.servedBy().node());
    out.put("region", r.servedBy().region());
    return out;
  }

  static Map<String, Object> purgeStatus(PurgeStatus status) {
    List<Map<String, Object>> regions = new ArrayList<>();
    for (PurgeStatus.RegionReceipt r : status.regions()) {
      Map<String, Object> region = new LinkedHashMap<>();
      region.put("region", r.region());
      region.put("applied", r.applied());
      region.put("appliedAtHlc", r.appliedAtHlc());
      region.put("appliedAt", r.appliedAt() == null ? null : r.appliedAt().toString());
      region.put("index", r.index());
      region.put("shardsApplied", r.shardsApplied());
      region.put("shards", r.shards());
      region.put("node", r.node());
      region.put("error", r.error().isEmpty() ? null : r.error());
      regions.add(region);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("purgeId", status.purgeId());
    out.put("appliedEverywhere", status.appliedEverywhere());
    out.put("regions", regions);
    return out;
  }

  private static void bytes(Map<String, Object> out, String name, ByteString bytes) {
    String utf8 = utf8OrNull(bytes);
    if (utf8 != null) {
      out.put(name, utf8);
    } else {
      out.put(name + "Base64", Base64.getEncoder().encodeToString(bytes.toByteArray()));
    }
  }

  static String text(ByteString bytes) {
    String utf8 = utf8OrNull(bytes);
    return utf8 != null ? utf8 : "base64:" + Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  private static String utf8OrNull(ByteString bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}

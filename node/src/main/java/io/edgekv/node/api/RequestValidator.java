package io.edgekv.node.api;

import static io.edgekv.node.config.NodeConfig.Limits.MAX_KEY_BYTES;
import static io.edgekv.node.config.NodeConfig.Limits.MAX_METADATA_BYTES;
import static io.edgekv.node.config.NodeConfig.Limits.MAX_TAGS;
import static io.edgekv.node.config.NodeConfig.Limits.MAX_TAG_BYTES;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.Condition;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.replication.command.CommandRules;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks public API input against the limits (DESIGN.md section 3) before anything changes. */
public final class RequestValidator {
  public static final int MAX_NAMESPACE_CHARS = 64;
  public static final int MAX_SCAN_LIMIT = 1000;
  public static final int MAX_BATCH_KEYS = 1000;
  public static final long MIN_TTL_MILLIS = 1000;
  /** The longest TTL: ten years of 365 days (also enforced by the leader and by apply). */
  public static final long MAX_TTL_MILLIS = CommandRules.MAX_TTL_MILLIS;
  public static final int MAX_REQUEST_ID_CHARS = 128;
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.-]+");

  private final NodeConfig.Limits limits;

  public RequestValidator(NodeConfig.Limits limits) {
    this.limits = limits;
  }

  /** The namespace, defaulting to {@code default} when empty. */
  public String namespace(String namespace) {
    if (namespace.isEmpty()) {
      return "default";
    }
    if (namespace.length() > MAX_NAMESPACE_CHARS) {
      throw new InvalidInputException("namespace", String.valueOf(MAX_NAMESPACE_CHARS),
          "namespace is " + namespace.length() + " characters; the limit is " + MAX_NAMESPACE_CHARS);
    }
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new InvalidInputException("namespace", "",
          "namespace '" + namespace + "' has characters outside A-Z, a-z, 0-9, '_', '.', '-'");
    }
    return namespace;
  }

  public byte[] key(ByteString key, String field) {
    if (key.isEmpty()) {
      throw new InvalidInputException(field, "1", field + " is empty; keys are 1 to " + MAX_KEY_BYTES + " bytes");
    }
    if (key.size() > MAX_KEY_BYTES) {
      throw new InvalidInputException(field, String.valueOf(MAX_KEY_BYTES),
          field + " is " + key.size() + " bytes; the limit is " + MAX_KEY_BYTES + " bytes");
    }
    return key.toByteArray();
  }

  public int maxValueBytes() {
    return limits.maxValueBytes();
  }

  public byte[] value(ByteString value) {
    if (value.size() > limits.maxValueBytes()) {
      throw new InvalidInputException("value", String.valueOf(limits.maxValueBytes()),
          "value is " + value.size() + " bytes; the limit is " + limits.maxValueBytes() + " bytes");
    }
    return value.toByteArray();
  }

  public long ttlMillis(long ttlMillis) {
    return ttlMillis(ttlMillis, "ttl_ms");
  }

  /** A TTL of 0 (none) or {@link #MIN_TTL_MILLIS} to {@link #MAX_TTL_MILLIS}, as {@code field}. */
  public long ttlMillis(long ttlMillis, String field) {
    if (ttlMillis != 0 && ttlMillis < MIN_TTL_MILLIS) {
      throw new InvalidInputException(field, String.valueOf(MIN_TTL_MILLIS),
          field + " is " + ttlMillis + "; a TTL is at least " + MIN_TTL_MILLIS + " ms (or 0 for none)");
    }
    if (ttlMillis > MAX_TTL_MILLIS) {
      throw new InvalidInputException(field, String.valueOf(MAX_TTL_MILLIS),
          field + " is " + ttlMillis + "; the limit is " + MAX_TTL_MILLIS + " ms (10 years)");
    }
    return ttlMillis;
  }

  /** A counter increment: non-zero, and no lower than {@link CommandRules#MIN_DELTA} (-(2^63 - 1)). */
  public long delta(long delta) {
    if (delta == 0) {
      throw new InvalidInputException("delta", "", "delta is 0; an increment adds a non-zero amount");
    }
    if (delta < CommandRules.MIN_DELTA) {
      throw new InvalidInputException("delta", String.valueOf(CommandRules.MIN_DELTA),
          "delta is " + delta + "; the limit is " + CommandRules.MIN_DELTA + " to " + Long.MAX_VALUE);
    }
    return delta;
  }

  public List<String> tags(List<String> tags) {
    if (tags.size() > MAX_TAGS) {
      throw new InvalidInputException("tags", String.valueOf(MAX_TAGS),
          tags.size() + " tags given; the limit is " + MAX_TAGS + " per key");
    }
    for (String tag : tags) {
      int bytes = tag.getBytes(StandardCharsets.UTF_8).length;
      if (bytes == 0 || bytes > MAX_TAG_BYTES) {
        throw new InvalidInputException("tags", String.valueOf(MAX_TAG_BYTES),
            "tag '" + abbreviate(tag) + "' is " + bytes + " bytes; tags are 1 to " + MAX_TAG_BYTES + " bytes");
      }
      if (tag.chars().anyMatch(Character::isISOControl)) {
        throw new InvalidInputException("tags", "", "tag '" + abbreviate(tag) + "' contains control characters");
      }
    }
    return List.copyOf(tags.stream().distinct().toList());
  }

  public Map<String, String> metadata(Map<String, String> metadata) {
    int bytes = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new InvalidInputException("metadata", String.valueOf(MAX_METADATA_BYTES),
          "metadata is " + bytes + " bytes; the limit is " + MAX_METADATA_BYTES + " bytes");
    }
    return Map.copyOf(metadata);
  }

  public void condition(Condition condition) {
    if (condition.hasIfVersion() && condition.getIfVersion().getOriginRegion().isEmpty()) {
      throw new InvalidInputException("condition.if_version", "",
          "condition.if_version needs an origin region (versions read \"<hlc>@<region>\")");
    }
  }

  public String requestId(String requestId) {
    if (requestId.length() > MAX_REQUEST_ID_CHARS) {
      throw new InvalidInputException("request_id", String.valueOf(MAX_REQUEST_ID_CHARS),
          "request_id is " + requestId.length() + " characters; the limit is " + MAX_REQUEST_ID_CHARS);
    }
    return requestId;
  }

  public int scanLimit(int limit) {
    if (limit == 0) {
      return 100;
    }
    if (limit < 0 || limit > MAX_SCAN_LIMIT) {
      throw new InvalidInputException("limit", String.valueOf(MAX_SCAN_LIMIT),
          "limit is " + Integer.toUnsignedString(limit) + "; a page holds at most " + MAX_SCAN_LIMIT + " entries");
    }
    return limit;
  }

  public void batchSize(int keys) {
    if (keys > MAX_BATCH_KEYS) {
      throw new InvalidInputException("keys", String.valueOf(MAX_BATCH_KEYS),
          keys + " keys requested; the limit is " + MAX_BATCH_KEYS + " per call");
    }
  }

  public byte[] prefix(ByteString prefix) {
    if (prefix.size() > MAX_KEY_BYTES) {
      throw new InvalidInputException("prefix", String.valueOf(MAX_KEY_BYTES),
          "prefix is " + prefix.size() + " bytes; the limit is " + MAX_KEY_BYTES + " bytes");
    }
    return prefix.toByteArray();
  }

  private static String abbreviate(String s) {
    return s.length() <= 20 ? s : s.substring(0, 20) + "...";
  }
}

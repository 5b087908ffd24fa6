package io.edgekv.node.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgekv.client.PutOptions;
import io.edgekv.client.Txn;
import io.edgekv.client.Version;
import io.edgekv.node.config.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Locale;

/**
 * The JSON document {@code edgekv kv txn} reads (its format is in that command's help): checks
 * that must hold and the puts and deletes to apply together. {@link #parse} checks the whole document before anything is sent and
 * rejects it with an {@link Invalid} whose message begins with the JSON path of the offending
 * element ({@code $.ops[1].put.ttl: ...}); unknown fields are errors too, so a misspelt
 * condition cannot silently turn into an unconditional write.
 */
final class TxnDocument {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final List<Check> checks;
  private final List<Op> ops;

  private TxnDocument(List<Check> checks, List<Op> ops) {
    this.checks = List.copyOf(checks);
    this.ops = List.copyOf(ops);
  }

  /** A document that cannot be a transaction; the message begins with the JSON path. */
  static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Invalid(String path, String problem) {
      super(path + ": " + problem);
    }
  }

  /** One check: {@code ifVersion} set, or else the key must be absent. */
  record Check(byte[] key, Version ifVersion) {}

  /** One op, with its JSON path for errors found later: a put when {@code value} is set, else a delete. */
  record Op(String path, byte[] key, byte[] value, PutOptions options) {}

  List<Check> checks() {
    return checks;
  }

  List<Op> ops() {
    return ops;
  }

  /**
   * Parses and checks a document.
   *
   * @throws Invalid naming the JSON path of the first problem
   */
  static TxnDocument parse(byte[] document) {
    JsonNode root;
    try {
      root = JSON.readTree(document);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      throw new Invalid("$", "not a JSON document: " + e.getOriginalMessage() + where);
    } catch (IOException e) {
      throw new Invalid("$", "not a JSON document: " + e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw new Invalid("$", "the document is empty; expected an object with \"ops\"");
    }
    requireObject(root, "$", Set.of("checks", "ops"));
    List<Check> checks = new ArrayList<>();
    JsonNode checkList = root.get("checks");
    if (checkList != null && !checkList.isNull()) {
      requireArray(checkList, "$.checks");
      for (int i = 0; i < checkList.size(); i++) {
        checks.add(check(checkList.get(i), "$.checks[" + i + "]"));
      }
    }
    JsonNode opList = root.get("ops");
    if (opList == null || opList.isNull()) {
      throw new Invalid("$.ops", "missing; a transaction needs at least one op");
    }
    requireArray(opList, "$.ops");
    if (opList.isEmpty()) {
      throw new Invalid("$.ops", "empty; a transaction needs at least one op");
    }
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < opList.size(); i++) {
      ops.add(op(opList.get(i), "$.ops[" + i + "]"));
    }
    return new TxnDocument(checks, ops);
  }

  /**
   * Adds the checks and ops to {@code txn}, in document order.
   *
   * @throws Invalid naming the op that writes a key an earlier op already writes
   */
  Txn addTo(Txn txn) {
    for (Check c : checks) {
      if (c.ifVersion() != null) {
        txn.ifVersion(c.key(), c.ifVersion());
      } else {
        txn.ifAbsent(c.key());
      }
    }
    for (Op op : ops) {
      try {
        if (op.value() != null) {
          txn.put(op.key(), op.value(), op.options());
        } else {
          txn.delete(op.key());
        }
      } catch (IllegalArgumentException e) {
        throw new Invalid(op.path(), e.getMessage());
      }
    }
    return txn;
  }

  private static Check check(JsonNode node, String path) {
    requireObject(node, path, Set.of("key", "keyBase64", "ifVersion", "ifAbsent"));
    byte[] key = bytes(node, path, "key", true);
    JsonNode ifVersion = node.get("ifVersion");
    JsonNode ifAbsent = node.get("ifAbsent");
    if (ifVersion != null && ifAbsent != null) {
      throw new Invalid(path, "ifVersion and ifAbsent are mutually exclusive");
    }
    if (ifVersion == null && ifAbsent == null) {
      throw new Invalid(path, "needs a condition: ifVersion or ifAbsent");
    }
    if (ifAbsent != null) {
      if (!ifAbsent.isBoolean() || !ifAbsent.booleanValue()) {
        throw new Invalid(path + ".ifAbsent", "must be true (leave the check out otherwise)");
      }
      return new Check(key, null);
    }
    String text = text(ifVersion, path + ".ifVersion");
    try {
      return new Check(key, Version.parse(text));
    } catch (IllegalArgumentException e) {
      throw new Invalid(path + ".ifVersion", GlobalOptions.afterOptionName(e.getMessage()));
    }
  }

  private static Op op(JsonNode node, String path) {
    if (!node.isObject() || node.size() != 1 || !(node.has("put") || node.has("delete"))) {
      throw new Invalid(path, "must be an object with exactly one of \"put\" or \"delete\"");
    }
    if (node.has("delete")) {
      String p = path + ".delete";
      JsonNode delete = node.get("delete");
      requireObject(delete, p, Set.of("key", "keyBase64"));
      return new Op(path, bytes(delete, p, "key", true), null, null);
    }
    String p = path + ".put";
    JsonNode put = node.get("put");
    requireObject(put, p, Set.of("key", "keyBase64", "value", "valueBase64", "ttl", "tags", "metadata"));
    byte[] key = bytes(put, p, "key", true);
    byte[] value = bytes(put, p, "value", false);
    PutOptions.Builder options = PutOptions.builder();
    JsonNode ttl = put.get("ttl");
    if (ttl != null) {
      Duration d;
      try {
        d = Durations.parse(text(ttl, p + ".ttl"), "ttl");
      } catch (IllegalArgumentException e) {
        throw new Invalid(p + ".ttl", GlobalOptions.afterOptionName(e.getMessage()));
      }
      if (d.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new Invalid(p + ".ttl", "must be at least 1s, got '" + ttl.asText() + "'");
      }
      options.ttl(d);
    }
    JsonNode tags = put.get("tags");
    if (tags != null) {
      requireArray(tags, p + ".tags");
      for (int i = 0; i < tags.size(); i++) {
        String tag = text(tags.get(i), p + ".tags[" + i + "]");
        if (tag.isEmpty()) {
          throw new Invalid(p + ".tags[" + i + "]", "must not be empty");
        }
        options.tag(tag);
      }
    }
    JsonNode metadata = put.get("metadata");
    if (metadata != null) {
      if (!metadata.isObject()) {
        throw new Invalid(p + ".metadata", "must be an object of strings");
      }
      for (Map.Entry<String, JsonNode> e : metadata.properties()) {
        options.metadata(e.getKey(), text(e.getValue(), p + ".metadata." + e.getKey()));
      }
    }
    return new Op(path, key, value, options.build());
  }

  /** The bytes of {@code name} (UTF-8 text) or {@code nameBase64}: exactly one must be given. */
  private static byte[] bytes(JsonNode node, String path, String name, boolean nonEmpty) {
    JsonNode text = node.get(name);
    JsonNode base64 = node.get(name + "Base64");
    if (text != null && base64 != null) {
      throw new Invalid(path, name + " and " + name + "Base64 are mutually exclusive");
    }
    if (text == null && base64 == null) {
      throw new Invalid(path, "needs " + name + " (or " + name + "Base64)");
    }
    byte[] bytes;
    if (text != null) {
      bytes = text(text, path + "." + name).getBytes(StandardCharsets.UTF_8);
    } else {
      try {
        bytes = Base64.getDecoder().decode(text(base64, path + "." + name + "Base64"));
      } catch (IllegalArgumentException e) {
        throw new Invalid(path + "." + name + "Base64", "not valid base64: " + e.getMessage());
      }
    }
    if (nonEmpty && bytes.length == 0) {
      throw new Invalid(path + "." + (text != null ? name : name + "Base64"), "must not be empty");
    }
    return bytes;
  }

  private static String text(JsonNode node, String path) {
    if (!node.isTextual()) {
      throw new Invalid(path, "must be a string, got " + kind(node));
    }
    return node.textValue();
  }

  private static void requireObject(JsonNode node, String path, Set<String> fields) {
    if (!node.isObject()) {
      throw new Invalid(path, "must be an object, got " + kind(node));
    }
    for (Map.Entry<String, JsonNode> property : node.properties()) {
      String name = property.getKey();
      if (!fields.contains(name)) {
        throw new Invalid(path + "." + name, "unknown field; expected " + String.join(", ", fields.stream().sorted().toList()));
      }
    }
  }

  private static void requireArray(JsonNode node, String path) {
    if (!node.isArray()) {
      throw new Invalid(path, "must be an array, got " + kind(node));
    }
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }
}

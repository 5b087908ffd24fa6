package io.edgekv.node.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads and writes node configuration files (YAML): the one schema of a node's file, used by the
 * node itself, by {@code edgekv dev --config-out} and by the chaos harness. Durations are written
 * as {@code 500ms}, {@code 30s}, {@code 5m} or {@code 1h}; sizes as bytes or with a binary unit
 * ({@code 32MiB}). Keys a file leaves out take their defaults ({@link NodeConfig#defaults}).
 */
public final class ConfigFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .registerModule(new SimpleModule("edgekv-config")
          .addSerializer(Duration.class, new DurationSerializer())
          .addDeserializer(Duration.class, new DurationDeserializer())
          .addSerializer(ByteSize.class, new ByteSizeSerializer())
          .addDeserializer(ByteSize.class, new ByteSizeDeserializer()));

  private ConfigFiles() {}

  /** Reads and validates a config file; errors name the file and the key. */
  public static NodeConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    try {
      return parse(text);
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses and validates the text of a config file; errors name the key. */
  public static NodeConfig parse(String yaml) {
    NodeConfig config;
    try {
      JsonNode given = YAML.readTree(yaml);
      if (given == null || given.isMissingNode() || given.isNull()) {
        throw new ConfigException("the config file is empty");
      }
      if (!given.isObject()) {
        throw new ConfigException("(top level): must be a mapping of settings, was " + given.getNodeType());
      }
      ObjectNode merged = YAML.valueToTree(NodeConfig.defaults(limitsOf(given)));
      merge(merged, (ObjectNode) given);
      config = YAML.treeToValue(merged, NodeConfig.class);
    } catch (PropertyBindingException e) {
      throw new ConfigException(path(e) + " is not a known setting (known here: "
          + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")", e);
    } catch (JsonMappingException e) {
      throw new ConfigException(path(e) + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("not valid YAML: " + e.getOriginalMessage(), e);
    }
    return config.validate();
  }

  /**
   * The limits the file gives, for the defaults that depend on them (the Watch buffers); a
   * malformed value is left to the full read, which reports it with its key.
   */
  private static NodeConfig.Limits limitsOf(JsonNode given) {
    JsonNode maxValue = given.path("limits").path("maxValueBytes");
    return maxValue.canConvertToInt() && maxValue.isIntegralNumber()
        ? new NodeConfig.Limits(maxValue.intValue()) : NodeConfig.Limits.DEFAULT;
  }

  /** Lays {@code given} over {@code defaults}: mappings merge key by key; anything else replaces; null keeps the default. */
  private static void merge(ObjectNode defaults, ObjectNode given) {
    for (Map.Entry<String, JsonNode> field : given.properties()) {
      JsonNode value = field.getValue();
      JsonNode base = defaults.get(field.getKey());
      if (value.isNull()) {
        continue;
      }
      if (base instanceof ObjectNode baseObject && value instanceof ObjectNode valueObject) {
        merge(baseObject, valueObject);
      } else {
        defaults.set(field.getKey(), value);
      }
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        out.append(out.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.isEmpty() ? "(top level)" : out.toString();
  }

  /** The whole effective configuration as a config file, every default spelled out; {@link #parse} reads it back. */
  public static String toYaml(NodeConfig config) {
    try {
      return YAML.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render config", e);
    }
  }

  public static void write(NodeConfig config, Path file) throws IOException {
    Files.writeString(file, toYaml(config));
  }

  private static final class DurationSerializer extends JsonSerializer<Duration> {
    @Override
    public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
      gen.writeString(Durations.format(value));
    }
  }

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getValueAsString();
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw JsonMappingException.from(p, "'" + p.getText() + "' is not a duration like 500ms, 30s, 5m or 1h");
      }
      try {
        return Durations.parse(text, p.currentName());
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, "'" + text + "' is not a duration like 500ms, 30s, 5m or 1h", e);
      }
    }
  }

  private static final class ByteSizeSerializer extends JsonSerializer<ByteSize> {
    @Override
    public void serialize(ByteSize value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
      gen.writeString(value.format());
    }
  }

  private static final class ByteSizeDeserializer extends JsonDeserializer<ByteSize> {
    @Override
    public ByteSize deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getText();
      if (p.currentToken() != JsonToken.VALUE_STRING && p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
        throw JsonMappingException.from(p, "'" + text + "' is not a size like 1048576, 512KiB, 32MiB or 1GiB");
      }
      try {
        return ByteSize.parse(text, p.currentName());
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, "'" + text + "' is not a size like 1048576, 512KiB, 32MiB or 1GiB", e);
      }
    }
  }
}

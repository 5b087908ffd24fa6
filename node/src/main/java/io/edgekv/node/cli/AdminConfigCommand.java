package io.edgekv.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.edgekv.client.AdminClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code edgekv admin config}: the asked node's effective configuration. Printed as the node
 * renders it, YAML (the format of config files, so the output can be saved as one); with {@code
 * --json}, {@code {"config": <the YAML as a JSON object>, "yaml": "<the text>"}}.
 */
@Command(name = "config", description = "Print the effective configuration of the node asked (YAML).")
final class AdminConfigCommand extends AdminClientCommand {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Override
  protected int run(AdminClient admin) {
    String yaml = admin.config();
    if (global().json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("config", parse(yaml));
      json.put("yaml", yaml);
      out().json(json);
    } else {
      out().line(yaml.stripTrailing());
    }
    return ExitCodes.OK;
  }

  private Object parse(String yaml) {
    try {
      return YAML.readValue(yaml, Object.class);
    } catch (JsonProcessingException e) {
      // The text is still printed under "yaml"; say on stderr why "config" is null.
      out().info("warning: the node's configuration is not valid YAML: " + e.getOriginalMessage());
      return null;
    }
  }
}

package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.PublishResult;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv publish TOPIC PAYLOAD}: broadcasts an application invalidation to every
 * region's watchers of TOPIC (at least once; watchers deduplicate by the printed publish id).
 */
@Command(name = "publish", description = "Broadcast PAYLOAD to every region's watchers of TOPIC; print the publish id and version.")
final class KvPublishCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic.")
  private String topic;

  @Parameters(index = "1", paramLabel = "PAYLOAD", description = "The payload (UTF-8 text).")
  private String payload;

  @Option(names = "--id", paramLabel = "ID", description = "The publish id watchers deduplicate by (default: random).")
  private String id;

  @Override
  protected int run(EdgeKvClient client) {
    if (topic.isEmpty()) {
      throw usage("TOPIC must not be empty");
    }
    if (id != null && id.isEmpty()) {
      throw usage("--id must not be empty");
    }
    PublishResult result;
    try (InvalidationClient invalidation = InvalidationClient.of(client)) {
      result = invalidation.publish(topic, payload.getBytes(StandardCharsets.UTF_8), id);
    }
    if (global().json()) {
      out().json(InvalidationJson.publish(result, topic));
    } else {
      out().line(result.publishId() + " " + result.version());
    }
    return ExitCodes.OK;
  }
}

package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvException;
import io.edgekv.client.InvalidationClient;
import io.edgekv.client.InvalidationEvent;
import io.edgekv.client.ServedBy;
import io.edgekv.client.Watch;
import io.edgekv.client.WatchListener;
import io.edgekv.client.WatchOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgekv kv watch}: prints a line beginning with {@code watching} once the server has
 * confirmed the subscription, then one line per change, beginning with its kind ({@code put},
 * {@code delete}, {@code expire}, {@code purge}, {@code publish}, {@code reset}), until
 * interrupted. With {@code --json} the {@code watching} line goes to stderr and stdout carries
 * one JSON object per event. A broken stream is resumed on the next endpoint from the last
 * position (a notice on stderr). A prefix or tag purge of a region with several shards arrives
 * once per shard; it is printed once (by purge id).
 */
@Command(name = "watch", description = "Print changes as they are applied, one line per event, until interrupted.")
final class KvWatchCommand extends ClientCommand {
  private static final int PURGE_IDS_KEPT = 10_000;

  @Option(names = "--key", paramLabel = "KEY", description = "Watch this key (repeatable).")
  private List<String> keys = new ArrayList<>();

  @Option(names = "--prefix", paramLabel = "PREFIX", description = "Watch keys starting with PREFIX (repeatable).")
  private List<String> prefixes = new ArrayList<>();

  @Option(names = "--tag", paramLabel = "TAG", description = "Watch entries carrying TAG (repeatable).")
  private List<String> tags = new ArrayList<>();

  @Option(names = "--topic", paramLabel = "TOPIC", description = "Watch publishes to TOPIC (repeatable).")
  private List<String> topics = new ArrayList<>();

  @Option(names = "--values", description = "Print the value of each put.")
  private boolean values;

  @Option(names = "--resume", paramLabel = "POSITION",
      description = "Resume after a position printed with an earlier event (--json) of the same region.")
  private String resume;

  @Override
  protected int run(EdgeKvClient client) {
    WatchOptions.Builder options = WatchOptions.builder().includeValues(values).resumeFrom(resume);
    try {
      keys.forEach(options::key);
      prefixes.forEach(options::prefix);
      tags.forEach(options::tag);
      topics.forEach(options::topic);
    } catch (IllegalArgumentException e) {
      throw usage("--" + e.getMessage());
    }
    CliOutput out = out();
    boolean json = global().json();
    CompletableFuture<Integer> ended = new CompletableFuture<>();
    Map<String, Boolean> purgeIds = new LinkedHashMap<>(256, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > PURGE_IDS_KEPT;
      }
    };
    String what = describe();
    try (InvalidationClient invalidation = InvalidationClient.of(client);
        Watch watch = invalidation.watch(options.build(), new WatchListener() {
          private boolean announced;
          private String position = "";

          @Override
          public void onWatching(ServedBy servedBy, String at, boolean resumed) {
            position = at;
            String line = "watching " + what + " in namespace " + client.namespace() + " on node " + servedBy.node()
                + " (region " + servedBy.region() + ")";
            if (!announced) {
              announced = true;
              if (json) {
                out.info(line);
              } else {
                out.line(line);
              }
            } else {
              out.info((resumed ? "resumed " : "restarted ") + line);
            }
          }

          @Override
          public void onEvent(InvalidationEvent event) {
            position = event.position();
            if (event.kind() == InvalidationEvent.Kind.PURGE && purgeIds.put(event.purgeId(), Boolean.TRUE) != null) {
              return;
            }
            if (json) {
              out.json(InvalidationJson.event(event));
            } else {
              out.line(InvalidationJson.line(event));
            }
          }

          @Override
          public void onReset(String reason) {
            if (json) {
              out.json(InvalidationJson.reset(reason, position));
            } else {
              out.line("reset " + reason);
            }
          }

          @Override
          public void onDisconnected(EdgeKvException cause, boolean willRetry) {
            if (willRetry) {
              out.info("warning: watch stream lost (" + cause.getMessage() + "); reconnecting");
            } else {
              ended.completeExceptionally(cause);
            }
          }
        })) {
      watch.awaitWatching(global().timeout());
      try {
        return ended.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof EdgeKvException failed ? failed : new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ExitCodes.OK;
      }
    }
  }

  private String describe() {
    List<String> parts = new ArrayList<>();
    keys.forEach(k -> parts.add("key=" + k));
    prefixes.forEach(p -> parts.add("prefix=" + p));
    tags.forEach(t -> parts.add("tag=" + t));
    topics.forEach(t -> parts.add("topic=" + t));
    return parts.isEmpty() ? "everything" : String.join(" ", parts);
  }
}

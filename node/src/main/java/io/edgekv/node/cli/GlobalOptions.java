package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.EdgeKvClientBuilder;
import io.edgekv.client.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/**
 * The options every {@code edgekv} command accepts, anywhere on the line (they are inherited
 * by all subcommands and bound to the one instance mixed into the root command).
 */
public final class GlobalOptions {

  /** The endpoints used when neither an option nor {@value #ENDPOINTS_ENV} names any. */
  public static final String DEFAULT_ENDPOINT = "127.0.0.1:7400";
  /** The environment variable holding a comma-separated endpoint list. */
  public static final String ENDPOINTS_ENV = "EDGEKV_ENDPOINTS";

  @Option(names = "--endpoint", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      description = "A node's public API address (repeatable; default: $" + ENDPOINTS_ENV
          + " or " + DEFAULT_ENDPOINT + ").")
  private List<String> endpoint = new ArrayList<>();

  @Option(names = "--endpoints", paramLabel = "HOST:PORT", split = ",", scope = ScopeType.INHERIT,
      description = "Comma-separated node addresses; calls fail over between them in order.")
  private List<String> endpoints = new ArrayList<>();

  @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", defaultValue = "default",
      scope = ScopeType.INHERIT, description = "The namespace (tenant) of the keys (default: ${DEFAULT-VALUE}).")
  private String namespace;

  /** The deadline of a call when {@code --timeout} is not given and the command has no default of its own. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  @Option(names = "--timeout", paramLabel = "DURATION",
      converter = DurationConverter.class, scope = ScopeType.INHERIT,
      description = "Deadline of each call, retries included, e.g. 500ms, 30s, 5m (default: 5s;"
          + " admin add-node and remove-node: 30s).")
  private Duration timeout;

  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "Print each result as one JSON object per line.")
  private boolean json;

  /** Whether results are printed as JSON. */
  public boolean json() {
    return json;
  }

  /** The namespace. */
  public String namespace() {
    return namespace;
  }

  /** The deadline of each call: {@code --timeout}, else {@link #DEFAULT_TIMEOUT}. */
  public Duration timeout() {
    return timeoutOr(DEFAULT_TIMEOUT);
  }

  /** {@code --timeout} when given, else {@code commandDefault}. */
  public Duration timeoutOr(Duration commandDefault) {
    return timeout != null ? timeout : commandDefault;
  }

  /**
   * The endpoints: those of {@code --endpoint} and {@code --endpoints}, else those of
   * {@value #ENDPOINTS_ENV}, else {@value #DEFAULT_ENDPOINT}.
   */
  public List<String> endpoints(Map<String, String> env) {
    List<String> given = new ArrayList<>(endpoint);
    given.addAll(endpoints);
    if (!given.isEmpty()) {
      return given;
    }
    String fromEnv = env.get(ENDPOINTS_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return List.of(fromEnv.strip().split("\\s*,\\s*"));
    }
    return List.of(DEFAULT_ENDPOINT);
  }

  /**
   * A client for these options. The retry policy tries each endpoint once more than there
   * are endpoints, with short backoff, so a dead endpoint fails in milliseconds (exit 4)
   * rather than at the deadline.
   *
   * @throws ParameterException naming the option if an endpoint, the namespace or the timeout
   *     is invalid
   */
  public EdgeKvClient newClient(CommandSpec spec, Map<String, String> env) {
    return newClient(spec, env, DEFAULT_TIMEOUT);
  }

  /**
   * {@link #newClient(CommandSpec, Map)} for a command whose calls take {@code commandDefault}
   * unless {@code --timeout} says otherwise.
   */
  public EdgeKvClient newClient(CommandSpec spec, Map<String, String> env, Duration commandDefault) {
    Duration timeout = timeoutOr(commandDefault);
    List<String> list = endpoints(env);
    // Check each source alone first, so that an error names the option (or variable) the bad
    // address came from.
    Map<String, List<String>> sources = new LinkedHashMap<>();
    sources.put("--endpoint", endpoint);
    sources.put("--endpoints", endpoints);
    if (endpoint.isEmpty() && endpoints.isEmpty() && env.containsKey(ENDPOINTS_ENV)) {
      sources.put(ENDPOINTS_ENV, list);
    }
    for (Map.Entry<String, List<String>> source : sources.entrySet()) {
      try {
        EdgeKvClient.builder().endpoints(source.getValue());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), source.getKey() + ": " + afterOptionName(e.getMessage()));
      }
    }
    EdgeKvClientBuilder builder = EdgeKvClient.builder();
    try {
      builder.endpoints(list);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--endpoint/--endpoints: " + afterOptionName(e.getMessage()));
    }
    try {
      builder.namespace(namespace);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--namespace must not be empty");
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--timeout must be positive, got " + timeout);
    }
    return builder
        .deadline(timeout)
        .retryPolicy(RetryPolicy.builder()
            .maxAttempts(Math.min(list.size() + 1, 10))
            .initialBackoff(Duration.ofMillis(25))
            .maxBackoff(Duration.ofMillis(250))
            .build())
        .build();
  }

  /** {@code "endpoints: expected HOST:PORT, got 'x'"} → {@code "expected HOST:PORT, got 'x'"}. */
  static String afterOptionName(String message) {
    int colon = message.indexOf(": ");
    return colon < 0 ? message : message.substring(colon + 2);
  }
}

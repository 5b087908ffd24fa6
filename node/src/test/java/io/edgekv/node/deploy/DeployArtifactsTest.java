package io.edgekv.node.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgekv.api.v1.AdminServiceGrpc;
import io.edgekv.api.v1.DrainRequest;
import io.edgekv.node.config.ConfigFiles;
import io.edgekv.node.config.NodeConfig;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Offline checks of everything under {@code deploy/}: the YAML parses (with YAML 1.1 anchors and
 * merge keys, as Docker Compose and Kubernetes read it), the compose node configs and the
 * Kubernetes config template load as node configs, the Grafana dashboard queries only metrics
 * a live node exposes, and the anycast health check announces and withdraws against a live
 * node that drains.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DeployArtifactsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Series Prometheus itself adds to every target; they never appear in /metrics. */
  private static final Set<String> PROMETHEUS_SYNTHETIC = Set.of("up");
  private static final Set<String> PROMQL_KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan");

  private final Path deploy = Files.isDirectory(Path.of("../deploy")) ? Path.of("../deploy") : Path.of("deploy");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private MiniKvCluster cluster;

  @BeforeAll
  void startCluster() throws IOException {
    cluster = MiniKvCluster.builder().regions(2).nodesPerRegion(1).start();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  // --- (a) YAML parses; Kubernetes manifests ----------------------------------------------------

  @Test
  void everyYamlFileUnderDeployParses() throws IOException {
    List<Path> files = yamlFiles();
    assertTrue(files.size() >= 10, "expected the compose, k8s, prometheus and grafana YAML files, found " + files);
    for (Path file : files) {
      List<Object> docs = loadAll(file);
      assertFalse(docs.isEmpty(), file + " has no YAML document");
      docs.forEach(doc -> assertNotNull(doc, file + " has an empty document"));
    }
  }

  @Test
  void kubernetesStatefulSetsProbeReadyzAndHealthz() throws IOException {
    List<Map<String, Object>> objects = kubernetesObjects();
    List<Map<String, Object>> sets = ofKind(objects, "StatefulSet");
    assertEquals(2, sets.size(), "one StatefulSet per region");
    for (Map<String, Object> set : sets) {
      String name = (String) at(set, "metadata", "name");
      assertEquals(3, at(set, "spec", "replicas"), name);
      assertEquals("Parallel", at(set, "spec", "podManagementPolicy"), name + ": an ordered start never gets a quorum");
      Map<String, Object> container = first(at(set, "spec", "template", "spec", "containers"));
      assertEquals("/readyz", at(container, "readinessProbe", "httpGet", "path"), name);
      assertEquals("/healthz", at(container, "livenessProbe", "httpGet", "path"), name);
      assertNotNull(at(container, "resources", "limits", "memory"), name + " memory limit");
      assertEquals(Boolean.TRUE, at(set, "spec", "template", "spec", "securityContext", "runAsNonRoot"), name);
      assertEquals(Boolean.FALSE, at(container, "securityContext", "allowPrivilegeEscalation"), name);
      String headless = (String) at(set, "spec", "serviceName");
      Map<String, Object> service = ofKind(objects, "Service").stream()
          .filter(s -> headless.equals(at(s, "metadata", "name"))).findFirst()
          .orElseThrow(() -> new AssertionError("no headless Service " + headless));
      assertEquals("None", at(service, "spec", "clusterIP"), headless);
      assertEquals(Boolean.TRUE, at(service, "spec", "publishNotReadyAddresses"),
          headless + ": peers must resolve before they are ready");
    }
    Map<String, Object> policy = ofKind(objects, "NetworkPolicy").getFirst();
    assertTrue(String.valueOf(at(policy, "spec", "ingress")).contains("7600")
        && String.valueOf(at(policy, "spec", "ingress")).contains("podSelector"),
        "the internal and Raft ports are open to EdgeKV pods only: " + policy);
    List<Map<String, Object>> budgets = ofKind(objects, "PodDisruptionBudget");
    assertEquals(2, budgets.size(), "one PodDisruptionBudget per region");
    budgets.forEach(b -> assertEquals(1, at(b, "spec", "maxUnavailable")));
  }

  /** Runs each StatefulSet's real init-container script for each pod and loads the result. */
  @Test
  void kubernetesConfigTemplateRendersAValidConfigForEveryPod() throws Exception {
    List<Map<String, Object>> objects = kubernetesObjects();
    Map<String, Object> configMap = ofKind(objects, "ConfigMap").getFirst();
    Path template = Files.createTempDirectory("edgekv-k8s-template");
    Path out = Files.createTempDirectory("edgekv-k8s-config");
    try {
      Files.writeString(template.resolve("node.yaml.template"), (String) at(configMap, "data", "node.yaml.template"));
      Files.writeString(template.resolve("join-nodes"), "edgekv-us-east-1\n");
      Set<String> ids = new TreeSet<>();
      for (Map<String, Object> set : ofKind(objects, "StatefulSet")) {
        String name = (String) at(set, "metadata", "name");
        Map<String, Object> init = first(at(set, "spec", "template", "spec", "initContainers"));
        List<String> command = new ArrayList<>(strings(at(init, "command")));
        command.addAll(strings(at(init, "args")));
        for (int ordinal = 0; ordinal <= 3; ordinal++) {
          String pod = name + "-" + ordinal;
          ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
          pb.environment().putAll(Map.of("POD_NAME", pod, "POD_NAMESPACE", "prod", "EDGEKV_INITIAL_NODES", "3",
              "EDGEKV_TEMPLATE_DIR", template.toString(), "EDGEKV_CONFIG_DIR", out.toString()));
          Process process = pb.start();
          String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          assertTrue(process.waitFor(10, TimeUnit.SECONDS));
          if (ordinal == 3) {
            assertEquals(1, process.exitValue(), pod + " is not in the topology and must be refused: " + output);
            continue;
          }
          assertEquals(0, process.exitValue(), pod + ": " + output);
          NodeConfig config = ConfigFiles.parse(Files.readString(out.resolve("node.yaml")));
          assertEquals(pod, config.nodeId());
          assertEquals(pod + "." + name + ".prod.svc", config.self().host());
          assertEquals(pod.equals("edgekv-us-east-1"), config.join(), pod + " join (listed in join-nodes)");
          assertEquals("0.0.0.0", config.bindHost());
          assertTrue(config.tls().enabled() && config.security().authEnabled() && config.security().encryptionEnabled(),
              pod + ": secure by default (TLS, tokens, encryption at rest)");
          assertEquals("/etc/edgekv-secrets/" + pod + ".pem", config.tls().certFile());
          config.checkExposure();
          assertRegions(config);
          ids.add(config.nodeId());
        }
      }
      assertEquals(6, ids.size(), ids.toString());
    } finally {
      deleteTree(template);
      deleteTree(out);
    }
  }

  // --- (b) Grafana dashboard queries real metrics -----------------------------------------------

  @Test
  void dashboardQueriesNameMetricsThatALiveNodeExposes() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(deploy.resolve("grafana/edgekv-dashboard.json").toFile());
    assertTrue(dashboard.path("panels").isArray() && !dashboard.path("panels").isEmpty(), "dashboard has no panels");
    List<String> exprs = new ArrayList<>();
    dashboard.findValues("expr").forEach(v -> exprs.add(v.asText()));
    dashboard.path("templating").path("list").forEach(v -> {
      if (v.path("query").has("query")) {
        exprs.add(v.path("query").path("query").asText());
      }
    });
    assertTrue(exprs.size() >= 20, "expected the request/raft/replication/invalidation/rocksdb/jvm queries: " + exprs);

    Set<String> used = new TreeSet<>();
    Set<String> groupingLabels = new TreeSet<>();
    for (String expr : exprs) {
      Set<String> names = metricNames(expr);
      assertFalse(names.isEmpty(), "no metric name found in query " + expr);
      used.addAll(names);
      groupingLabels.addAll(groupingLabels(expr));
    }
    for (String needed : List.of("edgekv_request_latency_seconds_bucket", "edgekv_replication_lag_entries",
        "edgekv_replication_lag_seconds", "edgekv_replication_refused_clock_skew_total", "jvm_memory_used_bytes",
        "jvm_gc_pause_seconds_sum")) {
      assertTrue(used.contains(needed), "dashboard does not use " + needed + "; it uses " + used);
    }
    assertTrue(exprs.stream().anyMatch(e -> e.contains("histogram_quantile(0.99")
        && e.contains("edgekv_request_latency_seconds_bucket")), "no p99 request latency panel");

    cluster.client().put("deploy-test/metrics", "v");
    cluster.client().get("deploy-test/metrics");
    System.gc(); // the JVM's GC pause timer appears after its first collection
    String url = "http://" + cluster.config(0).self().httpAddress() + "/metrics";
    Set<String> wanted = new TreeSet<>(used);
    wanted.removeAll(PROMETHEUS_SYNTHETIC);
    String[] last = {""};
    try {
      MiniKvCluster.await(WAIT, "every dashboard metric in " + url, () -> {
        last[0] = get(url).body();
        return exposedNames(last[0]).containsAll(wanted);
      });
    } catch (AssertionError e) {
      Set<String> missing = new TreeSet<>(wanted);
      missing.removeAll(exposedNames(last[0]));
      throw new AssertionError("the dashboard queries metrics that a live node does not expose: " + missing, e);
    }
    Set<String> exposedLabels = new TreeSet<>();
    Matcher labels = Pattern.compile("[{,]([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher(last[0]);
    while (labels.find()) {
      exposedLabels.add(labels.group(1));
    }
    exposedLabels.add("le");
    groupingLabels.removeAll(exposedLabels);
    assertEquals(Set.of(), groupingLabels, "dashboard groups by labels that /metrics does not have");
  }

  // --- (c) compose ------------------------------------------------------------------------------

  @Test
  void composeRunsTwoRegionsOfThreeNodesWithValidConfigs() throws IOException {
    Path composeFile = deploy.resolve("compose/docker-compose.yml");
    @SuppressWarnings("unchecked")
    Map<String, Object> compose = (Map<String, Object>) loadAll(composeFile).getFirst();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    List<NodeConfig> configs = new ArrayList<>();
    NodeConfig.Topology topology = null;
    for (int i = 0; i < 6; i++) {
      String name = "node-" + i;
      Map<String, Object> service = services.get(name);
      assertNotNull(service, "compose service " + name);
      assertTrue(String.valueOf(at(service, "healthcheck", "test")).contains("/readyz"), name + " healthcheck");
      assertEquals("edgekv:latest", service.get("image"), name);
      assertEquals("deploy/Dockerfile", at(service, "build", "dockerfile"), name);
      List<String> volumes = strings(service.get("volumes"));
      assertTrue(volumes.contains("./config/" + name + ".yaml:/etc/edgekv/node.yaml:ro"), name + " " + volumes);
      assertTrue(volumes.contains(name + "-data:/var/lib/edgekv"), name + " " + volumes);

      NodeConfig config = ConfigFiles.parse(Files.readString(composeFile.resolveSibling("config/" + name + ".yaml")));
      assertEquals(name, config.nodeId());
      assertEquals("0.0.0.0", config.bindHost());
      assertEquals("/var/lib/edgekv", config.dataDir());
      assertRegions(config);
      for (NodeConfig.NodeAddress node : config.topology().allNodes()) {
        assertTrue(services.containsKey(node.host()), node.host() + " is not a compose service");
      }
      if (topology == null) {
        topology = config.topology();
      }
      assertEquals(topology, config.topology(), name + " has another topology than node-0");
      configs.add(config);
    }
    assertEquals(List.of("eu-west", "eu-west", "eu-west", "us-east", "us-east", "us-east"),
        configs.stream().map(c -> c.region().name()).toList());

    // Prometheus scrapes exactly these nodes' HTTP ports.
    @SuppressWarnings("unchecked")
    Map<String, Object> prometheus = (Map<String, Object>) loadAll(deploy.resolve("prometheus/prometheus.yml")).getFirst();
    Set<String> targets = new TreeSet<>();
    for (Object job : (List<?>) prometheus.get("scrape_configs")) {
      if ("edgekv-compose".equals(((Map<?, ?>) job).get("job_name"))) {
        for (Object group : (List<?>) ((Map<?, ?>) job).get("static_configs")) {
          targets.addAll(strings(((Map<?, ?>) group).get("targets")));
        }
      }
    }
    assertEquals(configs.stream().map(c -> c.self().host() + ":" + c.self().httpPort()).collect(Collectors.toCollection(TreeSet::new)),
        targets);
  }

  // --- (d) anycast health check against a live node ---------------------------------------------

  @Test
  void anycastCheckAnnouncesWhileReadyAndWithdrawsAfterDrain() throws Exception {
    String readyz = "http://" + cluster.config(0).self().httpAddress() + "/readyz";
    MiniKvCluster.await(WAIT, "node 0 ready", () -> get(readyz).statusCode() == 200);

    ProcessBuilder pb = new ProcessBuilder("bash", deploy.resolve("anycast/edgekv-anycast-check.sh").toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(Map.of(
        "EDGEKV_HTTP_PORT", String.valueOf(cluster.config(0).self().httpPort()),
        "EDGEKV_CHECK_INTERVAL", "0.1",
        "EDGEKV_CHECK_TIMEOUT", "1",
        "EDGEKV_RISE", "2",
        "EDGEKV_FALL", "2",
        "EDGEKV_REASSERT_EVERY", "0",
        "EDGEKV_MAX_ITERATIONS", "300",
        "EDGEKV_ANNOUNCE_CMD", "echo ANNOUNCE",
        "EDGEKV_WITHDRAW_CMD", "echo WITHDRAW"));
    Process process = pb.start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofPlatform().daemon().name("anycast-check-stdout").start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process was stopped
      }
    });
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.publicAddress(0)).usePlaintext().build();
    try {
      assertEquals("ANNOUNCE", nextLine(lines, process), "first command while the node is ready");

      // A one-node region: the node drains, but the call says its leadership had nowhere to go.
      io.grpc.StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
          io.grpc.StatusRuntimeException.class, () -> AdminServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS).drain(DrainRequest.newBuilder().setDrain(true).build()));
      assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
      assertEquals(503, get(readyz).statusCode(), "/readyz right after the drain");
      assertEquals("WITHDRAW", nextLine(lines, process), "command after the node drained");
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      process.destroyForcibly();
      reader.join(Duration.ofSeconds(5));
      AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .drain(DrainRequest.newBuilder().setDrain(false).build());
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static String nextLine(BlockingQueue<String> lines, Process process) throws InterruptedException {
    String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    if (line == null) {
      fail("the health check printed nothing within " + WAIT + (process.isAlive() ? "" : " (it exited " + process.exitValue() + ")"));
    }
    return line;
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static void assertRegions(NodeConfig config) {
    assertEquals(List.of("eu-west", "us-east"), config.topology().regions().stream().map(NodeConfig.Region::name).toList());
    config.topology().regions().forEach(r -> assertEquals(3, r.nodes().size(), r.name() + " nodes"));
  }

  /** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or strings. */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("label_values\\(([^,]*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)", "$1")
        .replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?<![$\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(?!\\s*\\()").matcher(s);
    while (m.find()) {
      if (!PROMQL_KEYWORDS.contains(m.group(1).toLowerCase())) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static Set<String> groupingLabels(String expr) {
    Set<String> labels = new TreeSet<>();
    Matcher m = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)").matcher(expr);
    while (m.find()) {
      for (String label : m.group(1).split(",")) {
        if (!label.isBlank()) {
          labels.add(label.strip());
        }
      }
    }
    return labels;
  }

  private static Set<String> exposedNames(String metrics) {
    return metrics.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
        .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toSet());
  }

  private HttpResponse<String> get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private List<Path> yamlFiles() throws IOException {
    try (Stream<Path> paths = Files.walk(deploy)) {
      return paths.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
    }
  }

  private static List<Object> loadAll(Path file) throws IOException {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    List<Object> docs = new ArrayList<>();
    try {
      yaml.loadAll(Files.readString(file)).forEach(docs::add);
    } catch (RuntimeException e) {
      throw new AssertionError(file + " is not valid YAML: " + e.getMessage(), e);
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> kubernetesObjects() throws IOException {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Path file : yamlFiles()) {
      if (file.startsWith(deploy.resolve("k8s")) && !file.getFileName().toString().startsWith("kustomization")) {
        for (Object doc : loadAll(file)) {
          Map<String, Object> object = (Map<String, Object>) doc;
          assertNotNull(object.get("apiVersion"), file + ": a document without apiVersion");
          assertNotNull(object.get("kind"), file + ": a document without kind");
          objects.add(object);
        }
      }
    }
    return objects;
  }

  private static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  /** The value at a path of map keys, or null. */
  private static Object at(Object node, String... keys) {
    Object current = node;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> first(Object list) {
    assertTrue(list instanceof List<?> l && !l.isEmpty(), "expected a non-empty list, was " + list);
    return (Map<String, Object>) ((List<?>) list).getFirst();
  }

  private static List<String> strings(Object list) {
    assertTrue(list instanceof List<?>, "expected a list, was " + list);
    return ((List<?>) list).stream().map(String::valueOf).toList();
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

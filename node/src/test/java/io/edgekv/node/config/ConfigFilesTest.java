package io.edgekv.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.node.dev.DevTopology;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigFilesTest {
  /** The smallest valid file: one node of one region. */
  static final String TOPOLOGY = """
      nodeId: node-0
      dataDir: /tmp/edgekv-node-0
      topology:
        shards: 1
        regions:
        - name: eu-west
          nodes:
          - {id: node-0, host: 127.0.0.1, publicPort: 7400, httpPort: 7500, internalPort: 7600, raftPort: 7700}
      """;

  @Test
  void keysLeftOutTakeTheDefaultsOfOnePlace() {
    NodeConfig config = ConfigFiles.parse(TOPOLOGY);
    assertEquals(NodeConfig.RaftSettings.DEFAULT, config.raft());
    assertEquals(NodeConfig.StorageSettings.DEFAULT, config.storage());
    assertEquals(NodeConfig.ReplicationSettings.DEFAULT, config.replication());
    assertEquals(TuningSettings.DEFAULT, config.tuning());
    assertEquals("127.0.0.1", config.bindHost());
  }

  @Test
  void durationsAndSizesAreTyped() {
    NodeConfig config = ConfigFiles.parse(TOPOLOGY + """
        raft: {electionTimeoutMin: 400ms, segmentBytes: 64KiB}
        storage: {blockCacheBytes: 2097152, minFreeBytes: 1GiB}
        replication: {tombstoneGrace: 5m}
        tuning: {tickInterval: 20ms, sweepBatch: 100}
        """);
    assertEquals(Duration.ofMillis(400), config.raft().electionTimeoutMin());
    assertEquals(Duration.ofSeconds(2), config.raft().electionTimeoutMax(), "the rest of a section keeps its defaults");
    assertEquals(64L << 10, config.raft().segmentBytes().bytes());
    assertEquals(2L << 20, config.storage().blockCacheBytes().bytes());
    assertEquals(1L << 30, config.storage().minFreeBytes().bytes());
    assertEquals(Duration.ofMinutes(5), config.replication().tombstoneGrace());
    assertEquals(Duration.ofMillis(20), config.tuning().tickInterval());
    assertEquals(100, config.tuning().sweepBatch());
  }

  @Test
  void theWrittenFileReadsBackEqual() {
    NodeConfig config = ConfigFiles.parse(TOPOLOGY + "raft: {segmentBytes: 100000}\nreplication: {wanDelay: 30ms}\n");
    String yaml = ConfigFiles.toYaml(config);
    assertTrue(yaml.contains("segmentBytes: 100000") && yaml.contains("wanDelay: 30ms"), yaml);
    assertEquals(config, ConfigFiles.parse(yaml));
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    ConfigException duration = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "replication: {gossipInterval: 5 seconds}\n"));
    assertTrue(duration.getMessage().startsWith("replication.gossipInterval: '5 seconds' is not a duration"),
        duration.getMessage());
    ConfigException size = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "storage: {writeBufferBytes: 4MB}\n"));
    assertTrue(size.getMessage().startsWith("storage.writeBufferBytes: '4MB' is not a size"), size.getMessage());
    ConfigException small = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "storage: {writeBufferBytes: 512KiB}\n"));
    assertTrue(small.getMessage().contains("storage.writeBufferBytes must be at least 1MiB"), small.getMessage());
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "tuning: {ticks: 3}\n"));
    assertTrue(unknown.getMessage().startsWith("tuning.ticks is not a known setting"), unknown.getMessage());
    ConfigException threads = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "tuning: {publicThreads: 0}\n"));
    assertTrue(threads.getMessage().contains("tuning.publicThreads must be at least 1"), threads.getMessage());
  }

  @Test
  void quotasParseWithPerNamespaceOverridesAndReadBack() {
    NodeConfig config = ConfigFiles.parse(TOPOLOGY + """
        security:
          quotas:
            clientRequestsPerSecond: 100
            namespaceMaxBytes: 1GiB
            namespaces:
              shop: {requestsPerSecond: 50, burst: 10, maxKeys: 1000, maxBytes: 10MiB}
        """);
    QuotaSettings quotas = config.security().quotas();
    assertEquals(100, quotas.clientRequestsPerSecond());
    assertEquals(new QuotaSettings.NamespaceQuota(50, 10, 1000, ByteSize.ofMiB(10)), quotas.of("shop"));
    assertEquals(new QuotaSettings.NamespaceQuota(0, 0, 0, ByteSize.ofMiB(1024)), quotas.of("other"));
    assertEquals(config, ConfigFiles.parse(ConfigFiles.toYaml(config)));
    assertEquals(QuotaSettings.NONE, ConfigFiles.parse(TOPOLOGY).security().quotas());
    ConfigException negative = assertThrows(ConfigException.class, () -> ConfigFiles.parse(TOPOLOGY
        + "security: {quotas: {namespaces: {shop: {requestsPerSecond: 1, burst: -1, maxKeys: 0, maxBytes: 0}}}}\n"));
    assertTrue(negative.getMessage().contains("security.quotas.namespaces.shop.burst must not be negative"),
        negative.getMessage());
  }

  @Test
  void devConfigsOfManyRegionsReadBack() {
    NodeConfig.Topology topology = DevTopology.topology(5, 1, 2, "127.0.0.1", 7400);
    for (NodeConfig config : DevTopology.configs(topology, "127.0.0.1", Path.of("/tmp/edgekv-dev"),
        NodeConfig.RaftSettings.DEFAULT)) {
      assertEquals(config, ConfigFiles.parse(ConfigFiles.toYaml(config)));
    }
    assertEquals(DevTopology.regionName(3), topology.regions().get(3).name());
  }

  @Test
  void sizesParseAndFormatExactly() {
    assertEquals(ByteSize.ofMiB(32), ByteSize.parse("32MiB", "x"));
    assertEquals("32MiB", ByteSize.ofMiB(32).format());
    assertEquals("1000", ByteSize.ofBytes(1000).format());
    assertEquals(ByteSize.ofBytes(1000), ByteSize.parse("1000", "x"));
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999999TiB", "x"));
  }
}

package io.edgekv.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InvalidationSettingsTest {
  private static final String TOPOLOGY = ConfigFilesTest.TOPOLOGY;

  @Test
  void defaultsBoundWatchBuffersInBytesAndGrowWithTheValueLimit() {
    InvalidationSettings defaults = ConfigFiles.parse(TOPOLOGY).invalidation();
    assertEquals(new InvalidationSettings(10_000, ByteSize.ofMiB(8), ByteSize.ofMiB(64)), defaults);
    InvalidationSettings big = ConfigFiles.parse(TOPOLOGY + "limits: {maxValueBytes: 16777216}\n").invalidation();
    assertEquals(32L << 20, big.streamBufferBytes().bytes());
    assertEquals(64L << 20, big.nodeBufferBytes().bytes());
  }

  @Test
  void explicitLimitsAreReadAndReachTheBus() {
    NodeConfig config = ConfigFiles.parse(TOPOLOGY
        + "invalidation: {streamBufferEvents: 500, streamBufferBytes: 2097152, nodeBufferBytes: 16777216}\n");
    assertEquals(500, config.invalidation().bufferLimits().streamEvents());
    assertEquals(2L << 20, config.invalidation().bufferLimits().streamBytes());
    assertEquals(16L << 20, config.invalidation().bufferLimits().nodeBytes());
    assertEquals(config, ConfigFiles.parse(ConfigFiles.toYaml(config)), "the effective config reads back");
  }

  @Test
  void aStreamBufferThatCannotHoldOneMaximalPublishIsRefusedNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "invalidation: {streamBufferBytes: 1048576}\n"));
    assertTrue(e.getMessage().contains("invalidation.streamBufferBytes") && e.getMessage().contains("1114112"),
        e.getMessage());
    ConfigException node = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "invalidation: {streamBufferBytes: 8388608, nodeBufferBytes: 4194304}\n"));
    assertTrue(node.getMessage().contains("invalidation.nodeBufferBytes"), node.getMessage());
    ConfigException events = assertThrows(ConfigException.class,
        () -> ConfigFiles.parse(TOPOLOGY + "invalidation: {streamBufferEvents: 0}\n"));
    assertTrue(events.getMessage().contains("invalidation.streamBufferEvents"), events.getMessage());
  }
}

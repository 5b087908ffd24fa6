package io.edgekv.chaos;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.node.config.ConfigException;
import io.edgekv.node.config.UnsafeSwitches;
import io.edgekv.node.config.UnsafeSwitches.Switch;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The self-test switches of the node exist only with an explicit second flag. */
class UnsafeSwitchesTest {
  @Test
  void switchesAreRefusedWithoutTheAllowFlag() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> UnsafeSwitches.from(Map.of(UnsafeSwitches.SWITCHES_ENV, "strong-reads-local")));
    assertTrue(e.getMessage().contains(UnsafeSwitches.ALLOW_ENV), e.getMessage());
  }

  @Test
  void allowedSwitchesAreParsed() {
    UnsafeSwitches s = UnsafeSwitches.from(Map.of(UnsafeSwitches.SWITCHES_ENV, "strong-reads-local, session-reads-local",
        UnsafeSwitches.ALLOW_ENV, "1"));
    assertTrue(s.on(Switch.STRONG_READS_LOCAL));
    assertTrue(s.on(Switch.SESSION_READS_LOCAL));
    assertFalse(s.on(Switch.REMOTE_RESTAMP));
    assertTrue(UnsafeSwitches.from(Map.of(UnsafeSwitches.SWITCHES_ENV, "remote-restamp", UnsafeSwitches.ALLOW_ENV, "1"))
        .on(Switch.REMOTE_RESTAMP));
    assertThrows(ConfigException.class, () -> UnsafeSwitches.from(Map.of(UnsafeSwitches.SWITCHES_ENV, "remote-restamp")));
  }

  @Test
  void unknownSwitchIsRefusedByName() {
    ConfigException e = assertThrows(ConfigException.class, () -> UnsafeSwitches.from(Map.of(
        UnsafeSwitches.SWITCHES_ENV, "skip-fsync", UnsafeSwitches.ALLOW_ENV, "1")));
    assertTrue(e.getMessage().contains("skip-fsync"), e.getMessage());
  }

  @Test
  void noVariablesMeansNoSwitches() {
    assertFalse(UnsafeSwitches.from(Map.of()).on(Switch.STRONG_READS_LOCAL));
  }
}

package io.edgekv.chaos.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.chaos.history.Op;
import org.junit.jupiter.api.Test;

class LwwCheckerTest {
  private final LwwChecker checker = new LwwChecker();

  private static void write(Histories h, int p, String key, String value, String version) {
    h.invoke(p, "write", key, "{\"value\":\"" + value + "\"}", null);
    h.ok(p, "write", key, "{\"value\":\"" + value + "\",\"version\":\"" + version + "\"}", null);
  }

  private static void delete(Histories h, int p, String key, String version) {
    h.invoke(p, "delete", key, null, null);
    h.ok(p, "delete", key, "{\"existed\":true,\"version\":\"" + version + "\"}", null);
  }

  private static void finalRead(Histories h, String node, String key, String value, String version) {
    h.add(900, Op.Type.INVOKE, "read", key, null, node, true, "EVENTUAL");
    String v = value == null ? "{\"value\":null,\"version\":null}"
        : "{\"value\":\"" + value + "\",\"version\":\"" + version + "\"}";
    h.add(900, Op.Type.OK, "read", key, v, node, true, "EVENTUAL");
  }

  private static void finalEverywhere(Histories h, String key, String value, String version) {
    for (String n : new String[] {"n1", "n2", "n3"}) {
      finalRead(h, n, key, value, version);
    }
  }

  @Test
  void greatestAcknowledgedVersionWinsEverywhere() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    write(h, 2, "lww/k0", "v1", "100@us-east"); // same hlc: the region breaks the tie
    write(h, 3, "lww/k0", "v2", "90@ap-south");
    finalEverywhere(h, "lww/k0", "v1", "100@us-east");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
  }

  @Test
  void anOlderWinnerIsALostWrite() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    write(h, 2, "lww/k0", "v1", "200@us-east");
    finalEverywhere(h, "lww/k0", "v0", "100@eu-west");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals("lost-write", r.anomalies().getFirst().get("kind").asText());
  }

  @Test
  void anOlderWriteOverAnAcknowledgedDeleteIsAResurrection() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    delete(h, 2, "lww/k0", "150@us-east");
    finalEverywhere(h, "lww/k0", "v0", "100@eu-west");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertEquals("resurrected", r.anomalies().getFirst().get("kind").asText());
  }

  @Test
  void aNewerDeleteLeavesTheKeyMissingAndANewerWriteBringsItBack() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    delete(h, 2, "lww/k0", "150@us-east");
    finalEverywhere(h, "lww/k0", null, null);
    write(h, 1, "lww/k1", "v1", "100@eu-west");
    delete(h, 2, "lww/k1", "150@us-east");
    write(h, 3, "lww/k1", "v2", "160@ap-south");
    finalEverywhere(h, "lww/k1", "v2", "160@ap-south");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
  }

  @Test
  void aMissingKeyWhoseLastAcknowledgedOperationIsAWriteIsLostUnlessADeleteIsUncertain() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    finalEverywhere(h, "lww/k0", null, null);
    assertEquals(Verdict.INVALID, checker.check(h.build()).verdict());

    Histories u = new Histories();
    write(u, 1, "lww/k0", "v0", "100@eu-west");
    u.invoke(2, "delete", "lww/k0", null, null);
    u.info(2, "delete", "lww/k0", null);
    finalEverywhere(u, "lww/k0", null, null);
    assertEquals(Verdict.VALID, checker.check(u.build()).verdict());
  }

  @Test
  void aWriteOfUnknownOutcomeMayWinWithAGreaterVersion() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    h.invoke(2, "write", "lww/k0", "{\"value\":\"v1\"}", null);
    h.info(2, "write", "lww/k0", "{\"value\":\"v1\"}");
    finalEverywhere(h, "lww/k0", "v1", "120@us-east");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.VALID, r.verdict(), r.summary());
    assertEquals(1L, r.stats().get("winnersOfUnknownOutcome"));
  }

  @Test
  void aWriteOfUnknownOutcomeThatAReadObservedMustNotBeLost() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    h.invoke(2, "write", "lww/k0", "{\"value\":\"v1\"}", null);
    h.info(2, "write", "lww/k0", "{\"value\":\"v1\"}");
    h.invoke(3, "read", "lww/k0", null, "EVENTUAL");
    h.ok(3, "read", "lww/k0", "{\"value\":\"v1\",\"version\":\"120@us-east\"}", "EVENTUAL");
    finalEverywhere(h, "lww/k0", "v0", "100@eu-west");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict(), r.summary());
    assertTrue(r.anomalies().getFirst().path("message").asText().contains("a read on"), r.summary());
  }

  @Test
  void nodesThatDisagreeDiverge() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    write(h, 2, "lww/k0", "v1", "200@us-east");
    finalRead(h, "n1", "lww/k0", "v1", "200@us-east");
    finalRead(h, "n2", "lww/k0", "v1", "200@us-east");
    finalRead(h, "n3", "lww/k0", "v0", "100@eu-west");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.anomalies().stream().anyMatch(a -> a.get("kind").asText().equals("diverged")));
  }

  @Test
  void phantomValuesAndWrongVersionsAreCaught() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    h.invoke(2, "read", "lww/k0", null, "EVENTUAL");
    h.ok(2, "read", "lww/k0", "{\"value\":\"v0\",\"version\":\"101@eu-west\"}", "EVENTUAL");
    finalEverywhere(h, "lww/k0", "v9", "300@eu-west");
    CheckResult r = checker.check(h.build());
    assertEquals(Verdict.INVALID, r.verdict());
    assertTrue(r.anomalies().stream().anyMatch(a -> a.get("kind").asText().equals("phantom-read")));
    assertTrue(r.anomalies().stream().anyMatch(a -> a.get("kind").asText().equals("phantom-final")));
  }

  @Test
  void aFailedFinalReadLeavesItUndecided() {
    Histories h = new Histories();
    write(h, 1, "lww/k0", "v0", "100@eu-west");
    finalRead(h, "n1", "lww/k0", "v0", "100@eu-west");
    h.add(901, Op.Type.INVOKE, "read", "lww/k0", null, "n2", true, "EVENTUAL");
    h.add(901, Op.Type.FAIL, "read", "lww/k0", null, "n2", true, "EVENTUAL");
    assertEquals(Verdict.UNKNOWN, checker.check(h.build()).verdict());
  }
}

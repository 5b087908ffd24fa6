package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client tokens: signed offline, verified with public keys only, scoped, expiring, tamper-evident. */
class TokensTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir
  Path dir;

  private Tokens verifierFor(SigningKey... keys) throws Exception {
    StringBuilder pem = new StringBuilder();
    for (SigningKey key : keys) {
      pem.append(key.publicKeyPem());
    }
    Path file = dir.resolve("keys-" + System.nanoTime() + ".pem");
    Files.writeString(file, pem);
    return new Tokens(List.of(file), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void aSignedTokenGrantsExactlyItsRightsInItsNamespaces() throws Exception {
    SigningKey key = SigningKey.generate();
    String token = key.sign("app", List.of("shop"), EnumSet.of(Right.READ, Right.WATCH), Duration.ofHours(1), NOW);
    AccessToken granted = verifierFor(key).verify(token);
    assertTrue(granted.allows(Right.READ, "shop"));
    assertTrue(granted.allows(Right.WATCH, "shop"));
    assertFalse(granted.allows(Right.WRITE, "shop"), "write was not granted");
    assertFalse(granted.allows(Right.PURGE, "shop"), "purge was not granted");
    assertFalse(granted.allows(Right.READ, "other"), "another namespace");
    assertFalse(granted.rights().contains(Right.ADMIN));
    assertEquals("app", granted.subject());
  }

  @Test
  void theWildcardNamespaceCoversEveryNamespace() throws Exception {
    SigningKey key = SigningKey.generate();
    String token = key.sign("root", List.of("*"), EnumSet.allOf(Right.class), Duration.ofHours(1), NOW);
    assertTrue(verifierFor(key).verify(token).allows(Right.PURGE, "anything"));
  }

  @Test
  void expiredTokensAreRefused() throws Exception {
    SigningKey key = SigningKey.generate();
    String token = key.sign("app", List.of("shop"), Set.of(Right.READ), Duration.ofMinutes(5), NOW.minusSeconds(600));
    Tokens.InvalidTokenException e = assertThrows(Tokens.InvalidTokenException.class, () -> verifierFor(key).verify(token));
    assertTrue(e.getMessage().contains("expired"), e.getMessage());
  }

  @Test
  void everySingleCharacterChangeIsRefused() throws Exception {
    SigningKey key = SigningKey.generate();
    Tokens tokens = verifierFor(key);
    String token = key.sign("app", List.of("shop"), Set.of(Right.READ), Duration.ofHours(1), NOW);
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      char other = c == 'A' ? 'B' : 'A';
      String changed = token.substring(0, i) + other + token.substring(i + 1);
      assertThrows(Tokens.InvalidTokenException.class, () -> tokens.verify(changed), "changed at " + i);
    }
  }

  @Test
  void aTokenOfAnUnknownKeyIsRefusedAndSeveralKeysRotate() throws Exception {
    SigningKey old = SigningKey.generate();
    SigningKey fresh = SigningKey.generate();
    String oldToken = old.sign("app", List.of("shop"), Set.of(Right.READ), Duration.ofHours(1), NOW);
    String freshToken = fresh.sign("app", List.of("shop"), Set.of(Right.READ), Duration.ofHours(1), NOW);
    assertThrows(Tokens.InvalidTokenException.class, () -> verifierFor(fresh).verify(oldToken));
    Tokens both = verifierFor(old, fresh);
    assertTrue(both.verify(oldToken).allows(Right.READ, "shop"));
    assertTrue(both.verify(freshToken).allows(Right.READ, "shop"));
    assertEquals(Set.of(old.keyId(), fresh.keyId()), both.keyIds());
  }

  @Test
  void garbageIsRefusedWithoutAnException() throws Exception {
    Tokens tokens = verifierFor(SigningKey.generate());
    for (String bad : List.of("", "Bearer", "ekv1.", "ekv1..", "ekv1.!!!.???", "ekv1.AAAA.BBBB", "x".repeat(20_000),
        "ekv2.AAAA.BBBB", "ekv1.AAAA.BBBB.CCCC")) {
      assertThrows(Tokens.InvalidTokenException.class, () -> tokens.verify(bad), bad);
    }
  }

  @Test
  void theSigningKeyFileRoundTrips() throws Exception {
    SigningKey key = SigningKey.generate();
    Path file = dir.resolve("signing.key");
    key.write(file);
    SigningKey read = SigningKey.read(file);
    assertEquals(key.keyId(), read.keyId());
    String token = read.sign("app", List.of("shop"), Set.of(Right.READ), Duration.ofHours(1), NOW);
    assertTrue(verifierFor(key).verify(token).allows(Right.READ, "shop"));
  }
}

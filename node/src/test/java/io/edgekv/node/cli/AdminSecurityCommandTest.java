package io.edgekv.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.node.security.AccessToken;
import io.edgekv.node.security.NodeIdentity;
import io.edgekv.node.security.Pem;
import io.edgekv.node.security.Right;
import io.edgekv.node.security.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code admin certs init} and {@code admin token create}: offline, no endpoint. */
class AdminSecurityCommandTest {
  private static final byte[] NO_INPUT = new byte[0];

  @TempDir
  Path dir;

  @Test
  void certsInitMakesACaNodeCertificatesAndKeysAndTokenCreateSignsWithThem() throws Exception {
    CliRun init = CliRun.run(Map.of(), NO_INPUT, "admin", "certs", "init", "--out", dir.toString(),
        "--regions", "2", "--nodes", "2");
    assertEquals(0, init.exitCode(), init.toString());
    X509Certificate ca = Pem.certificates(dir.resolve("ca.pem")).get(0);
    X509Certificate node3 = Pem.certificates(dir.resolve("certs/node-3.pem")).get(0);
    node3.verify(ca.getPublicKey());
    assertEquals(new NodeIdentity("us-east", "node-3"), NodeIdentity.of(node3).orElseThrow());
    assertTrue(Files.exists(dir.resolve("signing.key")) && Files.exists(dir.resolve("master.key")));

    CliRun again = CliRun.run(Map.of(), NO_INPUT, "admin", "certs", "init", "--out", dir.toString());
    assertEquals(ExitCodes.USAGE, again.exitCode(), "an existing CA is not replaced: " + again);

    CliRun create = CliRun.run(Map.of(), NO_INPUT, "admin", "token", "create", "--signing-key",
        dir.resolve("signing.key").toString(), "--ns", "shop,cart", "--rights", "read,watch", "--ttl", "1h");
    assertEquals(0, create.exitCode(), create.toString());
    assertEquals(1, create.stdoutLines().size(), "the token alone on stdout: " + create);
    AccessToken token = new Tokens(List.of(dir.resolve("token-keys.pem")), Clock.systemUTC())
        .verify(create.stdoutLines().get(0));
    assertTrue(token.allows(Right.READ, "cart") && token.allows(Right.WATCH, "shop"));
    assertTrue(!token.allows(Right.WRITE, "shop") && !token.allows(Right.READ, "other"));
  }

  @Test
  void tokenCreateRefusesUnknownRightsAndMissingKeys() throws Exception {
    CliRun badRight = CliRun.run(Map.of(), NO_INPUT, "admin", "token", "create", "--signing-key",
        dir.resolve("none.key").toString(), "--ns", "shop", "--rights", "read,fly");
    assertEquals(ExitCodes.USAGE, badRight.exitCode());
    badRight.assertOneErrorLine("error: USAGE: --rights: unknown right 'fly'");
    CliRun noKey = CliRun.run(Map.of(), NO_INPUT, "admin", "token", "create", "--signing-key",
        dir.resolve("none.key").toString(), "--ns", "shop", "--rights", "read");
    assertEquals(ExitCodes.USAGE, noKey.exitCode());
    noKey.assertOneErrorLine("error: USAGE: --signing-key: cannot read");
  }

  @Test
  void aTokenWithoutACaIsAUsageErrorNamingTheVariable() {
    CliRun run = CliRun.run(Map.of("EDGEKV_TOKEN", "ekv1.x.y"), NO_INPUT, "kv", "get", "k", "--endpoint",
        "127.0.0.1:1");
    assertEquals(ExitCodes.USAGE, run.exitCode());
    run.assertOneErrorLine("error: USAGE: EDGEKV_TOKEN: a token is only sent over TLS");
  }
}

package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.invalidation.watch.InvalidPositionException;
import io.edgekv.invalidation.watch.WatchPosition;
import io.edgekv.node.api.Errors;
import io.edgekv.node.api.InvalidInputException;
import io.edgekv.node.api.ScanToken;
import io.edgekv.node.api.SessionToken;
import io.edgekv.node.testing.FuzzInputs;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the token parsers a client reaches: bearer tokens, the MAC'd envelope, session
 * tokens, scan continuations and Watch positions. Whatever the input, each parser answers or
 * refuses with its own clean error (which the node turns into INVALID_ARGUMENT or
 * UNAUTHENTICATED) within a deadline: no other exception, no hang. Seeds: {@code
 * src/test/resources/fuzz/tokens.txt} and fresh real encodings.
 */
class TokenParsersFuzzTest {
  private static final long DEADLINE_MILLIS = 5_000;
  private static final SigningKey SIGNING = SigningKey.generate();
  private static final Tokens TOKENS = tokens();
  private static final TokenMac MAC = new TokenMac(List.of(new byte[32]));
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private static Tokens tokens() {
    try {
      Path file = Files.createTempFile("fuzz-token-keys", ".pem");
      file.toFile().deleteOnExit();
      Files.writeString(file, SIGNING.publicKeyPem());
      return new Tokens(List.of(file), Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> seeds() {
    List<String> seeds = new ArrayList<>(FuzzInputs.corpus("tokens.txt", false));
    seeds.add(SIGNING.sign("fuzz", List.of("shop", "*"), EnumSet.allOf(Right.class), Duration.ofHours(1),
        Instant.now()));
    seeds.add(new SessionToken("eu-west", new long[] {1, 2, 3}).seen(1, Map.of("us-east", 7L)).encode());
    seeds.add(ScanToken.encode("user/42".getBytes(StandardCharsets.UTF_8)));
    seeds.add(new WatchPosition("eu-west", new long[] {5, 0, 9}).encode());
    seeds.add(MAC.sign("session_token", seeds.get(seeds.size() - 3)));
    return seeds;
  }

  @Provide
  Arbitrary<String> tokenText() {
    return Arbitraries.oneOf(FuzzInputs.strings(seeds()), Arbitraries.strings().ofMaxLength(300));
  }

  /** Inner bytes of the CRC-checked formats, mutated, then given a valid CRC so the parser looks deeper. */
  @Provide
  Arbitrary<String> checksummed() {
    List<byte[]> bodies = new ArrayList<>();
    for (String seed : List.of(new SessionToken("eu-west", new long[] {1, 2, 3}).seen(1, Map.of("us-east", 7L))
        .encode(), new WatchPosition("eu-west", new long[] {5, 0, 9}).encode())) {
      byte[] all = Base64.getUrlDecoder().decode(seed);
      bodies.add(Arrays.copyOf(all, all.length - 4));
    }
    return FuzzInputs.bytes(bodies).map(body -> B64.encodeToString(FuzzInputs.withCrc32c(body)));
  }

  @Property
  void bearerTokensVerifyOrAreRefusedUnauthenticated(@ForAll("tokenText") String token) {
    FuzzInputs.within(DEADLINE_MILLIS, () -> {
      try {
        AccessToken granted = TOKENS.verify(token);
        assertTrue(granted.expiresAt().isAfter(Instant.now()), "an accepted token is unexpired");
      } catch (Tokens.InvalidTokenException e) {
        assertTrue(!e.getMessage().isEmpty());
      }
      return null;
    });
  }

  @Property
  void macEnvelopesVerifyOnlyUnchanged(@ForAll("tokenText") String signed) {
    FuzzInputs.within(DEADLINE_MILLIS, () -> {
      MAC.verify("session_token", signed).ifPresent(inner ->
          assertEquals(MAC.sign("session_token", inner), signed, "only an envelope this key made verifies"));
      return null;
    });
  }

  @Property
  void sessionTokensDecodeOrAreInvalidArgument(@ForAll("tokenText") String token) {
    decodeOrInvalidArgument("session_token", () -> SessionToken.decode(token));
  }

  @Property
  void checksummedSessionTokensDecodeOrAreInvalidArgument(@ForAll("checksummed") String token) {
    decodeOrInvalidArgument("session_token", () -> SessionToken.decode(token));
  }

  @Property
  void scanContinuationsDecodeOrAreInvalidArgument(@ForAll("tokenText") String token) {
    decodeOrInvalidArgument("continuation_token", () -> ScanToken.decode(token, "user/".getBytes(StandardCharsets.UTF_8)));
  }

  @Property
  void watchPositionsDecodeOrAreRefused(@ForAll("tokenText") String token) {
    watchPosition(token);
  }

  @Property
  void checksummedWatchPositionsDecodeOrAreRefused(@ForAll("checksummed") String token) {
    watchPosition(token);
  }

  private static void watchPosition(String token) {
    FuzzInputs.within(DEADLINE_MILLIS, () -> {
      try {
        WatchPosition position = WatchPosition.decode(token);
        assertEquals(position, WatchPosition.decode(position.encode()), "a decoded position reads back");
      } catch (InvalidPositionException e) {
        assertTrue(!e.getMessage().isEmpty());
      }
      return null;
    });
  }

  private static void decodeOrInvalidArgument(String field, Runnable decode) {
    FuzzInputs.within(DEADLINE_MILLIS, () -> {
      try {
        decode.run();
      } catch (InvalidInputException e) {
        assertEquals(field, e.field());
        assertEquals(Status.Code.INVALID_ARGUMENT, Errors.toStatus(e).getStatus().getCode());
      }
      return null;
    });
  }
}

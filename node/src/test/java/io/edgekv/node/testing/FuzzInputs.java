package io.edgekv.node.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Inputs of the fuzz tests (jqwik): seeds from the corpus in {@code src/test/resources/fuzz}
 * (and real encodings a test adds), mutated the way a coverage fuzzer mutates (bit flips, bytes
 * set to boundary values, insertions, deletions, truncations, repeated runs), mixed with plain
 * random bytes. The number of tries comes from {@code jqwik.tries.default} (the {@code fuzz.tries}
 * build property; {@code -Pfuzz} for a long run).
 */
public final class FuzzInputs {
  private static final byte[] BOUNDARY = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, '.', '=', '-', '_', '/', '+'};
  private static final ExecutorService WATCHDOG = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fuzz-case");
    t.setDaemon(true);
    return t;
  });

  private FuzzInputs() {}

  /** The corpus file's entries: blocks separated by lines of {@code ---}, or one per line; # starts a comment line. */
  public static List<String> corpus(String name, boolean blocks) {
    try (InputStream in = FuzzInputs.class.getResourceAsStream("/fuzz/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no corpus file fuzz/" + name + " on the test class path");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String entry : text.split(blocks ? "(?m)^---$" : "\n")) {
        String kept = String.join("\n", entry.lines().filter(l -> !l.startsWith("#")).toList());
        if (!kept.isBlank() || !blocks) {
          out.add(blocks ? kept.strip() : kept);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Seeds mutated 0 to 8 times, or random bytes (one in five). */
  public static Arbitrary<byte[]> bytes(List<byte[]> seeds) {
    Arbitrary<byte[]> mutated = Combinators.combine(Arbitraries.of(seeds), Arbitraries.randoms(),
        Arbitraries.integers().between(0, 8)).as(FuzzInputs::mutate);
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
    return Arbitraries.frequencyOf(Tuple.of(4, mutated), Tuple.of(1, random));
  }

  /** {@link #bytes} of the seeds' ASCII spelling, as strings (every byte one char). */
  public static Arbitrary<String> strings(List<String> seeds) {
    return bytes(seeds.stream().map(s -> s.getBytes(StandardCharsets.ISO_8859_1)).toList())
        .map(b -> new String(b, StandardCharsets.ISO_8859_1));
  }

  /** {@code body} with its CRC32C appended, as the session-token and Watch-position formats end. */
  public static byte[] withCrc32c(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body);
    byte[] out = Arrays.copyOf(body, body.length + 4);
    int value = (int) crc.getValue();
    for (int i = 0; i < 4; i++) {
      out[body.length + i] = (byte) (value >>> (24 - 8 * i));
    }
    return out;
  }

  /** Runs {@code input} with a deadline: a parser that hangs fails the case instead of the build. */
  public static <T> T within(long millis, Supplier<T> input) {
    Future<T> future = WATCHDOG.submit(input::get);
    try {
      return future.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new AssertionError("no answer within " + millis + " ms (a hang)", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  static byte[] mutate(byte[] seed, Random random, int rounds) {
    byte[] b = seed.clone();
    for (int i = 0; i < rounds; i++) {
      int at = b.length == 0 ? 0 : random.nextInt(b.length);
      switch (random.nextInt(7)) {
        case 0 -> {
          if (b.length > 0) {
            b[at] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> {
          if (b.length > 0) {
            b[at] = BOUNDARY[random.nextInt(BOUNDARY.length)];
          }
        }
        case 2 -> {
          byte[] insert = new byte[1 + random.nextInt(8)];
          random.nextBytes(insert);
          b = splice(b, at, 0, insert);
        }
        case 3 -> b = splice(b, at, Math.min(b.length - at, 1 + random.nextInt(8)), new byte[0]);
        case 4 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
        case 5 -> {
          int len = Math.min(b.length - at, 1 + random.nextInt(16));
          b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
        }
        default -> {
          if (b.length > 0) {
            b[at] = (byte) random.nextInt(256);
          }
        }
      }
    }
    return b;
  }

  private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }
}

package io.edgekv.chaos.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The WAN relay on loopback, in front of an echo server. */
class WanRelayTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private ServerSocket echo;
  private WanRelay relay;
  private int port;

  @BeforeEach
  void start() throws IOException {
    echo = new ServerSocket(0, 50, LOOPBACK);
    Thread.ofVirtual().start(() -> {
      while (!echo.isClosed()) {
        try {
          Socket s = echo.accept();
          Thread.ofVirtual().start(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
              in.transferTo(out);
            } catch (IOException e) {
              // peer went away
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
    relay = new WanRelay(LOOPBACK);
    port = relay.open("eu", "us", new InetSocketAddress(LOOPBACK, echo.getLocalPort()));
  }

  @AfterEach
  void stop() throws IOException {
    relay.close();
    echo.close();
  }

  /** Median of a few one-byte round trips through the relay, in ms. */
  private static long roundTripMillis(Socket s, int rounds) throws IOException {
    long[] rtts = new long[rounds];
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    for (int i = 0; i < rounds; i++) {
      long t = System.nanoTime();
      out.write(i);
      out.flush();
      assertEquals(i, in.read());
      rtts[i] = (System.nanoTime() - t) / 1_000_000;
    }
    java.util.Arrays.sort(rtts);
    return rtts[rounds / 2];
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(LOOPBACK, port);
    s.setTcpNoDelay(true);
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void addsTheConfiguredDelayEachWay() throws IOException {
    try (Socket s = connect()) {
      // medians of 9: the lower bounds hold by construction, the upper ones (no delay: well under
      // a millisecond on loopback) only need the median to stay clear of a loaded machine's spikes
      long base = roundTripMillis(s, 9);
      relay.set("eu", "us", new WanRelay.Conditions(Duration.ofMillis(25), 0));
      relay.set("us", "eu", new WanRelay.Conditions(Duration.ofMillis(25), 0));
      long delayed = roundTripMillis(s, 9);
      assertTrue(delayed >= 50, "25 ms each way must give a round trip of at least 50 ms, got " + delayed);
      assertTrue(base < 50, "without delay the loopback round trip is short, got " + base);
      relay.heal();
      assertEquals(WanRelay.Conditions.NONE, relay.conditions("eu", "us"));
      assertEquals(WanRelay.Conditions.NONE, relay.conditions("us", "eu"));
      assertTrue(roundTripMillis(s, 9) < 50, "heal returns to no delay");
    }
  }

  @Test
  void delaysEachDirectionSeparately() throws IOException {
    relay.set("eu", "us", new WanRelay.Conditions(Duration.ofMillis(60), 0));
    try (Socket s = connect()) {
      long rtt = roundTripMillis(s, 5);
      assertTrue(rtt >= 60 && rtt < 60 + 200, "only eu->us delayed by 60 ms, round trip " + rtt);
    }
  }

  @Test
  void lossStallsForARetransmissionTimeout() throws IOException {
    relay.set("eu", "us", new WanRelay.Conditions(Duration.ofMillis(10), 1.0));
    try (Socket s = connect()) {
      long rtt = roundTripMillis(s, 3);
      assertTrue(rtt >= 10 + 200 + 20, "a lost chunk waits delay + RTO (200 ms + round trip), got " + rtt);
    }
  }

  @Test
  void keepsBytesInOrderUnderDelayAndLoss() throws Exception {
    relay.set("eu", "us", new WanRelay.Conditions(Duration.ofMillis(5), 0.05));
    relay.set("us", "eu", new WanRelay.Conditions(Duration.ofMillis(5), 0.05));
    byte[] data = new byte[300_000];
    new Random(7).nextBytes(data);
    try (Socket s = connect()) {
      Thread writer = Thread.ofVirtual().start(() -> {
        try {
          OutputStream out = s.getOutputStream();
          for (int off = 0; off < data.length; off += 1000) {
            out.write(data, off, Math.min(1000, data.length - off));
          }
          s.shutdownOutput();
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      byte[] back = new byte[data.length];
      new DataInputStream(s.getInputStream()).readFully(back);
      assertArrayEquals(data, back);
      assertEquals(-1, s.getInputStream().read(), "the echo's half-close is relayed");
      assertTrue(writer.join(Duration.ofSeconds(10)));
    }
  }

  @Test
  void cutResetsOpenConnectionsAndRefusesNewOnesUntilHeal() throws IOException {
    try (Socket s = connect()) {
      roundTripMillis(s, 1);
      relay.cut("127.0.0.1", "127.0.0.1");
      assertThrows(IOException.class, () -> {
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        if (s.getInputStream().read() < 0) {
          throw new IOException("closed");
        }
      });
    }
    try (Socket s = connect()) {
      assertThrows(IOException.class, () -> {
        s.getOutputStream().write(1);
        if (s.getInputStream().read() < 0) {
          throw new IOException("closed");
        }
      }, "a new connection across a cut is reset");
    }
    relay.heal();
    try (Socket s = connect()) {
      assertTrue(roundTripMillis(s, 1) < 1_000);
    }
  }
}

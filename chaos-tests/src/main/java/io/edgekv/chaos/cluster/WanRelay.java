package io.edgekv.chaos.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The WAN between regions, emulated in the harness's JVM: {@code tc netem} does not exist on this
 * kernel (STACK.md), so every node's address for a node of <em>another</em> region points at a
 * port of this relay, which forwards the bytes to the real node. The relay is the only path
 * between regions, so what it does to the bytes is what the regions see:
 *
 * <ul>
 *   <li><b>delay</b>: each chunk read from one side is written to the other side no earlier than
 *       {@code delay} after it arrived, per direction ({@code from} region → {@code to} region);
 *       chunks keep their order, so a later chunk waits for an earlier one (TCP in-order delivery).
 *   <li><b>loss</b>: TCP cannot lose bytes, it retransmits them; what a lost segment costs the
 *       application is a stall of about one retransmission timeout (Linux: at least 200 ms, plus
 *       a round trip) during which everything behind it on that connection waits (head-of-line
 *       blocking). So with probability {@code loss} a chunk is held {@link #lossStall(Duration)}
 *       longer, and the chunks behind it with it. Connections are not reset by loss.
 *   <li><b>cut</b>: a cut pair of nodes (by address) has its open connections reset (RST) and new ones
 *       reset as soon as they are accepted, like {@code iptables -j REJECT --reject-with tcp-reset}.
 * </ul>
 *
 * {@link #heal()} returns every link to the base conditions (no delay, no loss) and uncuts.
 * Thread-safe; a virtual thread per direction of each connection.
 */
public final class WanRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WanRelay.class);
  private static final int CHUNK = 16 * 1024;
  private static final Duration MIN_RTO = Duration.ofMillis(200);

  /**
   * What one direction of the WAN between two regions does.
   *
   * @param delay one-way delay added to every chunk
   * @param loss probability (0..1) that a chunk stalls for a retransmission timeout
   */
  public record Conditions(Duration delay, double loss) {
    public static final Conditions NONE = new Conditions(Duration.ZERO, 0);

    public Conditions {
      if (delay.isNegative() || loss < 0 || loss > 1) {
        throw new IllegalArgumentException("bad WAN conditions " + delay + " " + loss);
      }
    }
  }

  private final InetAddress bind;
  private final Map<String, Conditions> conditions = new ConcurrentHashMap<>();
  private final Set<String> cut = ConcurrentHashMap.newKeySet();
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong stalls = new AtomicLong();

  /** What the relay carried so far: connections, connections refused by cuts, bytes, loss stalls. */
  public String stats() {
    return "connections " + connections.get() + ", refused (cut) " + refused.get() + ", bytes " + bytes.get()
        + ", loss stalls " + stalls.get();
  }

  /** A relay whose listening sockets bind to {@code bind} (e.g. the Docker network's gateway). */
  public WanRelay(InetAddress bind) {
    this.bind = bind;
  }

  /** The extra hold of a "lost" chunk: a retransmission timeout, at least 200 ms, plus a round trip. */
  static Duration lossStall(Duration oneWay) {
    return MIN_RTO.plus(oneWay.multipliedBy(2));
  }

  /**
   * Opens a relay port for connections made by nodes of region {@code from} to a node of region
   * {@code to} at {@code target}.
   *
   * @return the port to put in {@code from}'s nodes' configuration for that node
   */
  public int open(String from, String to, InetSocketAddress target) throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(bind, 0), 128);
    Link link = new Link(from, to, target, server);
    links.add(link);
    Thread.ofVirtual().name("wan-accept-" + from + "-" + to + "-" + server.getLocalPort()).start(link::accept);
    return server.getLocalPort();
  }

  private static String direction(String from, String to) {
    return from + ">" + to;
  }

  private static String pair(String a, String b) {
    return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
  }

  /** Sets what the WAN does to bytes going from region {@code from} to region {@code to}. */
  public void set(String from, String to, Conditions c) {
    conditions.put(direction(from, to), c);
  }

  public Conditions conditions(String from, String to) {
    return conditions.getOrDefault(direction(from, to), Conditions.NONE);
  }

  /**
   * Cuts the nodes at addresses {@code a} and {@code b} (IPs, either order) from each other:
   * their open connections through the relay are reset, new ones are reset when accepted.
   */
  public void cut(String a, String b) {
    String p = pair(a, b);
    cut.add(p);
    for (Link l : links) {
      l.resetPair(p);
    }
  }

  public boolean isCut(String a, String b) {
    return cut.contains(pair(a, b));
  }

  /** Back to the base state: no delay, no loss, no cut. Open connections stay. */
  public void heal() {
    conditions.clear();
    cut.clear();
  }

  @Override
  public void close() {
    closed = true;
    for (Link l : links) {
      l.close();
    }
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0); // close with RST
    } catch (SocketException e) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }

  /** One listening port: connections from region {@code from} to one node of region {@code to}. */
  private final class Link {
    final String from;
    final String to;
    final InetSocketAddress target;
    final ServerSocket server;
    final String targetIp;
    /** Open sockets (both sides of each connection) and the address pair of their connection. */
    final Map<Socket, String> open = new ConcurrentHashMap<>();

    Link(String from, String to, InetSocketAddress target, ServerSocket server) {
      this.from = from;
      this.to = to;
      this.target = target;
      this.server = server;
      this.targetIp = target.getAddress().getHostAddress();
    }

    void accept() {
      while (!closed) {
        Socket client;
        try {
          client = server.accept();
        } catch (IOException e) {
          if (!closed) {
            LOG.warn("relay {}->{} stopped accepting: {}", from, to, e.toString());
          }
          return;
        }
        Thread.ofVirtual().start(() -> connect(client));
      }
    }

    void connect(Socket client) {
      String sourceIp = ((InetSocketAddress) client.getRemoteSocketAddress()).getAddress().getHostAddress();
      String p = pair(sourceIp, targetIp);
      if (cut.contains(p)) {
        refused.incrementAndGet();
        reset(client);
        return;
      }
      connections.incrementAndGet();
      Socket upstream = new Socket();
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        upstream.connect(target, 2_000);
      } catch (IOException e) {
        reset(client);
        reset(upstream);
        return;
      }
      open.put(client, p);
      open.put(upstream, p);
      if (cut.contains(p)) { // cut while connecting
        resetBoth(client, upstream);
        return;
      }
      AtomicInteger halves = new AtomicInteger(2);
      Thread.ofVirtual().start(() -> pump(client, upstream, from, to, halves));
      Thread.ofVirtual().start(() -> pump(upstream, client, to, from, halves));
    }

    void resetBoth(Socket a, Socket b) {
      open.remove(a);
      open.remove(b);
      reset(a);
      reset(b);
    }

    /** Copies {@code in} to {@code out} with the conditions of direction {@code src} → {@code dst}. */
    void pump(Socket in, Socket out, String src, String dst, AtomicInteger halves) {
      LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
      Thread writer = Thread.ofVirtual().start(() -> write(queue, in, out, halves));
      long lastRelease = 0;
      try {
        InputStream is = in.getInputStream();
        byte[] buf = new byte[CHUNK];
        while (true) {
          int n = is.read(buf);
          long now = System.nanoTime();
          Conditions c = conditions(src, dst);
          long hold = c.delay().toNanos();
          if (n > 0 && c.loss() > 0 && ThreadLocalRandom.current().nextDouble() < c.loss()) {
            hold += lossStall(c.delay()).toNanos();
            stalls.incrementAndGet();
          }
          long release = Math.max(now + hold, lastRelease);
          lastRelease = release;
          if (n < 0) {
            queue.put(new Chunk(null, 0, release));
            return;
          }
          bytes.addAndGet(n);
          byte[] copy = new byte[n];
          System.arraycopy(buf, 0, copy, 0, n);
          queue.put(new Chunk(copy, n, release));
        }
      } catch (IOException e) {
        resetBoth(in, out);
        writer.interrupt();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        resetBoth(in, out);
      }
    }

    void write(LinkedBlockingQueue<Chunk> queue, Socket in, Socket out, AtomicInteger halves) {
      try {
        OutputStream os = out.getOutputStream();
        while (true) {
          Chunk chunk = queue.take();
          long wait;
          while ((wait = chunk.releaseNanos() - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
              throw new InterruptedException();
            }
          }
          if (chunk.bytes() == null) {
            out.shutdownOutput(); // half-close, as the sender did
            if (halves.decrementAndGet() == 0) { // both directions ended: release the sockets
              open.remove(in);
              open.remove(out);
              in.close();
              out.close();
            }
            return;
          }
          os.write(chunk.bytes(), 0, chunk.length());
          os.flush();
        }
      } catch (IOException | InterruptedException e) {
        resetBoth(in, out);
      }
    }

    void resetPair(String addressPair) {
      for (Map.Entry<Socket, String> e : new ArrayList<>(open.entrySet())) {
        if (e.getValue().equals(addressPair)) {
          open.remove(e.getKey());
          WanRelay.reset(e.getKey());
        }
      }
    }

    void resetAll() {
      List<Socket> all = new ArrayList<>(open.keySet());
      open.clear();
      all.forEach(WanRelay::reset);
    }

    void close() {
      try {
        server.close();
      } catch (IOException e) {
        // closing anyway
      }
      resetAll();
    }
  }

  private record Chunk(byte[] bytes, int length, long releaseNanos) {}
}

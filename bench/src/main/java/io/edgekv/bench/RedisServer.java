package io.edgekv.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** One Redis server on loopback without persistence (no RDB snapshots, no AOF): the read path's anchor. */
final class RedisServer extends ProcessSystem {
  private final int port;

  private RedisServer(int port) {
    super("redis", "127.0.0.1:" + port, true);
    this.port = port;
  }

  static RedisServer start(Path binary, int port, Path dir, Path logs) throws InterruptedException, IOException {
    Files.createDirectories(dir);
    RedisServer server = new RedisServer(port);
    try {
      server.processes.start(List.of(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no", "--dir", dir.toString(),
          "--logfile", ""), logs.resolve("redis.log"));
      server.processes.await("Redis", Duration.ofSeconds(30), server::answersPing);
      return server;
    } catch (RuntimeException | InterruptedException e) {
      server.close();
      throw e;
    }
  }

  private boolean answersPing() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}

package io.edgekv.node.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON object per line for every admin action and every refused
 * authentication or authorization (who, what, when, result), in {@code audit.log} of a directory.
 * It is bounded: past {@code maxFileBytes} the file becomes {@code audit.log.1} (older ones shift
 * up to {@code keepFiles}; the oldest is deleted). Tokens are never written, only their ids.
 */
public final class AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final long maxFileBytes;
  private final int keepFiles;
  private final Clock clock;
  private long size = -1;

  public AuditLog(Path dir, long maxFileBytes, int keepFiles, Clock clock) {
    this.dir = dir;
    this.maxFileBytes = maxFileBytes;
    this.keepFiles = keepFiles;
    this.clock = clock;
  }

  /** The current file. */
  public Path file() {
    return dir.resolve("audit.log");
  }

  /**
   * Records one event.
   *
   * @param who the token id and subject, a certificate's identity, or the peer address
   * @param what the call (method, namespace)
   * @param result {@code ok} or the status and reason
   */
  public void record(String who, String what, String result, String peer) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", clock.instant().toString());
    line.put("who", who);
    line.put("what", what);
    line.put("result", result);
    line.put("peer", peer);
    byte[] bytes;
    try {
      bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      return;
    }
    append(bytes);
  }

  private synchronized void append(byte[] bytes) {
    try {
      Files.createDirectories(dir);
      Path file = file();
      if (size < 0) {
        size = Files.exists(file) ? Files.size(file) : 0;
      }
      if (size + bytes.length > maxFileBytes && size > 0) {
        rotate();
        size = 0;
      }
      Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      size += bytes.length;
    } catch (IOException e) {
      LOG.warn("cannot write the audit log in {}: {}", dir, e.getMessage());
    }
  }

  private void rotate() throws IOException {
    Files.deleteIfExists(dir.resolve("audit.log." + keepFiles));
    for (int i = keepFiles - 1; i >= 1; i--) {
      Path from = dir.resolve("audit.log." + i);
      if (Files.exists(from)) {
        Files.move(from, dir.resolve("audit.log." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (keepFiles >= 1) {
      Files.move(file(), dir.resolve("audit.log.1"), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.delete(file());
    }
  }
}

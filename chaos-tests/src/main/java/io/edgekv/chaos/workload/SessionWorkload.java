package io.edgekv.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.edgekv.chaos.checker.Checker;
import io.edgekv.chaos.checker.SessionChecker;
import io.edgekv.client.Consistency;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutOptions;
import io.edgekv.client.PutResult;
import io.edgekv.client.ReadOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Collections;

/**
 * Session guarantees across nodes: each process carries its own session token through every
 * operation; it writes through its own node and reads on any node, and reads half of its
 * acknowledged writes back at once on another node (one that has often not applied the write
 * yet: the SESSION barrier must wait for it there). A process owns its keys: it writes strictly increasing integers to its current
 * key and moves to a fresh key every {@link #WRITES_PER_KEY} writes; it reads its own keys
 * and other processes' keys with {@code SESSION} consistency. A retired process's keys are
 * abandoned, so every key has at most one writer and larger values are later writes.
 */
public final class SessionWorkload implements Workload {
  static final int WRITES_PER_KEY = 40;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String prefix;
  /** Keys some process has written, for others to read. */
  private final Map<String, Boolean> written = new ConcurrentHashMap<>();

  public SessionWorkload(String prefix) {
    this.prefix = prefix + "session/";
  }

  private static final class Session {
    String token;
    String key;
    long nextValue;
    int keyNumber;
    int writesOnKey;
  }

  @Override
  public String name() {
    return "session";
  }

  @Override
  public int concurrency() {
    return 4;
  }

  @Override
  public String keyPrefix() {
    return prefix;
  }

  @Override
  public void step(Proc proc) {
    Session s = proc.state();
    if (s == null) {
      s = new Session();
      s.key = prefix + "p" + proc.process() + "/0";
      proc.state(s);
    }
    if (proc.random().nextInt(100) < 40) {
      // writes go through the process's own node; half of the acknowledged ones are read back at
      // once on another node, which has often not applied them yet (the barrier must wait)
      String node = proc.node();
      if (write(proc, s, node) && proc.random().nextBoolean() && proc.clients().nodes().size() > 1) {
        read(proc, s, s.key, otherNode(proc, node));
      }
    } else {
      String key = s.key;
      if (proc.random().nextBoolean() && !written.isEmpty()) {
        List<String> all = new ArrayList<>(written.keySet());
        Collections.sort(all);
        key = all.get(proc.random().nextInt(all.size()));
      }
      // reads land on any node, so a node cut off from the region serves some of them
      read(proc, s, key, proc.anyNode());
    }
  }

  private static String otherNode(Proc proc, String node) {
    List<String> others = proc.clients().nodes().stream().map(n -> n.id()).filter(id -> !id.equals(node)).toList();
    return others.get(proc.random().nextInt(others.size()));
  }

  /** One write of the next value to the session's key; whether it was acknowledged. */
  private boolean write(Proc proc, Session s, String node) {
    if (s.writesOnKey >= WRITES_PER_KEY) {
      s.keyNumber++;
      s.writesOnKey = 0;
      s.key = prefix + "p" + proc.process() + "/" + s.keyNumber;
    }
    long v = ++s.nextValue;
    s.writesOnKey++;
    written.put(s.key, true);
    Proc.Invocation inv = proc.invoke("write", s.key, JSON.numberNode(v), node, null, false);
    try {
      PutResult r = proc.clients().via(node).put(s.key, Long.toString(v),
          PutOptions.builder().sessionToken(s.token).build());
      s.token = r.sessionToken();
      inv.ok(JSON.numberNode(v), r.servedBy().node());
      return true;
    } catch (RuntimeException e) {
      inv.failed(JSON.numberNode(v), e, true);
      return false;
    }
  }

  private static void read(Proc proc, Session s, String key, String node) {
    Proc.Invocation inv = proc.invoke("read", key, NullNode.getInstance(), node, "SESSION", false);
    try {
      GetResult r = proc.clients().via(node).get(key,
          ReadOptions.builder().consistency(Consistency.SESSION).sessionToken(s.token).build());
      if (!r.sessionToken().isEmpty()) {
        s.token = r.sessionToken();
      }
      JsonNode value = r.found() ? JSON.numberNode(Long.parseLong(r.valueAsString())) : NullNode.getInstance();
      inv.ok(value, r.servedBy().node());
    } catch (RuntimeException e) {
      inv.failed(NullNode.getInstance(), e, false);
    }
  }

  @Override
  public void finalReads(Proc proc) {
    // the session checker judges the reads during the run; convergence covers the end state
  }

  @Override
  public List<Checker> checkers() {
    return List.of(new SessionChecker());
  }
}

package io.edgekv.chaos.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
  @Test
  void jsonLinesRoundTripWithTheDocumentedFields(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.jsonl");
    try (Recorder r = new Recorder(file)) {
      r.record(3, Op.Type.INVOKE, "cas", "k", History.JSON.readTree("[1,2]"), "n1", "eu-west", false, null, null);
      r.record(Op.NEMESIS, Op.Type.INFO, "start", null, History.JSON.readTree("[{\"fault\":\"kill\"}]"), null, null, false, null, null);
      r.record(3, Op.Type.OK, "cas", "k", History.JSON.readTree("[1,2]"), "n2", "eu-west", false, null, null);
      r.record(4, Op.Type.INVOKE, "read", "k", null, "n1", "eu-west", true, "STRONG", null);
      r.record(4, Op.Type.INFO, "read", "k", IntNode.valueOf(1), "n1", "eu-west", true, "STRONG", "DEADLINE_EXCEEDED");
    }
    String first = Files.readAllLines(file).getFirst();
    for (String field : new String[] {"\"index\":0", "\"time\":", "\"process\":3", "\"type\":\"invoke\"", "\"f\":\"cas\"",
        "\"key\":\"k\"", "\"value\":[1,2]", "\"node\":\"n1\"", "\"region\":\"eu-west\""}) {
      assertTrue(first.contains(field), first + " lacks " + field);
    }
    assertTrue(Files.readAllLines(file).get(1).contains("\"process\":\"nemesis\""));
    assertTrue(Files.readAllLines(file).get(3).contains("\"final\":true"));
    History h = History.read(file);
    assertEquals(5, h.size());
    assertEquals(2, h.operations().size());
    assertEquals("n2", h.operations().getFirst().completion().node());
    assertTrue(h.operations().get(1).indeterminate());
    assertEquals(1, h.nemesisEvents().size());
  }

  @Test
  void operationWithoutCompletionIsIndeterminate() {
    Recorder r = Recorder.inMemory();
    r.record(1, Op.Type.INVOKE, "write", "k", IntNode.valueOf(1), "n1", null, false, null, null);
    Operation op = r.history().operations().getFirst();
    assertNull(op.completion());
    assertTrue(op.indeterminate());
    assertEquals(Long.MAX_VALUE, op.returnNanos());
  }
}

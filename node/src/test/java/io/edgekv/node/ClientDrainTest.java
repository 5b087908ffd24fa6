package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.DrainResponse;
import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.GetResult;
import io.edgekv.client.PutResult;
import io.edgekv.node.testing.MiniKvCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The Java client against a real node that drains: no call fails, and its traffic moves away. */
class ClientDrainTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void callsNeverFailWhileTheirNodeDrainsAndMoveToTheOtherNodes() throws Exception {
    try (MiniKvCluster cluster = MiniKvCluster.builder().start()) {
      EdgeKvClient client = cluster.client();
      String drained = cluster.config(0).nodeId();
      List<String> servedBy = new CopyOnWriteArrayList<>();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      Thread worker = Thread.ofPlatform().name("drain-worker").start(() -> {
        for (int i = 0; !stop.get(); i++) {
          try {
            PutResult put = client.put("drain/" + i, "v" + i);
            GetResult got = client.get("drain/" + i);
            servedBy.add(put.servedBy().node());
            servedBy.add(got.servedBy().node());
          } catch (RuntimeException e) {
            failures.add(e);
          }
        }
      });
      try {
        MiniKvCluster.await(WAIT, "calls served by " + drained, () -> servedBy.contains(drained));

        DrainResponse response = client.admin(cluster.publicAddress(0)).drain();
        assertTrue(response.getStatus().getDraining());
        int atDrain = servedBy.size();
        MiniKvCluster.await(WAIT, "200 calls after the drain", () -> servedBy.size() > atDrain + 200);
      } finally {
        stop.set(true);
        worker.join();
      }

      assertEquals(List.of(), failures.stream().map(Throwable::toString).toList());
      List<String> last = servedBy.subList(servedBy.size() - 100, servedBy.size());
      assertTrue(last.stream().noneMatch(drained::equals), "still served by the drained node: " + last);
    }
  }
}

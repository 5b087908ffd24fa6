package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgekv.api.v1.DrainRequest;
import io.edgekv.api.v1.StatusRequest;
import io.edgekv.api.v1.TraceRequest;
import io.edgekv.api.v1.TransferLeaderRequest;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminClientTest {

  private InProcessFleet fleet;
  private EdgeKvClient client;

  @BeforeEach
  void start() throws Exception {
    fleet = new InProcessFleet(2);
    client = fleet.clientBuilder().deadline(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stop() {
    client.close();
    fleet.close();
  }

  @Test
  void callsThatActOnANodeGoToTheAskedNodeOnlyAndAreNeverRetriedElsewhere() {
    fleet.node(1).alwaysFail = () -> Status.UNAVAILABLE.withDescription("down").asRuntimeException();

    EdgeKvException e = assertThrows(EdgeKvException.class, () -> client.admin("127.0.0.1:10002").drain());

    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertEquals(1, fleet.node(1).requestsOf(DrainRequest.class).size());
    assertEquals(0, fleet.node(0).requests.size());
    assertTrue(client.admin().drain().getStatus().getDraining());
    assertTrue(fleet.node(0).draining);
  }

  @Test
  void fleetWideReadsStartAtTheAskedNodeAndFailOver() {
    fleet.node(0).nextFailures.add(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
    fleet.node(0).nextFailures.add(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());

    assertEquals("node-1", client.admin().status(false).getAskedNode());
    assertEquals("node-1", client.admin().trace("k").getNodes(0).getNode());
    assertEquals(1, fleet.node(0).requestsOf(TraceRequest.class).size());
    assertEquals("default", fleet.node(1).requestsOf(TraceRequest.class).get(0).getNamespace());
  }

  @Test
  void localStatusIsNotAnsweredByAnotherNode() {
    fleet.node(0).nextFailures.add(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());

    assertThrows(EdgeKvException.class, () -> client.admin().status(true));

    assertEquals(0, fleet.node(1).requestsOf(StatusRequest.class).size());
  }

  @Test
  void transferLeaderGivesTheNodeLessTimeThanTheClientWaits() {
    client.admin().transferLeader(AdminClient.ALL_SHARDS, null);

    TransferLeaderRequest sent = fleet.node(0).requestsOf(TransferLeaderRequest.class).get(0);
    assertEquals(-1, sent.getShard());
    assertEquals("", sent.getTarget());
    assertEquals(8_000, sent.getTimeoutMs());
  }

  @Test
  void adminOfAnEndpointTheClientDoesNotHaveIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client.admin("127.0.0.1:9"));

    assertTrue(e.getMessage().startsWith("endpoint: '127.0.0.1:9' is not one of"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> client.admin().addNode("n", "h", 0));
    assertThrows(IllegalArgumentException.class, () -> client.admin().transferLeader(-2, null));
  }
}

package io.edgekv.replication.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgekv.internal.v1.CommandResult;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.internal.v1.ReplicateResponse;
import io.edgekv.replication.command.Proposal;
import io.edgekv.replication.hlc.HybridClock;
import io.edgekv.replication.pipeline.Deadline;
import io.edgekv.replication.raft.GroupInfo;
import io.edgekv.replication.raft.ReplicaLog;
import io.edgekv.replication.storage.KvEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Relays granted by the destination (docs/replication.md): ap-south has not heard from eu-west
 * directly, us-east and sa-east both hold eu-west's mutations; one of them at a time relays.
 */
class RelayGrantTest {
  private static final String STALE = "eu-west";

  /** A clock the test moves. */
  private static final class ManualClock extends Clock {
    long millis;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  /** ap-south's replica: a vector the test sets; empty requests only, so nothing is proposed. */
  private static final class Replica implements ReplicaLog {
    final ManualClock time = new ManualClock();
    final HybridClock hlc = new HybridClock(time);
    Map<String, Long> vector = Map.of(STALE, 0L);

    @Override
    public String region() {
      return "ap-south";
    }

    @Override
    public String nodeId() {
      return "ap-south-1";
    }

    @Override
    public HybridClock clock() {
      return hlc;
    }

    @Override
    public List<GroupInfo> groups() {
      return List.of();
    }

    @Override
    public <T> T read(int shard, Function<KvEngine, T> reader) {
      throw new UnsupportedOperationException("no storage in this test");
    }

    @Override
    public Map<String, Long> versionVector(int shard) {
      return vector;
    }

    @Override
    public CompletableFuture<CommandResult> submit(int shard, Proposal proposal, Deadline deadline) {
      throw new UnsupportedOperationException("empty requests propose nothing");
    }

    @Override
    public CompletableFuture<Long> awaitApplied(int shard, long index, long timeoutMillis) {
      throw new UnsupportedOperationException("empty requests propose nothing");
    }

    @Override
    public String leader(int shard) {
      return nodeId();
    }
  }

  private final Replica replica = new Replica();
  private final Receiver receiver = new Receiver(replica, Duration.ofSeconds(1), () -> { },
      UnaryOperator.identity(), new Watermarks(replica, List.of("ap-south", "eu-west", "us-east", "sa-east")));

  /** A call from {@code from} at {@code atMillis}, offering eu-west up to {@code offer} (0: no offer); the grants. */
  private List<String> call(String from, long atMillis, long offer) {
    replica.time.millis = atMillis;
    ReplicateRequest.Builder request = ReplicateRequest.newBuilder().setFormat(1).setFromRegion(from).setShard(0);
    if (offer > 0) {
      request.putRelayOffers(STALE, offer);
    }
    ReplicateResponse answer = receiver.replicate(0, request.build(), Deadline.afterMillis(60_000)).join();
    return answer.getRelayGrantsList();
  }

  /** Both relays call every 4 s from t = 0; eu-west calls once at t = 0 and is stale from 15 s on. */
  private void upTo(long untilMillis) {
    call(STALE, 0, 0);
    for (long t = 0; t <= untilMillis; t += 4_000) {
      call("us-east", t, 0);
      call("sa-east", t + 1, 0);
    }
  }

  @Test
  void oneRegionAtATimeRelaysAStaleOrigin() {
    upTo(16_000);
    assertEquals(List.of(STALE), call("us-east", 16_500, 7), "the first offer after the origin went stale is granted");
    assertEquals(List.of(), call("sa-east", 17_000, 7), "another region's offer is not granted while the grant holds");
    replica.vector = Map.of(STALE, 3L);
    assertEquals(List.of(STALE), call("us-east", 18_000, 7), "the holder is told again while it offers");
    assertEquals(List.of(), call("sa-east", 22_000, 7), "progress keeps the grant with its holder");
    assertEquals(List.of(STALE), call("sa-east", 23_100, 7),
        "no progress and no word for " + Receiver.RELAY_HOLD_MILLIS + " ms: another offering region takes it over");
    assertEquals(List.of(), call("us-east", 23_500, 7));
  }

  @Test
  void aHolderThatStopsOfferingGivesTheGrantUp() {
    upTo(16_000);
    assertEquals(List.of(STALE), call("us-east", 16_500, 7));
    replica.vector = Map.of(STALE, 7L);
    assertEquals(List.of(), call("us-east", 17_000, 7), "it delivered what it had: nothing beyond the vector to offer");
    assertEquals(List.of(STALE), call("sa-east", 17_100, 9), "a region holding more gets the grant at once");
  }

  @Test
  void noGrantWithoutAnOfferBeyondTheVectorNorBeforeTheOriginIsStale() {
    upTo(12_000);
    assertEquals(List.of(), call("us-east", 14_000, 7), "eu-west was heard 14 s ago: not stale yet");
    replica.vector = Map.of(STALE, 7L);
    assertEquals(List.of(), call("us-east", 16_000, 7), "an offer of nothing the destination lacks");
    assertEquals(List.of(), call("us-east", 16_100, 0), "no offer");
  }

  @Test
  void aRegionThatJustStartedCallingAgainIsNotGrantedYet() {
    upTo(16_000);
    // eu-west's link to ap-south heals with every other link: a region back for less than
    // RELAY_LINK_MILLIS is not granted, since eu-west itself returns within its back-off.
    call("mx-central", 16_000, 0);
    assertEquals(List.of(), call("mx-central", 17_000, 7));
    call("mx-central", 20_000, 0);
    assertEquals(List.of(STALE), call("mx-central", 16_000 + Receiver.RELAY_LINK_MILLIS, 7));
  }
}

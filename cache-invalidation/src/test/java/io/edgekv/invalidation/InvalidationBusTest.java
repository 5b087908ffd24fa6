package io.edgekv.invalidation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidationBusTest {
  private static ChangeEvent put(String ns, String key, String... tags) {
    return ChangeEvent.newBuilder().setNamespace(ns).setKey(ByteString.copyFromUtf8(key))
        .setKind(ChangeKind.PUT).addAllTags(List.of(tags)).build();
  }

  private static ChangeEvent publish(String ns, String topic, int payloadBytes) {
    return ChangeEvent.newBuilder().setNamespace(ns).setKind(ChangeKind.PUBLISH).setTopic(topic)
        .setPayload(ByteString.copyFrom(new byte[payloadBytes])).build();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void subscriberReceivesOnlyMatchingChangesInApplyOrder() {
    InvalidationBus bus = new InvalidationBus(100);
    Subscription byPrefix = bus.subscribe(new Selector("default", List.of(), List.of(b("user/")), List.of()));
    Subscription byTag = bus.subscribe(new Selector("default", List.of(), List.of(), List.of("hot")));
    bus.publish(put("default", "user/1"));
    bus.publish(put("default", "item/1", "hot"));
    bus.publish(put("other", "user/2"));
    bus.publish(put("default", "user/3", "hot"));

    Subscription.Batch prefixBatch = byPrefix.drain();
    assertFalse(prefixBatch.reset());
    assertEquals(List.of("user/1", "user/3"),
        prefixBatch.events().stream().map(e -> e.getKey().toStringUtf8()).toList());
    assertEquals(List.of("item/1", "user/3"),
        byTag.drain().events().stream().map(e -> e.getKey().toStringUtf8()).toList());
  }

  @Test
  void overrunSubscriberGetsResetInsteadOfSilentLoss() {
    InvalidationBus bus = new InvalidationBus(2);
    Subscription slow = bus.subscribe(Selector.everything("default"));
    for (int i = 0; i < 5; i++) {
      bus.publish(put("default", "k" + i));
    }
    Subscription.Batch batch = slow.drain();
    assertTrue(batch.reset());
    assertTrue(batch.events().isEmpty());
    bus.publish(put("default", "after"));
    assertEquals(1, slow.drain().events().size());
  }

  @Test
  void closedSubscriptionLeavesTheBus() {
    InvalidationBus bus = new InvalidationBus(10);
    Subscription s = bus.subscribe(Selector.everything("default"));
    assertEquals(1, bus.subscriberCount());
    s.close();
    assertEquals(0, bus.subscriberCount());
  }

  @Test
  void subscriberThatStopsReadingHoldsAtMostItsByteLimitWhileLargePublishesFlow() {
    InvalidationBus bus = new InvalidationBus(BufferLimits.DEFAULTS, System::nanoTime);
    Subscription slow = bus.subscribe(Selector.everything("default"));
    long most = 0;
    for (int i = 0; i < 400; i++) {
      bus.publish(publish("default", "t", 1 << 20));
      most = Math.max(most, bus.budget().used());
    }
    assertTrue(most <= BufferLimits.DEFAULTS.streamBytes(), "held " + most + " bytes");
    assertTrue(slow.bufferedBytes() <= BufferLimits.DEFAULTS.streamBytes());
    Subscription.Batch batch = slow.drain();
    assertTrue(batch.reset());
    assertEquals(Subscription.Overrun.STREAM_BYTES, batch.overrun());
    assertTrue(bus.overruns(Subscription.Overrun.STREAM_BYTES) >= 1);
  }

  @Test
  void subscriptionPastItsByteLimitIsResetAndGivesItsBytesBack() {
    InvalidationBus bus = new InvalidationBus(new BufferLimits(1000, 10_000, 100_000), System::nanoTime);
    Subscription s = bus.subscribe(Selector.everything("default"));
    bus.publish(publish("default", "t", 4096));
    bus.publish(publish("default", "t", 4096));
    assertEquals(2, s.buffered());
    assertEquals(s.bufferedBytes(), bus.budget().used());
    bus.publish(publish("default", "t", 4096));
    assertEquals(0, bus.budget().used(), "an overrun subscription holds nothing");
    Subscription.Batch batch = s.drain();
    assertTrue(batch.reset());
    assertEquals(Subscription.Overrun.STREAM_BYTES, batch.overrun());
    bus.publish(publish("default", "t", 4096));
    assertEquals(1, s.drain().events().size(), "buffers afresh after the reset");
    assertEquals(0, bus.budget().used());
  }

  @Test
  void eventLargerThanAStreamBufferOverrunsOnlyThatSubscription() {
    InvalidationBus bus = new InvalidationBus(new BufferLimits(1000, 10_000, 20_000), System::nanoTime);
    Subscription big = bus.subscribe(new Selector("default", List.of(), List.of(), List.of(), List.of("big")));
    Subscription other = bus.subscribe(Selector.everything("other"));
    bus.publish(put("other", "k"));
    bus.publish(publish("default", "big", 50_000));
    assertTrue(big.drain().reset());
    assertEquals(1, other.drain().events().size(), "the other subscription was not shed");
  }

  @Test
  void fullNodeBudgetShedsTheLargestBufferAndSparesReadingSubscribers() {
    BufferLimits limits = new BufferLimits(1000, 40_000, 50_000);
    InvalidationBus bus = new InvalidationBus(limits, System::nanoTime);
    Subscription slow = bus.subscribe(Selector.everything("default"));
    Subscription slower = bus.subscribe(Selector.everything("default"));
    Subscription reading = bus.subscribe(Selector.everything("default"));
    int received = 0;
    for (int i = 0; i < 30; i++) {
      bus.publish(publish("default", "t", 4000));
      assertTrue(bus.budget().used() <= limits.nodeBytes(), "node budget held: " + bus.budget().used());
      Subscription.Batch batch = reading.drain();
      assertFalse(batch.reset(), "the subscriber that keeps reading is never reset");
      received += batch.events().size();
      if (i < 3) {
        slow.drain(); // slower holds the most from here on, by three events
      }
    }
    assertEquals(30, received);
    assertTrue(bus.overruns(Subscription.Overrun.NODE_BYTES) >= 1);
    Subscription.Batch slowerBatch = slower.drain();
    assertTrue(slowerBatch.reset());
    assertEquals(Subscription.Overrun.NODE_BYTES, slowerBatch.overrun());
  }

  @Test
  void drainTakesAtMostTheAskedNumberAndReleasesTheirBytes() {
    InvalidationBus bus = new InvalidationBus(100);
    Subscription s = bus.subscribe(Selector.everything("default"));
    bus.publish(put("default", "a"));
    bus.publish(put("default", "b"));
    long before = bus.budget().used();
    Subscription.Batch first = s.drain(1);
    assertEquals(List.of("a"), first.events().stream().map(e -> e.getKey().toStringUtf8()).toList());
    assertEquals(1, first.publishedAtNanos().size());
    assertTrue(bus.budget().used() < before);
    assertEquals(List.of("b"), s.drain(1).events().stream().map(e -> e.getKey().toStringUtf8()).toList());
    assertEquals(0, bus.budget().used());
  }

  @Test
  void closingASubscriptionGivesItsBytesBack() {
    InvalidationBus bus = new InvalidationBus(100);
    Subscription s = bus.subscribe(Selector.everything("default"));
    bus.publish(publish("default", "t", 1000));
    assertTrue(bus.budget().used() > 1000);
    s.close();
    assertEquals(0, bus.budget().used());
  }
}

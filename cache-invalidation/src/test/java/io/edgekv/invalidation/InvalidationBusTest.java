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
}

package io.edgekv.invalidation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.ChangeEvent;
import io.edgekv.api.v1.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelectorTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ChangeEvent.Builder event(ChangeKind kind) {
    return ChangeEvent.newBuilder().setNamespace("default").setKind(kind);
  }

  @Test
  void publishesReachOnlySubscribersOfTheirTopic() {
    ChangeEvent publish = event(ChangeKind.PUBLISH).setTopic("menu").build();
    assertTrue(new Selector("default", List.of(), List.of(), List.of(), List.of("menu")).matches(publish));
    assertFalse(new Selector("default", List.of(), List.of(b("menu")), List.of(), List.of()).matches(publish));
    assertTrue(Selector.everything("default").matches(publish));
    assertFalse(Selector.everything("other").matches(publish));
  }

  @Test
  void prefixPurgeReachesOverlappingKeysAndPrefixesOnly() {
    ChangeEvent purge = event(ChangeKind.PURGE).setPurgePrefix(ByteString.copyFrom(b("user/"))).build();
    assertTrue(new Selector("default", List.of(b("user/1")), List.of(), List.of()).matches(purge));
    assertTrue(new Selector("default", List.of(), List.of(b("user/1")), List.of()).matches(purge));
    assertTrue(new Selector("default", List.of(), List.of(b("us")), List.of()).matches(purge));
    assertFalse(new Selector("default", List.of(b("item/1")), List.of(b("item/")), List.of()).matches(purge));
    assertTrue(new Selector("default", List.of(), List.of(), List.of("any")).matches(purge));
    assertFalse(new Selector("default", List.of(), List.of(), List.of(), List.of("t")).matches(purge));
  }

  @Test
  void tagPurgeReachesTagSubscribersAndEveryKeyWatcher() {
    ChangeEvent purge = event(ChangeKind.PURGE).setPurgeTag("product-42").build();
    assertTrue(new Selector("default", List.of(), List.of(), List.of("product-42")).matches(purge));
    assertFalse(new Selector("default", List.of(), List.of(), List.of("product-7")).matches(purge));
    assertTrue(new Selector("default", List.of(b("k")), List.of(), List.of()).matches(purge));
  }

  @Test
  void keyPurgeMatchesLikeAChangeOfTheKey() {
    ChangeEvent purge = event(ChangeKind.PURGE).setKey(ByteString.copyFrom(b("user/1"))).build();
    assertTrue(new Selector("default", List.of(), List.of(b("user/")), List.of()).matches(purge));
    assertFalse(new Selector("default", List.of(b("user/2")), List.of(), List.of()).matches(purge));
  }
}

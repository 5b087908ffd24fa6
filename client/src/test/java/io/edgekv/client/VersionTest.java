package io.edgekv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class VersionTest {

  @Test
  void printedVersionParsesBackToTheSameVersion() {
    Version v = new Version(7236127368123392001L, "eu-west");

    assertEquals("7236127368123392001@eu-west", v.toString());
    assertEquals(v, Version.parse(v.toString()));
  }

  @Test
  void hlcIsUnsigned() {
    Version max = new Version(-1L, "us-east");

    assertEquals("18446744073709551615@us-east", max.toString());
    assertEquals(max, Version.parse("18446744073709551615@us-east"));
    assertTrue(max.compareTo(new Version(Long.MAX_VALUE, "us-east")) > 0);
  }

  @Test
  void orderIsHlcThenRegion() {
    assertTrue(new Version(5, "a").compareTo(new Version(6, "a")) < 0);
    assertTrue(new Version(5, "b").compareTo(new Version(5, "a")) > 0);
    assertEquals(0, new Version(5, "a").compareTo(Version.parse("5@a")));
  }

  @Test
  void regionIsEverythingAfterTheFirstAt() {
    assertEquals(new Version(12, "odd@region"), Version.parse("12@odd@region"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "12", "@eu", "-1@eu", "+1@eu", "1x@eu", " 1@eu", "18446744073709551616@eu"})
  void malformedVersionIsRejectedNamingTheOption(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Version.parse(text));
    assertTrue(e.getMessage().startsWith("version: "), e.getMessage());
  }
}

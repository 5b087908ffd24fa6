package io.edgekv.client;

import java.util.Objects;

/** A server address, {@code host:port} or {@code [ipv6]:port}. */
record Endpoint(String host, int port) {

  Endpoint {
    Objects.requireNonNull(host, "host");
  }

  /**
   * Parses {@code text}; errors name {@code option} so the caller can tell which setting was
   * wrong.
   *
   * @throws IllegalArgumentException if {@code text} is not {@code HOST:PORT} with a port in
   *     1..65535
   */
  static Endpoint parse(String option, String text) {
    if (text == null) {
      throw new IllegalArgumentException(option + ": endpoint must not be null");
    }
    String t = text.strip();
    String host;
    String portText;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
        throw malformed(option, text);
      }
      host = t.substring(1, close);
      portText = t.substring(close + 2);
    } else {
      int colon = t.lastIndexOf(':');
      if (colon < 0 || t.indexOf(':') != colon) {
        throw malformed(option, text);
      }
      host = t.substring(0, colon);
      portText = t.substring(colon + 1);
    }
    if (host.isEmpty() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/')) {
      throw malformed(option, text);
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw malformed(option, text);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          option + ": port must be between 1 and 65535, got '" + text + "'");
    }
    return new Endpoint(host, port);
  }

  private static IllegalArgumentException malformed(String option, String text) {
    return new IllegalArgumentException(option + ": expected HOST:PORT, got '" + text + "'");
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}

package io.edgekv.client;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Builds an {@link EdgeKvClient}. Every setter rejects an invalid value at once with an
 * {@link IllegalArgumentException} (or {@link NullPointerException}) whose message names
 * the option. Not thread-safe.
 */
public final class EdgeKvClientBuilder {
  final List<Endpoint> endpoints = new ArrayList<>();
  String namespace = "default";
  Duration deadline = Duration.ofSeconds(5);
  RetryPolicy retryPolicy = RetryPolicy.defaults();
  String sessionToken;
  /** For tests; null = real channels (on {@link #executor}). */
  Function<Endpoint, ManagedChannel> channelFactory;
  Duration drainingDemotion = Duration.ofSeconds(30);
  LongSupplier nanoTime = System::nanoTime;
  Executor executor;

  EdgeKvClientBuilder() {}

  /**
   * Adds one endpoint, {@code HOST:PORT} (an IPv6 host in brackets: {@code [::1]:7400}).
   *
   * @throws IllegalArgumentException naming {@code endpoint} if malformed, or if it was
   *     already added
   */
  public EdgeKvClientBuilder endpoint(String endpoint) {
    add("endpoint", endpoint);
    return this;
  }

  /**
   * Replaces the endpoints. The client starts with the first one and fails over to the
   * others in order.
   *
   * @throws IllegalArgumentException naming {@code endpoints} if one is malformed or
   *     appears twice
   * @throws NullPointerException if the list is null
   */
  public EdgeKvClientBuilder endpoints(List<String> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    this.endpoints.clear();
    for (String e : endpoints) {
      add("endpoints", e);
    }
    return this;
  }

  private void add(String option, String text) {
    Endpoint endpoint = Endpoint.parse(option, text);
    if (endpoints.contains(endpoint)) {
      throw new IllegalArgumentException(option + ": duplicate endpoint '" + text + "'");
    }
    endpoints.add(endpoint);
  }

  /**
   * Sets the namespace (tenant) every call is scoped to; default {@code "default"}.
   *
   * @throws IllegalArgumentException if empty or blank
   * @throws NullPointerException if null
   */
  public EdgeKvClientBuilder namespace(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isBlank()) {
      throw new IllegalArgumentException("namespace must not be empty");
    }
    this.namespace = namespace;
    return this;
  }

  /**
   * Sets the deadline of each call, all its attempts and backoffs included; default 5 s.
   *
   * @throws IllegalArgumentException if zero or negative
   * @throws NullPointerException if null
   */
  public EdgeKvClientBuilder deadline(Duration deadline) {
    Objects.requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    this.deadline = deadline;
    return this;
  }

  /**
   * Sets the retry policy; default {@link RetryPolicy#defaults()}.
   *
   * @throws NullPointerException if null
   */
  public EdgeKvClientBuilder retryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    return this;
  }

  /**
   * Starts the client's session from a token an earlier client received (see {@link
   * EdgeKvClient#sessionToken()}); null or empty starts a fresh session.
   */
  public EdgeKvClientBuilder sessionToken(String sessionToken) {
    this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
    return this;
  }

  /**
   * Sets how long an endpoint that reported it is draining is tried only after the others;
   * default 30 s. Zero turns the demotion off.
   *
   * @throws IllegalArgumentException naming {@code drainingDemotion} if negative
   * @throws NullPointerException if null
   */
  public EdgeKvClientBuilder drainingDemotion(Duration drainingDemotion) {
    Objects.requireNonNull(drainingDemotion, "drainingDemotion");
    if (drainingDemotion.isNegative()) {
      throw new IllegalArgumentException("drainingDemotion must not be negative, got " + drainingDemotion);
    }
    this.drainingDemotion = drainingDemotion;
    return this;
  }

  /**
   * Runs the client's callbacks (Watch listeners and {@code NearCache} invalidations, also
   * through an {@link InvalidationClient#of} this client) on {@code executor} instead of gRPC's
   * shared cached thread pool, which hands every message to a pool thread. A direct executor
   * ({@code Runnable::run}) runs them on the network thread that received the message: the
   * least overhead for a process that holds many watches, but then a listener must never block.
   *
   * @throws NullPointerException if null
   */
  public EdgeKvClientBuilder executor(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
    return this;
  }

  /** Replaces the clock that times demotions; for tests. */
  EdgeKvClientBuilder nanoTime(LongSupplier nanoTime) {
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    return this;
  }

  /** Replaces how channels are opened; for tests over in-process transport. */
  EdgeKvClientBuilder channelFactory(Function<Endpoint, ManagedChannel> channelFactory) {
    this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
    return this;
  }

  /**
   * Builds the client and opens one channel per endpoint (connections are made lazily, on
   * the first call).
   *
   * @throws IllegalStateException naming {@code endpoints} if no endpoint was given
   */
  public EdgeKvClient build() {
    if (endpoints.isEmpty()) {
      throw new IllegalStateException("endpoints: at least one endpoint is required");
    }
    return new EdgeKvClient(this);
  }
}

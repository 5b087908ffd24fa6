/**
 * The EdgeKV Java client: a thread-safe, synchronous and asynchronous API over the public
 * {@code edgekv.v1} gRPC services, with per-call consistency, session tokens, bounded
 * retries and endpoint failover.
 *
 * <p>The entry point is {@link io.edgekv.client.EdgeKvClient#builder()}. Every failure a call
 * reports is an unchecked {@link io.edgekv.client.EdgeKvException} carrying the gRPC status
 * code and the server's {@code google.rpc} details.
 */
package io.edgekv.client;

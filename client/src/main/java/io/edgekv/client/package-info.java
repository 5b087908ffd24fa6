/**
 * The EdgeKV Java client: a thread-safe, synchronous and asynchronous API over the public
 * {@code edgekv.v1} gRPC services, with per-call consistency, session tokens, bounded
 * retries, endpoint failover that steers clear of draining nodes, atomic transactions ({@link
 * io.edgekv.client.Txn}) and the admin API of one node ({@link io.edgekv.client.AdminClient}).
 *
 * <p>The entry point is {@link io.edgekv.client.EdgeKvClient#builder()}. Every failure a call
 * reports is an unchecked {@link io.edgekv.client.EdgeKvException} carrying the gRPC status
 * code and the server's {@code google.rpc} details.
 */
package io.edgekv.client;

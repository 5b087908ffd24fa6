package io.edgekv.chaos.cluster;

/**
 * One node of a cluster under test.
 *
 * @param id node id, as in the topology
 * @param region its region
 * @param endpoint its public gRPC address, {@code host:port}, reachable from the harness
 */
public record NodeRef(String id, String region, String endpoint) {}

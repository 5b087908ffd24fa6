package io.edgekv.client;

/**
 * The outcome of a purge: its id (for {@link InvalidationClient#purgeStatus}) and version
 * (every matching entry older than it is purged, in every region, also one that arrives later).
 */
public record PurgeResult(String purgeId, Version version, ServedBy servedBy) {}

package io.edgekv.client;

/** The outcome of a publish: the id subscribers deduplicate by, and its version. */
public record PublishResult(String publishId, Version version, ServedBy servedBy) {}

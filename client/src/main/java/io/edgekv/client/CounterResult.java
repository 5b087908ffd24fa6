package io.edgekv.client;

/**
 * The outcome of {@link EdgeKvClient#increment(String, long)}.
 *
 * @param value the counter's total as the answering region saw it right after the increment
 * @param version the counter's new version
 * @param servedBy the node that took the call
 * @param sessionToken the session token after the increment
 */
public record CounterResult(long value, Version version, ServedBy servedBy, String sessionToken) {}

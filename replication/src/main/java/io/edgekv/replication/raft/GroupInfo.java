package io.edgekv.replication.raft;

import java.util.List;

/** One shard group as this replica sees it. */
public record GroupInfo(int shard, String groupId, String role, String leader, long appliedIndex,
    long commitIndex, long term, List<String> peers) {}

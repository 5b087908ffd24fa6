package io.edgekv.replication.raft;

/** A member of the region's Raft groups: node id and the host:port of its Raft server. */
public record Peer(String id, String host, int raftPort) {
  public String address() {
    return host + ":" + raftPort;
  }
}

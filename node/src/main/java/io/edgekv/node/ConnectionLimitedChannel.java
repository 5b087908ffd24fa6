package io.edgekv.node;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket that accepts at most {@code max} open connections: one more is closed as
 * soon as it is accepted, so idle or abusive connections cannot use up the node's file
 * descriptors or memory and make it unreachable (its HTTP port included).
 */
final class ConnectionLimitedChannel extends NioServerSocketChannel {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimitedChannel.class);

  private final int max;
  private final AtomicInteger open;
  private final AtomicLong refused;

  ConnectionLimitedChannel(int max, AtomicInteger open, AtomicLong refused) {
    this.max = max;
    this.open = open;
    this.refused = refused;
  }

  @Override
  protected int doReadMessages(List<Object> buf) throws Exception {
    int start = buf.size();
    int accepted = super.doReadMessages(buf);
    for (int i = start; i < buf.size(); i++) {
      Channel child = (Channel) buf.get(i);
      if (open.incrementAndGet() > max) {
        open.decrementAndGet();
        if (refused.getAndIncrement() % 1000 == 0) {
          LOG.warn("refusing a connection from {}: {} connections are open (limit {})", child.remoteAddress(),
              open.get(), max);
        }
        child.unsafe().closeForcibly();
        buf.remove(i--);
        accepted--;
      } else {
        child.closeFuture().addListener(f -> open.decrementAndGet());
      }
    }
    return accepted;
  }
}

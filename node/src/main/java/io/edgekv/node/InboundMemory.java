package io.edgekv.node;

import io.edgekv.node.api.Errors;
import io.edgekv.replication.OverloadedException;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the direct memory that request messages take while the transport receives them.
 *
 * <p>gRPC reads a message's bytes into direct buffers as fast as the sender sends them once the
 * handler has asked for a message, whatever the message's size; many large puts at once (80 of
 * 19 MiB on one connection) exhausted direct memory and stopped the node. Before a unary call may
 * receive its request, it reserves the largest message its server accepts from one JVM-wide pool
 * (direct memory is per JVM) and gives the reservation back once the message is delivered (it is
 * then a heap object, bounded by the proposer's admission). A call that cannot reserve waits
 * without asking for its message: HTTP/2 flow control then holds its sender to the stream window.
 * It is refused {@code RESOURCE_EXHAUSTED} after {@link #MAX_WAIT}; a sender that does not finish
 * its message within {@link #MAX_RECEIVE} is cut off, so a slow sender cannot hold the pool.
 * Streaming calls (Watch) carry small messages and are not gated.
 */
public final class InboundMemory {
  private static final Logger LOG = LoggerFactory.getLogger(InboundMemory.class);

  /** Longest a call waits for room before it is refused. */
  static final Duration MAX_WAIT = Duration.ofSeconds(10);
  /** Longest a call may take to receive its request once it has room. */
  static final Duration MAX_RECEIVE = Duration.ofSeconds(30);

  /**
   * The pool of this JVM: a quarter of its direct memory (one message at a time is always let
   * in). A message's bytes arrive in the transport's read buffers, which a message may hold only
   * partly filled, so it can pin a few times its size; the rest is Netty's own and Ratis'.
   */
  public static final InboundMemory JVM = new InboundMemory(maxDirectMemory() / 4);

  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "edgekv-inbound-timer");
    t.setDaemon(true);
    return t;
  });

  private final long capacity;
  private final ArrayDeque<Gate<?, ?>> waiting = new ArrayDeque<>();
  private long reserved;
  private final AtomicLong refused = new AtomicLong();

  InboundMemory(long capacity) {
    this.capacity = capacity;
  }

  /** {@code -XX:MaxDirectMemorySize}, or the heap's maximum when it is not set (the JVM's default). */
  static long maxDirectMemory() {
    try {
      long set = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .getVMOption("MaxDirectMemorySize").getValue());
      return set > 0 ? set : Runtime.getRuntime().maxMemory();
    } catch (RuntimeException e) {
      return Runtime.getRuntime().maxMemory();
    }
  }

  public long capacity() {
    return capacity;
  }

  /** Calls refused because the pool stayed full, or cut off because their sender was too slow. */
  public long refused() {
    return refused.get();
  }

  synchronized long reserved() {
    return reserved;
  }

  /** The interceptor of one server whose largest inbound message is {@code maxMessageBytes}. */
  public ServerInterceptor interceptor(int maxMessageBytes) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (call.getMethodDescriptor().getType() != MethodType.UNARY) {
          return next.startCall(call, headers);
        }
        Gate<Q, R> gate = new Gate<>(call, Math.min(maxMessageBytes, capacity));
        return gate.listen(next.startCall(gate, headers));
      }
    };
  }

  private void admit(Gate<?, ?> gate) {
    boolean granted;
    synchronized (this) {
      granted = waiting.isEmpty() && (reserved == 0 || reserved + gate.bytes <= capacity);
      if (granted) {
        reserved += gate.bytes;
      } else {
        waiting.addLast(gate);
      }
    }
    if (granted) {
      gate.granted();
    } else {
      gate.waitAtMost(MAX_WAIT);
    }
  }

  /** Returns {@code gate}'s reservation, or takes it out of the queue, and admits whoever now fits. */
  private void release(Gate<?, ?> gate, boolean held) {
    ArrayDeque<Gate<?, ?>> admitted = new ArrayDeque<>();
    synchronized (this) {
      if (held) {
        reserved -= gate.bytes;
      } else {
        waiting.remove(gate);
      }
      while (!waiting.isEmpty() && (reserved == 0 || reserved + waiting.peekFirst().bytes <= capacity)) {
        Gate<?, ?> next = waiting.removeFirst();
        reserved += next.bytes;
        admitted.add(next);
      }
    }
    admitted.forEach(Gate::granted);
  }

  /** One unary call: its request is asked for only once the call holds a reservation. */
  private final class Gate<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private static final int NEW = 0;
    private static final int WAITING = 1;
    private static final int RECEIVING = 2;
    private static final int DONE = 3;

    final long bytes;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private int requested;
    private ScheduledFuture<?> timeout;
    private boolean closed;

    Gate(ServerCall<Q, R> call, long bytes) {
      super(call);
      this.bytes = bytes;
    }

    ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
        @Override
        public void onMessage(Q message) {
          if (finish()) {
            super.onMessage(message);
          }
        }

        @Override
        public void onHalfClose() {
          finish();
          super.onHalfClose();
        }

        @Override
        public void onCancel() {
          finish();
          super.onCancel();
        }

        @Override
        public void onComplete() {
          finish();
          super.onComplete();
        }
      };
    }

    @Override
    public void request(int numMessages) {
      int pending;
      synchronized (this) {
        if (state.get() != RECEIVING) {
          requested += numMessages;
          if (state.compareAndSet(NEW, WAITING)) {
            pending = -1;
          } else {
            return;
          }
        } else {
          pending = numMessages;
        }
      }
      if (pending < 0) {
        admit(this);
      } else {
        super.request(pending);
      }
    }

    void granted() {
      int pending;
      synchronized (this) {
        if (!state.compareAndSet(WAITING, RECEIVING)) {
          release(this, true); // cancelled while it waited for room
          return;
        }
        pending = requested;
        requested = 0;
        schedule(MAX_RECEIVE, "its request was not received within " + MAX_RECEIVE.toSeconds() + " s");
      }
      super.request(pending);
    }

    void waitAtMost(Duration wait) {
      synchronized (this) {
        schedule(wait, "the node is receiving too many large requests (" + (capacity >> 20)
            + " MiB of inbound messages in flight); retry later");
      }
    }

    private void schedule(Duration after, String why) {
      // Called with this gate's lock held.
      if (timeout != null) {
        timeout.cancel(false);
      }
      timeout = TIMER.schedule(() -> expire(why), after.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void expire(String why) {
      int was;
      synchronized (this) {
        was = state.get();
        if (closed || (was != WAITING && was != RECEIVING) || !state.compareAndSet(was, DONE)) {
          return;
        }
        closed = true;
      }
      release(this, was == RECEIVING);
      refused.incrementAndGet();
      LOG.warn("{} refused: {}", getMethodDescriptor().getFullMethodName(), why);
      StatusRuntimeException refusal = Errors.toStatus(new OverloadedException("inbound message bytes",
          (capacity >> 20) + " MiB", Duration.ofSeconds(1), why));
      super.close(refusal.getStatus(), refusal.getTrailers() == null ? new Metadata() : refusal.getTrailers());
    }

    /** Ends the reservation (message delivered, or the call ended); false when the call was cut off. */
    private boolean finish() {
      while (true) {
        int was = state.get();
        if (was == DONE) {
          return false;
        }
        if (state.compareAndSet(was, DONE)) {
          synchronized (this) {
            if (timeout != null) {
              timeout.cancel(false);
            }
          }
          if (was == WAITING || was == RECEIVING) {
            release(this, was == RECEIVING);
          }
          return true;
        }
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      finish();
      synchronized (this) {
        if (closed) {
          return; // refused or cut off here already; the handler's own answer comes too late
        }
        closed = true;
      }
      super.close(status, trailers);
    }
  }
}

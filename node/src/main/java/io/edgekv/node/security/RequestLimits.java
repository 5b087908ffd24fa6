package io.edgekv.node.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.edgekv.api.v1.IncrementRequest;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.node.api.Errors;
import io.edgekv.node.config.QuotaSettings;
import io.edgekv.replication.OverloadedException;
import io.edgekv.replication.apply.NamespaceUsage;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Rate limits and storage quotas of the public port's data calls ({@code security.quotas};
 * docs/security.md). A call over a limit is refused {@code RESOURCE_EXHAUSTED} before it reaches
 * the service, with the retry delay and the limit in the status details, as every overload
 * refusal ({@link OverloadedException}); it changes nothing. Admin and health calls are not
 * limited.
 *
 * <ul>
 *   <li>per client (token subject, or the peer's address without auth), per node: a token bucket
 *       checked when the call starts;
 *   <li>per namespace, per node: a token bucket checked on the call's request;
 *   <li>per namespace, per region: stored keys and bytes ({@link NamespaceUsage}, replicated
 *       state), checked on writes that may add some (Put, Txn, Increment). Near the quota the
 *       call's keys are read locally, so overwriting a key stays possible at the key quota.
 * </ul>
 *
 * <p>Buckets are lock-free ({@link TokenBucket}) in bounded maps; a read costs a map lookup and a
 * compare-and-set.
 */
public final class RequestLimits implements ServerInterceptor {
  private static final Set<String> LIMITED = Set.of("edgekv.v1.KvService", "edgekv.v1.InvalidationService");
  private static final int MAX_BUCKETS = 100_000;
  /** Retry delay of a storage-quota refusal: retrying helps only once something is deleted or expires. */
  static final Duration QUOTA_RETRY = Duration.ofSeconds(1);

  /** The stored counts a quota checks (this node's replica of its region). */
  public interface StoredNamespaces {
    NamespaceUsage.Usage usage(String namespace);

    /** The bytes the live entry of the key counts for, or -1 when it has none. */
    long liveBytes(String namespace, byte[] key);
  }

  private record Write(byte[] key, long bytes) {}

  private final QuotaSettings settings;
  private final StoredNamespaces stored;
  private final LongSupplier nanoTime;
  private final boolean namespaceLimits;
  private final Cache<String, TokenBucket> clients =
      Caffeine.newBuilder().maximumSize(MAX_BUCKETS).expireAfterAccess(Duration.ofMinutes(10)).build();
  private final Cache<String, TokenBucket> namespaces =
      Caffeine.newBuilder().maximumSize(MAX_BUCKETS).expireAfterAccess(Duration.ofMinutes(10)).build();

  public RequestLimits(QuotaSettings settings, StoredNamespaces stored, LongSupplier nanoTime) {
    this.settings = settings;
    this.stored = stored;
    this.nanoTime = nanoTime;
    this.namespaceLimits = settings.namespaceRequestsPerSecond() > 0 || settings.namespaceMaxKeys() > 0
        || settings.namespaceMaxBytes().bytes() > 0 || !settings.namespaces().isEmpty();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!LIMITED.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    if (settings.clientRequestsPerSecond() > 0) {
      String client = clientOf(call);
      long wait = clients.get(client, c -> new TokenBucket(settings.clientRequestsPerSecond(), settings.clientBurst(),
          nanoTime.getAsLong())).tryAcquire(nanoTime.getAsLong());
      if (wait > 0) {
        refuse(call, new OverloadedException("requests of client " + client, rate(settings.clientRequestsPerSecond(),
            settings.clientBurst()), Duration.ofNanos(wait), "client " + client + " is over its rate limit of "
            + rate(settings.clientRequestsPerSecond(), settings.clientBurst()) + " on this node; retry later"));
        return new ServerCall.Listener<>() {};
      }
    }
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    if (!namespaceLimits) {
      return delegate;
    }
    // The namespace is in the request: checked on the first message (a Watch stream sends one).
    boolean[] checked = {false};
    return new CheckedListener<>(delegate, message -> {
      if (checked[0]) {
        return false;
      }
      checked[0] = true;
      OverloadedException over = check(message);
      if (over != null) {
        refuse(call, over);
      }
      return over != null;
    });
  }

  /** The refusal of a request over its namespace's rate or storage quota, or null. */
  OverloadedException check(Object message) {
    String namespace = AuthInterceptor.namespaceOf(message);
    if (namespace == null) {
      return null;
    }
    QuotaSettings.NamespaceQuota quota = settings.of(namespace);
    if (quota.requestsPerSecond() > 0) {
      long wait = namespaces.get(namespace, n -> new TokenBucket(quota.requestsPerSecond(), quota.burst(),
          nanoTime.getAsLong())).tryAcquire(nanoTime.getAsLong());
      if (wait > 0) {
        String limit = rate(quota.requestsPerSecond(), quota.burst());
        return new OverloadedException("requests of namespace " + namespace, limit, Duration.ofNanos(wait),
            "namespace '" + namespace + "' is over its rate limit of " + limit + " on this node; retry later");
      }
    }
    return quota.limitsStorage() ? checkStorage(namespace, quota, writesOf(message)) : null;
  }

  private OverloadedException checkStorage(String namespace, QuotaSettings.NamespaceQuota quota, List<Write> writes) {
    if (writes.isEmpty()) {
      return null;
    }
    NamespaceUsage.Usage usage = stored.usage(namespace);
    long keys = writes.size();
    long bytes = writes.stream().mapToLong(Write::bytes).sum();
    if (!over(quota, usage, keys, bytes)) {
      return null;
    }
    // Near the quota: what the keys hold now is replaced, not added to.
    for (Write write : writes) {
      long existing = stored.liveBytes(namespace, write.key());
      if (existing >= 0) {
        keys--;
        bytes -= existing;
      }
    }
    if (quota.maxKeys() > 0 && keys > 0 && usage.keys() + keys > quota.maxKeys()) {
      return new OverloadedException("keys of namespace " + namespace, Long.toString(quota.maxKeys()), QUOTA_RETRY,
          "namespace '" + namespace + "' stores " + usage.keys() + " keys in this region; " + keys
              + " more would pass its quota of " + quota.maxKeys() + " keys (delete keys or raise"
              + " security.quotas)");
    }
    if (quota.maxBytes().bytes() > 0 && bytes > 0 && usage.bytes() + bytes > quota.maxBytes().bytes()) {
      return new OverloadedException("bytes of namespace " + namespace, quota.maxBytes().format(), QUOTA_RETRY,
          "namespace '" + namespace + "' stores " + usage.bytes() + " bytes in this region; " + bytes
              + " more would pass its quota of " + quota.maxBytes().format() + " (delete keys or raise"
              + " security.quotas)");
    }
    return null;
  }

  private static boolean over(QuotaSettings.NamespaceQuota quota, NamespaceUsage.Usage usage, long keys, long bytes) {
    return (quota.maxKeys() > 0 && usage.keys() + keys > quota.maxKeys())
        || (quota.maxBytes().bytes() > 0 && usage.bytes() + bytes > quota.maxBytes().bytes());
  }

  /** The keys a request may add or replace, with the bytes each would store (key and value). */
  private static List<Write> writesOf(Object message) {
    List<Write> writes = new ArrayList<>();
    switch (message) {
      case PutRequest put -> writes.add(new Write(put.getKey().toByteArray(), put.getKey().size() + put.getValue().size()));
      case IncrementRequest inc -> writes.add(new Write(inc.getKey().toByteArray(), inc.getKey().size()));
      case TxnRequest txn -> {
        for (TxnOp op : txn.getOpsList()) {
          if (op.hasPut()) {
            writes.add(new Write(op.getPut().getKey().toByteArray(),
                op.getPut().getKey().size() + op.getPut().getValue().size()));
          }
        }
      }
      default -> {
        // reads, deletes, touches, purges and Watch add nothing
      }
    }
    return writes;
  }

  private static String clientOf(ServerCall<?, ?> call) {
    AccessToken token = AuthInterceptor.TOKEN.get();
    if (token != null) {
      return "token subject '" + token.subject() + "'";
    }
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return peer instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : String.valueOf(peer);
  }

  private static String rate(double perSecond, int burst) {
    String rate = (perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond))
        + "/s";
    return burst > 0 ? rate + " (burst " + burst + ")" : rate;
  }

  private static void refuse(ServerCall<?, ?> call, OverloadedException over) {
    StatusRuntimeException status = Errors.toStatus(over);
    call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
  }
}

package io.edgekv.node.security;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Puts a {@link TokenMac} on every session token, scan continuation and Watch position the public
 * port answers with, and checks and removes it from every one a request carries, so the services
 * see the tokens they issued and nothing else. A request with a token whose MAC does not verify
 * (changed, forged, or of the unauthenticated format) is {@code INVALID_ARGUMENT} naming the field,
 * at once: no wait on a forged index, no read of another tenant's position.
 */
public final class TokenMacInterceptor implements ServerInterceptor {
  private static final Set<String> FIELDS = Set.of("session_token", "continuation_token", "position", "resume_position");

  private final TokenMac mac;
  /** Per message type: whether it holds a token field, directly or in a nested message. */
  private final Map<Descriptor, Boolean> holdsTokens = new ConcurrentHashMap<>();

  public TokenMacInterceptor(TokenMac mac) {
    this.mac = mac;
  }

  /** Thrown inside the transform when a request's token does not verify. */
  private static final class Forged extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Forged(String field) {
      super(field, null, false, false);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ServerCall<Q, R> signing = new SimpleForwardingServerCall<>(call) {
      @Override
      @SuppressWarnings("unchecked")
      public void sendMessage(R message) {
        super.sendMessage(message instanceof Message m ? (R) transform(m, mac::sign) : message);
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(signing, headers)) {
      private boolean refused;

      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message instanceof Message m ? (Q) transform(m, TokenMacInterceptor.this::verify) : message);
        } catch (Forged e) {
          refused = true;
          call.close(Status.INVALID_ARGUMENT.withDescription(e.getMessage() + " was not issued by this fleet (changed,"
              + " forged, or of a release without token MACs): drop it and start over without it"), new Metadata());
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** Signs and verifies once (a node's start-up self-test, which also loads the JDK's HMAC). */
  void selfTest() {
    if (!mac.verify("session_token", mac.sign("session_token", "x")).equals(Optional.of("x"))) {
      throw new IllegalStateException("HMAC self-test failed");
    }
  }

  private String verify(String field, String token) {
    Optional<String> inner = mac.verify(field, token);
    if (inner.isEmpty()) {
      throw new Forged(field);
    }
    return inner.get();
  }

  /** {@code message} with every non-empty token field replaced by {@code change(field, value)}. */
  Message transform(Message message, BiFunction<String, String, String> change) {
    if (!holdsTokens(message.getDescriptorForType())) {
      return message;
    }
    Message.Builder out = null;
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      Object value = e.getValue();
      Object changed = value;
      if (field.getType() == FieldDescriptor.Type.STRING && !field.isRepeated() && FIELDS.contains(field.getName())) {
        String s = (String) value;
        changed = s.isEmpty() ? s : change.apply(field.getName(), s);
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()) {
        if (field.isRepeated()) {
          List<?> list = (List<?>) value;
          List<Message> next = list.stream().map(m -> transform((Message) m, change)).toList();
          changed = next.equals(list) ? value : next;
        } else {
          changed = transform((Message) value, change);
        }
      }
      if (changed != value) {
        if (out == null) {
          out = message.toBuilder();
        }
        out.setField(field, changed);
      }
    }
    return out == null ? message : out.build();
  }

  /**
   * Whether {@code type} holds a token field, directly or in a message it nests (through any depth,
   * cycles included). Only final answers are published to the shared cache: a provisional answer
   * seen by a concurrent call would let that call pass a response's token out unsigned (which the
   * client then sends with every later call, each refused) or a request's token in unchecked.
   */
  private boolean holdsTokens(Descriptor type) {
    Boolean known = holdsTokens.get(type);
    if (known == null) {
      known = reachesTokenField(type); // concurrent callers may compute it too: same answer, no lock
      holdsTokens.putIfAbsent(type, known);
    }
    return known;
  }

  /** Walks every message type reachable from {@code root} once, looking for a token field. */
  private static boolean reachesTokenField(Descriptor root) {
    Set<Descriptor> seen = new HashSet<>();
    Deque<Descriptor> pending = new ArrayDeque<>();
    pending.push(root);
    seen.add(root);
    while (!pending.isEmpty()) {
      for (FieldDescriptor field : pending.pop().getFields()) {
        if (field.getType() == FieldDescriptor.Type.STRING && FIELDS.contains(field.getName())) {
          return true;
        }
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()
            && seen.add(field.getMessageType())) {
          pending.push(field.getMessageType());
        }
      }
    }
    return false;
  }
}

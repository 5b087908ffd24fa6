package io.edgekv.client.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a client proves who it is talking to and who it is (DESIGN section 10): the CA whose
 * certificates the servers present (a CA given means TLS) and the bearer token sent with every
 * call. The token is opaque to the client; it is never logged or put in an exception message.
 */
public final class ClientCredentials {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** Plaintext and no token: a local, open cluster. */
  public static final ClientCredentials NONE = new ClientCredentials(null, null);

  private final Path caFile;
  private final String token;

  private ClientCredentials(Path caFile, String token) {
    this.caFile = caFile;
    this.token = token;
  }

  /** TLS that trusts the CA certificate(s) of a PEM file, and no token yet. */
  public static ClientCredentials tls(Path caFile) {
    Objects.requireNonNull(caFile, "caFile");
    if (!Files.isReadable(caFile)) {
      throw new IllegalArgumentException("cacert: cannot read the CA file " + caFile);
    }
    return new ClientCredentials(caFile, null);
  }

  /**
   * These credentials with a bearer token.
   *
   * @throws IllegalArgumentException naming {@code token} if it is blank or holds characters a
   *     header cannot carry, or if there is no CA (a token is never sent in plaintext)
   */
  public ClientCredentials withToken(String token) {
    Objects.requireNonNull(token, "token");
    String t = token.strip();
    if (t.isEmpty() || !t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("token: must be one printable ASCII word (as `edgekv admin token create` prints it)");
    }
    if (caFile == null) {
      throw new IllegalArgumentException("token: a token is only sent over TLS; give the CA too (--cacert / EDGEKV_CACERT)");
    }
    return new ClientCredentials(caFile, t);
  }

  /** These credentials with the token read from a file (surrounding whitespace ignored). */
  public ClientCredentials withTokenFile(Path file) {
    try {
      return withToken(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("token-file: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public Optional<Path> caFile() {
    return Optional.ofNullable(caFile);
  }

  public boolean hasToken() {
    return token != null;
  }

  /** The channel credentials: TLS trusting the CA, or plaintext without one. */
  public ChannelCredentials channelCredentials() {
    if (caFile == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cacert: cannot read the CA file " + caFile + ": " + e.getMessage(), e);
    }
  }

  /** Adds {@code authorization: Bearer <token>} to every call (nothing without a token). */
  public ClientInterceptor tokenInterceptor() {
    String header = token == null ? null : "Bearer " + token;
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            if (header != null) {
              headers.put(AUTHORIZATION, header);
            }
            super.start(listener, headers);
          }
        };
      }
    };
  }

  @Override
  public String toString() {
    return "ClientCredentials[ca=" + caFile + ", token=" + (token == null ? "none" : "(set)") + "]";
  }
}

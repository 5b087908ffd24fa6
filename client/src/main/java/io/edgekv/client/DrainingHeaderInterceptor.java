package io.edgekv.client;

import io.edgekv.api.ApiErrors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Reads the {@code edgekv-draining} response header of every call on one endpoint's channel
 * and reports it to the {@link EndpointSelector}, which demotes a draining endpoint.
 *
 * <p>The server sets the header on the response headers; a trailers-only response (a call
 * failed before any header was sent) is checked too, in case a server puts it there.
 */
final class DrainingHeaderInterceptor implements ClientInterceptor {

  /** The response header a draining node sets to {@code "true"} (DESIGN section 13, "Drain"). */
  static final Metadata.Key<String> DRAINING_HEADER =
      Metadata.Key.of(ApiErrors.DRAINING_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final EndpointSelector selector;
  private final int index;

  DrainingHeaderInterceptor(EndpointSelector selector, int index) {
    this.selector = selector;
    this.index = index;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          private boolean sawHeaders;

          @Override
          public void onHeaders(Metadata responseHeaders) {
            sawHeaders = true;
            selector.observedHeaders(index, draining(responseHeaders));
            super.onHeaders(responseHeaders);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (!sawHeaders && draining(trailers)) {
              selector.observedHeaders(index, true);
            }
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }

  private static boolean draining(Metadata metadata) {
    return "true".equalsIgnoreCase(metadata.get(DRAINING_HEADER));
  }
}

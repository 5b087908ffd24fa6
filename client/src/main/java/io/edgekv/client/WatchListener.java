package io.edgekv.client;

/**
 * Receives what a {@link Watch} delivers. Callbacks of one watch are never concurrent and come
 * in order; they run on a gRPC thread, so they should return quickly.
 */
public interface WatchListener {
  /**
   * The server confirmed the subscription (also after each reconnect).
   *
   * @param servedBy the node serving the stream
   * @param resumed true when the stream continued from an earlier position (nothing was lost
   *     unless a {@link #onReset} follows)
   */
  default void onWatching(ServedBy servedBy, String position, boolean resumed) {}

  /** One change. */
  void onEvent(InvalidationEvent event);

  /**
   * Changes may have been lost (the subscriber fell behind, or the position could not be
   * resumed on the node reached): drop everything cached from this watch. Events after this
   * one are complete again.
   */
  void onReset(String reason);

  /** The stream broke; the watch reconnects by itself unless {@code willRetry} is false. */
  default void onDisconnected(EdgeKvException cause, boolean willRetry) {}
}

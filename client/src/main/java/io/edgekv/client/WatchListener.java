package io.edgekv.client;

import java.time.Duration;

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

  /**
   * A progress event (only with {@link WatchOptions.Builder#progressInterval}): every change the
   * serving node had applied when it sent this was delivered before it, and the node was then at
   * most {@code staleness} behind its region's Raft leader. Not sent while the node knows no
   * leader, so a subscriber that hears none for a while knows it may be behind.
   */
  default void onProgress(Duration staleness) {}

  /** The stream broke; the watch reconnects by itself unless {@code willRetry} is false. */
  default void onDisconnected(EdgeKvException cause, boolean willRetry) {}
}

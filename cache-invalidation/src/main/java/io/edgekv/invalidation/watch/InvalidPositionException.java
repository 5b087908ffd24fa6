package io.edgekv.invalidation.watch;

/** A resume position that is not one a Watch event carried: malformed, damaged or of an unknown format. */
public final class InvalidPositionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidPositionException(String message) {
    super(message);
  }
}

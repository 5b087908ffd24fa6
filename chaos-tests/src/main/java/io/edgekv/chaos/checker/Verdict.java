package io.edgekv.chaos.checker;

/** A checker's answer. {@link #UNKNOWN} (could not decide) fails a run just like {@link #INVALID}. */
public enum Verdict {
  VALID, INVALID, UNKNOWN;

  /** The worse of two verdicts: INVALID over UNKNOWN over VALID. */
  public Verdict and(Verdict other) {
    if (this == INVALID || other == INVALID) {
      return INVALID;
    }
    return this == UNKNOWN || other == UNKNOWN ? UNKNOWN : VALID;
  }
}

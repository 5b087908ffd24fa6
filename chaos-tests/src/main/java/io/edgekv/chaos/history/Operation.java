package io.edgekv.chaos.history;

/**
 * An invocation paired with its completion. {@code completion} is null when the run ended
 * before the operation completed, which counts as an unknown outcome, like {@code info}.
 */
public record Operation(Op invoke, Op completion) {

  public boolean ok() {
    return completion != null && completion.type() == Op.Type.OK;
  }

  public boolean failed() {
    return completion != null && completion.type() == Op.Type.FAIL;
  }

  /** Unknown outcome: info, or never completed. */
  public boolean indeterminate() {
    return completion == null || completion.type() == Op.Type.INFO;
  }

  public String f() {
    return invoke.f();
  }

  public String key() {
    return invoke.key();
  }

  public int process() {
    return invoke.process();
  }

  public long callNanos() {
    return invoke.timeNanos();
  }

  /** The completion time; {@link Long#MAX_VALUE} for an indeterminate operation. */
  public long returnNanos() {
    return indeterminate() ? Long.MAX_VALUE : completion.timeNanos();
  }

  public boolean isFinal() {
    return invoke.fin();
  }
}

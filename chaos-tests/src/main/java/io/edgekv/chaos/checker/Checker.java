package io.edgekv.chaos.checker;

import io.edgekv.chaos.history.History;

/** Decides one property of a history. Implementations are stateless and thread-safe. */
public interface Checker {
  String name();

  CheckResult check(History history);
}

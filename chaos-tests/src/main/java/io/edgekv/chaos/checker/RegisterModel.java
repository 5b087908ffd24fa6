package io.edgekv.chaos.checker;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgekv.chaos.history.Operation;
import java.util.Objects;

/**
 * A single register holding an integer, or nothing (null) when absent or deleted. Operations:
 * {@code read} (completion value: what was read), {@code write v}, {@code cas [expected, new]},
 * {@code delete}. A step is deterministic; an operation of unknown outcome is given the effect it
 * would have had, because "no effect" is covered by linearizing it after everything else (its
 * return time is infinite).
 */
final class RegisterModel {
  /** The state before any write. */
  static final Long EMPTY = null;

  private RegisterModel() {}

  /** Whether {@code op} is part of the register model (reads count only if they have a value to check). */
  static boolean relevant(Operation op) {
    return switch (op.f()) {
      case "write", "cas", "delete" -> !op.failed();
      case "read" -> op.ok();
      default -> false;
    };
  }

  /**
   * The state after applying {@code op} to {@code state}.
   *
   * @return the new state, or {@link #ILLEGAL} if the op cannot happen in this state
   */
  static Object step(Long state, Operation op) {
    switch (op.f()) {
      case "read" -> {
        Long read = asLong(op.completion().value());
        return Objects.equals(read, state) ? state : ILLEGAL;
      }
      case "write" -> {
        return asLong(op.invoke().value());
      }
      case "delete" -> {
        return EMPTY;
      }
      case "cas" -> {
        JsonNode v = op.invoke().value();
        Long expected = asLong(v.get(0));
        Long replacement = asLong(v.get(1));
        if (Objects.equals(expected, state)) {
          return replacement;
        }
        // an ok cas needs its expected value; an indeterminate one may have failed its condition
        return op.ok() ? ILLEGAL : state;
      }
      default -> throw new IllegalArgumentException("not a register operation: " + op.f());
    }
  }

  /** Marks an impossible step. */
  static final Object ILLEGAL = new Object() {
    @Override
    public String toString() {
      return "illegal";
    }
  };

  static Long asLong(JsonNode v) {
    return v == null || v.isNull() ? null : v.asLong();
  }
}

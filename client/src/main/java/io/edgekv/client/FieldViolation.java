package io.edgekv.client;

import java.util.Objects;

/**
 * One invalid field of a refused request, as the server reported it in a {@code
 * google.rpc.BadRequest} detail.
 *
 * @param field the request field, e.g. {@code "value"} or {@code "tags[3]"}
 * @param description why it was refused, naming the limit it broke
 */
public record FieldViolation(String field, String description) {

  /**
   * Creates a record.
   *
   * @throws NullPointerException if an argument is null
   */
  public FieldViolation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(description, "description");
  }
}

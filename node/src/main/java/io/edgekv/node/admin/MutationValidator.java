package io.edgekv.node.admin;

import com.google.protobuf.ByteString;
import io.edgekv.internal.v1.Mutation;
import io.edgekv.node.api.InvalidInputException;
import io.edgekv.node.api.RequestValidator;
import io.edgekv.replication.command.CommandRules;
import io.edgekv.replication.command.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the mutations another region sends ({@code Replicate}, {@code Repair}) against the
 * same limits as public writes before they are proposed: a known kind, sizes within the limits,
 * a positive sequence number (0 in repairs), non-negative counter slots and deadlines. A batch
 * with one bad mutation is refused whole with {@code INVALID_ARGUMENT}, naming the mutation.
 */
final class MutationValidator {
  /** Region names are 1 to 63 characters (the configuration's rule), kept in one length byte of log keys. */
  static final int MAX_REGION_CHARS = 63;

  private final RequestValidator validate;

  MutationValidator(RequestValidator validate) {
    this.validate = validate;
  }

  /** @param sequenced true for pushes (every mutation has a sequence number >= 1), false for repairs */
  void check(List<Mutation> mutations, boolean sequenced) {
    for (int i = 0; i < mutations.size(); i++) {
      check(mutations.get(i), "mutations[" + i + "]", sequenced);
    }
  }

  void checkVector(Map<String, Long> vector) {
    checkVector(vector, "version_vector");
  }

  /** A map of region to sequence ({@code version_vector}, {@code relay_offers}): known-shaped names, sequences in range. */
  void checkVector(Map<String, Long> vector, String field) {
    vector.forEach((origin, seq) -> {
      region(origin, field);
      if (seq < 0) {
        throw new InvalidInputException(field, String.valueOf(Long.MAX_VALUE),
            field + "[" + origin + "] is " + Long.toUnsignedString(seq) + "; the limit is " + Long.MAX_VALUE);
      }
    });
  }

  private void check(Mutation m, String at, boolean sequenced) {
    Optional<Refusal> refused = CommandRules.checkMutation(m);
    if (refused.isPresent()) {
      Refusal r = refused.get();
      throw new InvalidInputException(at + "." + r.field(), r.limit(), at + ": " + r.message());
    }
    region(m.getOriginRegion(), at + ".origin_region");
    region(m.getVersion().getOriginRegion(), at + ".version.origin_region");
    if (sequenced ? m.getSeq() < 1 : m.getSeq() < 0) {
      throw new InvalidInputException(at + ".seq", String.valueOf(Long.MAX_VALUE), at + ".seq is "
          + Long.toUnsignedString(m.getSeq()) + "; sequence numbers are " + (sequenced ? 1 : 0) + " to "
          + Long.MAX_VALUE);
    }
    if (m.getNamespace().isEmpty()) {
      throw new InvalidInputException(at + ".namespace", "", at + ".namespace is empty");
    }
    field(at, () -> validate.namespace(m.getNamespace()));
    switch (m.getKind()) {
      case MUTATION_PUT -> {
        validate.key(m.getKey(), at + ".key");
        field(at, () -> validate.value(m.getValue()));
        field(at, () -> validate.tags(m.getTagsList()));
        field(at, () -> validate.metadata(m.getMetadataMap()));
      }
      case MUTATION_DELETE, MUTATION_COUNTER -> validate.key(m.getKey(), at + ".key");
      case MUTATION_PURGE -> {
        switch (m.getPurge().getSelectorCase()) {
          case KEY -> validate.key(m.getPurge().getKey(), at + ".purge.key");
          case PREFIX -> field(at + ".purge", () -> validate.prefix(m.getPurge().getPrefix()));
          case TAG -> field(at + ".purge", () -> validate.tags(List.of(m.getPurge().getTag())));
          case SELECTOR_NOT_SET -> { } // refused above by CommandRules.checkMutation
        }
      }
      case MUTATION_PUBLISH -> {
        ByteString payload = m.getPublish().getPayload();
        if (payload.size() > validate.maxValueBytes()) {
          throw new InvalidInputException(at + ".publish.payload", String.valueOf(validate.maxValueBytes()),
              at + ".publish.payload is " + payload.size() + " bytes; the limit is " + validate.maxValueBytes()
                  + " bytes");
        }
      }
      case MUTATION_KIND_UNSPECIFIED, UNRECOGNIZED -> { } // refused above by CommandRules.checkMutation
    }
  }

  private static void region(String region, String field) {
    int chars = region.getBytes(StandardCharsets.UTF_8).length;
    if (chars == 0 || chars > MAX_REGION_CHARS) {
      throw new InvalidInputException(field, String.valueOf(MAX_REGION_CHARS),
          field + " is " + chars + " bytes; region names are 1 to " + MAX_REGION_CHARS + " characters");
    }
  }

  /** Runs a public-API check and names the mutation in the field it reports. */
  private static void field(String at, Runnable check) {
    try {
      check.run();
    } catch (InvalidInputException e) {
      throw new InvalidInputException(at + "." + e.field(), e.limit(), at + ": " + e.getMessage());
    }
  }
}

package io.edgekv.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.Locale;

/** Translates whatever a gRPC call failed with into the client's exception types. */
final class Errors {

  private Errors() {}

  static EdgeKvException translate(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof EdgeKvException e) {
      return e;
    }
    Status status = Status.fromThrowable(t);
    com.google.rpc.Status rich = StatusProto.fromThrowable(t);
    List<FieldViolation> violations = new ArrayList<>();
    String reason = null;
    String domain = null;
    Map<String, String> metadata = Map.of();
    if (rich != null) {
      for (Any detail : rich.getDetailsList()) {
        try {
          if (detail.is(BadRequest.class)) {
            for (BadRequest.FieldViolation v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
              violations.add(new FieldViolation(v.getField(), v.getDescription()));
            }
          } else if (detail.is(ErrorInfo.class)) {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            reason = info.getReason();
            domain = info.getDomain();
            metadata = info.getMetadataMap();
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A malformed detail must not hide the status itself.
        }
      }
    }
    String description = status.getDescription();
    if (description == null || description.isEmpty()) {
      description = status.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
    // Failures made in the client's own transport (connection refused, DNS) carry the reason
    // only in the cause; gRPC's description alone ("io exception") does not tell what failed.
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null && !description.contains(cause.getMessage())) {
      description = description + ": " + cause.getMessage();
    }
    if (status.getCode() == Status.Code.FAILED_PRECONDITION) {
      return new ConditionFailedException(
          description, violations, reason, domain, metadata, currentVersion(metadata), t);
    }
    return new EdgeKvException(
        status.getCode(), description, violations, reason, domain, metadata, t);
  }

  private static Version currentVersion(Map<String, String> metadata) {
    String text = metadata.get(ConditionFailedException.CURRENT_VERSION_KEY);
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Version.parse(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}

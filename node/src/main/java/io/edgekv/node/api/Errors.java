package io.edgekv.node.api;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import io.edgekv.api.ApiErrors;
import io.edgekv.replication.OverloadedException;
import io.edgekv.replication.ProposalRejectedException;
import io.edgekv.replication.ReadUnavailableException;
import io.edgekv.replication.WriteUnavailableException;
import io.edgekv.replication.raft.MembershipException;
import io.edgekv.replication.raft.ShardRebuildRefusedException;
import io.edgekv.replication.storage.DiskFullException;
import io.edgekv.replication.storage.ShardFailedException;
import io.edgekv.replication.storage.StorageException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one translation of domain exceptions to gRPC statuses with {@code google.rpc} details.
 * The code answers the client's two questions: may I retry ({@code UNAVAILABLE}), and was it
 * my request ({@code INVALID_ARGUMENT}, {@code FAILED_PRECONDITION}).
 */
public final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);
  static final String DOMAIN = ApiErrors.DOMAIN;

  private Errors() {}

  public static StatusRuntimeException toStatus(Throwable error) {
    Throwable e = unwrap(error);
    Status.Builder status = Status.newBuilder();
    switch (e) {
      case StatusRuntimeException already -> {
        return already;
      }
      case InvalidInputException invalid ->
          fieldStatus(status, Code.INVALID_ARGUMENT, ApiErrors.INVALID_FIELD, invalid.field(), invalid.limit(),
              invalid.getMessage());
      case OutOfRangeException outOfRange ->
          fieldStatus(status, Code.OUT_OF_RANGE, ApiErrors.OUT_OF_RANGE, outOfRange.field(), outOfRange.limit(),
              outOfRange.getMessage());
      case ConditionNotMetException failed -> {
        status.setCode(Code.FAILED_PRECONDITION_VALUE).setMessage(failed.getMessage());
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(ApiErrors.CONDITION_FAILED).setDomain(DOMAIN)
            .putMetadata(ApiErrors.KEY, failed.key());
        if (failed.current() != null) {
          info.putMetadata(ApiErrors.CURRENT_VERSION, failed.current().toString());
        }
        status.addDetails(Any.pack(info.build()));
      }
      case RegionUnavailableException unavailable -> {
        status.setCode(Code.UNAVAILABLE_VALUE).setMessage("write not committed: " + unavailable.getMessage()
            + (unavailable.healthyRegion().isEmpty() ? "" : "; region " + unavailable.healthyRegion()
                + " accepts writes (" + String.join(",", unavailable.healthyEndpoints()) + ")"));
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(ApiErrors.REGION_UNAVAILABLE).setDomain(DOMAIN);
        if (!unavailable.healthyRegion().isEmpty()) {
          info.putMetadata(ApiErrors.HEALTHY_REGION, unavailable.healthyRegion())
              .putMetadata(ApiErrors.HEALTHY_ENDPOINTS, String.join(",", unavailable.healthyEndpoints()));
        }
        status.addDetails(Any.pack(info.build()));
      }
      case OverloadedException overloaded -> {
        status.setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage(overloaded.getMessage());
        long millis = overloaded.retryAfter().toMillis();
        status.addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder()
            .setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000)).build()));
        status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(ApiErrors.OVERLOADED).setDomain(DOMAIN)
            .putMetadata(ApiErrors.RESOURCE, overloaded.resource()).putMetadata(ApiErrors.LIMIT, overloaded.limit())
            .putMetadata(ApiErrors.RETRY_AFTER_MS, Long.toString(millis)).build()));
      }
      case ProposalRejectedException rejected ->
          status.setCode(Code.INVALID_ARGUMENT_VALUE).setMessage("write refused: " + rejected.getMessage());
      case MembershipException membership -> {
        Code code = switch (membership.reason()) {
          case UNKNOWN_MEMBER, CONFLICT -> Code.INVALID_ARGUMENT;
          case REFUSED, REMOVED -> Code.FAILED_PRECONDITION;
          case UNAVAILABLE -> Code.UNAVAILABLE;
        };
        status.setCode(code.getNumber()).setMessage(membership.getMessage());
        if (code == Code.INVALID_ARGUMENT && !membership.field().isEmpty()) {
          status.addDetails(Any.pack(BadRequest.newBuilder()
              .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                  .setField(membership.field()).setDescription(membership.getMessage()))
              .build()));
        }
        status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(membership.reason().name()).setDomain(DOMAIN)
            .build()));
      }
      case WriteUnavailableException unavailable ->
          status.setCode(Code.UNAVAILABLE_VALUE).setMessage("write not committed: " + unavailable.getMessage());
      case ReadUnavailableException unavailable -> {
        status.setCode(Code.UNAVAILABLE_VALUE).setMessage("read not served: " + unavailable.getMessage());
        status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(ApiErrors.READ_UNAVAILABLE).setDomain(DOMAIN)
            .build()));
      }
      case NodeUnavailableException unavailable ->
          status.setCode(Code.UNAVAILABLE_VALUE).setMessage(unavailable.getMessage());
      case StorageException corrupt when corrupt.corruption() -> {
        // The stored data is damaged on this node: retrying here cannot help, another node has it.
        // A failed shard was logged once when it failed; anything else is logged here.
        if (!(corrupt instanceof ShardFailedException)) {
          LOG.error("data loss: {}", corrupt.getMessage());
        }
        status.setCode(Code.DATA_LOSS_VALUE).setMessage(corrupt.getMessage());
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(ApiErrors.STORAGE_CORRUPTION).setDomain(DOMAIN);
        corrupt.file().ifPresent(file -> info.putMetadata(ApiErrors.FILE, file));
        if (corrupt instanceof ShardFailedException failed) {
          info.putMetadata(ApiErrors.SHARD, String.valueOf(failed.shard()));
        }
        status.addDetails(Any.pack(info.build()));
      }
      case ShardFailedException failed -> {
        status.setCode(Code.UNAVAILABLE_VALUE).setMessage(failed.getMessage());
        status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(ApiErrors.SHARD_FAILED).setDomain(DOMAIN)
            .putMetadata(ApiErrors.SHARD, String.valueOf(failed.shard())).build()));
      }
      case DiskFullException full -> {
        status.setCode(Code.RESOURCE_EXHAUSTED_VALUE).setMessage(full.getMessage());
        status.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(ApiErrors.DISK_FULL).setDomain(DOMAIN)
            .putMetadata(ApiErrors.FREE_BYTES, String.valueOf(full.freeBytes()))
            .putMetadata(ApiErrors.MIN_FREE_BYTES, String.valueOf(full.minFreeBytes())).build()));
      }
      case ShardRebuildRefusedException refused ->
          status.setCode(Code.FAILED_PRECONDITION_VALUE).setMessage("rebuild refused: " + refused.getMessage());
      case CancellationException cancelled ->
          status.setCode(Code.CANCELLED_VALUE).setMessage("cancelled");
      default -> {
        // The client learns that the node failed and where to look, not the node's internals:
        // the exception, its message and stack stay in the node's log under the incident id.
        String incident = Long.toHexString(ThreadLocalRandom.current().nextLong());
        LOG.error("internal error, incident {}", incident, e);
        status.setCode(Code.INTERNAL_VALUE).setMessage("internal error (incident " + incident
            + " in the node's log)");
      }
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  /** A status about one request field: a BadRequest naming it, and an ErrorInfo with the field and the limit. */
  private static void fieldStatus(Status.Builder status, Code code, String reason, String field,
      String limit, String message) {
    status.setCode(code.getNumber()).setMessage(message);
    status.addDetails(Any.pack(BadRequest.newBuilder()
        .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(field).setDescription(message))
        .build()));
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN)
        .putMetadata(ApiErrors.FIELD, field);
    if (!limit.isEmpty()) {
      info.putMetadata(ApiErrors.LIMIT, limit);
    }
    status.addDetails(Any.pack(info.build()));
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

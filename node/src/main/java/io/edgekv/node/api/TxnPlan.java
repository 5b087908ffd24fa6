package io.edgekv.node.api;

import io.edgekv.api.v1.TxnCheck;
import io.edgekv.api.v1.TxnOp;
import io.edgekv.api.v1.TxnPut;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.replication.command.Command;
import io.edgekv.replication.command.WriteCondition;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A validated transaction: every key in one shard (atomicity is per Raft group), each key in at
 * most one op, within the size limits of single writes.
 */
record TxnPlan(int shard, Command.Txn command) {
  static final int MAX_OPS = 64;

  static TxnPlan of(String namespace, TxnRequest request, RequestValidator validate,
      BiFunction<String, byte[], Integer> shardOf) {
    if (request.getOpsCount() == 0) {
      throw new InvalidInputException("ops", "1", "a transaction needs at least one op");
    }
    if (request.getOpsCount() > MAX_OPS || request.getChecksCount() > MAX_OPS) {
      throw new InvalidInputException(request.getOpsCount() > MAX_OPS ? "ops" : "checks", String.valueOf(MAX_OPS),
          "a transaction has at most " + MAX_OPS + " ops and " + MAX_OPS + " checks");
    }
    List<Command.TxnCheck> checks = new ArrayList<>();
    List<Command.Put> puts = new ArrayList<>();
    List<Command.Delete> deletes = new ArrayList<>();
    Set<ByteBuffer> written = new HashSet<>();
    Integer shard = null;
    long totalBytes = 0;
    for (int i = 0; i < request.getChecksCount(); i++) {
      TxnCheck check = request.getChecks(i);
      byte[] key = validate.key(check.getKey(), "checks[" + i + "].key");
      validate.condition(check.getCondition());
      shard = sameShard(shard, shardOf.apply(namespace, key), "checks[" + i + "].key");
      checks.add(new Command.TxnCheck(key, WriteCondition.of(check.getCondition())));
    }
    for (int i = 0; i < request.getOpsCount(); i++) {
      TxnOp op = request.getOps(i);
      String field = "ops[" + i + "]";
      byte[] key = switch (op.getOpCase()) {
        case PUT -> validate.key(op.getPut().getKey(), field + ".put.key");
        case DELETE -> validate.key(op.getDelete().getKey(), field + ".delete.key");
        case OP_NOT_SET -> throw new InvalidInputException(field, "", field + " has neither put nor delete");
      };
      if (!written.add(ByteBuffer.wrap(key))) {
        throw new InvalidInputException(field, "", field + " writes a key that an earlier op already writes");
      }
      shard = sameShard(shard, shardOf.apply(namespace, key), field);
      if (op.hasPut()) {
        TxnPut put = op.getPut();
        byte[] value = validate.value(put.getValue());
        totalBytes += value.length;
        puts.add(new Command.Put(namespace, key, value, validate.metadata(put.getMetadataMap()),
            validate.tags(put.getTagsList()), validate.ttlMillis(put.getTtlMs(), field + ".put.ttl_ms"), 0,
            WriteCondition.NONE));
      } else {
        deletes.add(new Command.Delete(namespace, key, WriteCondition.NONE));
      }
    }
    if (totalBytes > validate.maxValueBytes()) {
      throw new InvalidInputException("ops", String.valueOf(validate.maxValueBytes()),
          "the values of a transaction add up to " + totalBytes + " bytes; the limit is "
              + validate.maxValueBytes() + " bytes in all");
    }
    return new TxnPlan(shard, new Command.Txn(namespace, checks, puts, deletes));
  }

  private static int sameShard(Integer current, int shard, String field) {
    if (current != null && current != shard) {
      throw new InvalidInputException(field, "",
          field + " is in another shard than the transaction's other keys; a transaction is atomic inside one shard");
    }
    return shard;
  }
}

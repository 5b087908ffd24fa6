package io.edgekv.node.cli;

import io.edgekv.client.EdgeKvClient;
import io.edgekv.client.Txn;
import io.edgekv.client.TxnResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgekv kv txn FILE}: applies the checks, puts and deletes of a JSON document (its
 * format is in the command's help, checked by {@link TxnDocument}) atomically and prints the version they were all written with. A
 * malformed document is a usage error (exit 2) naming its JSON path; a check that does not hold
 * is refused (exit 3) naming the key, and nothing is written.
 */
@Command(name = "txn",
    description = "Apply puts and deletes atomically if every check holds; print the version they were written with.",
    footer = {
      "The transaction is a JSON object:",
      "  {\"checks\": [{\"key\": \"a\", \"ifVersion\": \"7236127368123392001@eu-west\"},",
      "              {\"key\": \"b\", \"ifAbsent\": true}],",
      "   \"ops\":    [{\"put\": {\"key\": \"a\", \"value\": \"1\", \"ttl\": \"30s\",",
      "                      \"tags\": [\"t\"], \"metadata\": {\"owner\": \"ops\"}}},",
      "              {\"delete\": {\"key\": \"c\"}}]}",
      "checks (optional): each names a key and exactly one of ifVersion (a version",
      "  as printed by put or get --json) or ifAbsent (true: the key must not exist).",
      "ops (at least one): each is {\"put\": {...}} or {\"delete\": {...}}; a key",
      "  appears in at most one op. A put needs key and value; ttl (at least 1s),",
      "  tags and metadata are optional.",
      "Keys and values are UTF-8 text; for other bytes give keyBase64 or valueBase64.",
      "All keys must be in one shard. Either every check holds and every op is",
      "applied, or nothing is: a failed check exits 3 naming the key; a malformed",
      "document exits 2 naming the JSON path, e.g. $.ops[1].put.ttl.",
      "",
      "Example: echo '{\"ops\":[{\"delete\":{\"key\":\"a\"}}]}' | edgekv kv txn -",
      "",
      "Exit codes: 0 ok, 2 usage, 3 refused, 4 unavailable or deadline exceeded,",
      "5 internal error."
    })
final class KvTxnCommand extends ClientCommand {

  /** Room for the largest transaction a server accepts (16 MiB of values) written as base64 JSON. */
  static final int MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

  @Parameters(index = "0", paramLabel = "FILE", description = "The JSON document, or - to read it from stdin.")
  private String file;

  @Option(names = "--request-id", paramLabel = "ID",
      description = "Idempotency key: a repeated transaction with the same id is applied once (default: random).")
  private String requestId;

  @Override
  protected int run(EdgeKvClient client) {
    String source = "-".equals(file) ? "stdin" : file;
    TxnDocument document;
    try {
      document = TxnDocument.parse(read());
    } catch (TxnDocument.Invalid e) {
      throw usage(source + ": " + e.getMessage());
    }
    Txn txn = client.txn();
    if (requestId != null) {
      if (requestId.isEmpty()) {
        throw usage("--request-id must not be empty");
      }
      txn.requestId(requestId);
    }
    try {
      document.addTo(txn);
    } catch (TxnDocument.Invalid e) {
      throw usage(source + ": " + e.getMessage());
    }
    TxnResult result = txn.commit();
    if (global().json()) {
      out().json(ResultJson.txn(result));
    } else {
      out().line(result.version().toString());
    }
    return ExitCodes.OK;
  }

  private byte[] read() {
    if ("-".equals(file)) {
      try {
        return out().readStdin(MAX_DOCUMENT_BYTES, "FILE", "more than any transaction a server accepts");
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }
    Path path = Path.of(file);
    try {
      if (Files.size(path) > MAX_DOCUMENT_BYTES) {
        throw usage("FILE: '" + file + "' holds more than " + MAX_DOCUMENT_BYTES
            + " bytes, more than any transaction a server accepts");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw usage("FILE: '" + file + "' does not exist");
    } catch (IOException e) {
      throw usage("FILE: cannot read '" + file + "': " + e.getMessage());
    }
  }
}

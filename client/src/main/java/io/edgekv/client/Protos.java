package io.edgekv.client;

import com.google.protobuf.ByteString;
import io.edgekv.api.v1.BatchGetResponse;
import io.edgekv.api.v1.DeleteResponse;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetResponse;
import io.edgekv.api.v1.KeyResult;
import io.edgekv.api.v1.PutResponse;
import io.edgekv.api.v1.ScanResponse;
import io.edgekv.api.v1.TouchResponse;
import io.edgekv.api.v1.TxnResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;

/** Conversions between the wire messages of {@code edgekv.v1} and the client's typed values. */
final class Protos {

  private Protos() {}

  static io.edgekv.api.v1.ReadOptions readOptions(ReadOptions options, String sessionToken) {
    io.edgekv.api.v1.ReadOptions.Builder b =
        io.edgekv.api.v1.ReadOptions.newBuilder().setConsistency(consistency(options.consistency()));
    options.maxStaleness().ifPresent(d -> b.setMaxStalenessMs(millis(d)));
    if (sessionToken != null) {
      b.setSessionToken(sessionToken);
    }
    return b.build();
  }

  /**
   * A duration in milliseconds for the wire, saturating instead of throwing for durations past
   * Long.MAX_VALUE ms: the server then refuses it naming the field and its limit.
   */
  static long millis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  static io.edgekv.api.v1.Consistency consistency(Consistency c) {
    return switch (c) {
      case EVENTUAL -> io.edgekv.api.v1.Consistency.EVENTUAL;
      case SESSION -> io.edgekv.api.v1.Consistency.SESSION;
      case BOUNDED -> io.edgekv.api.v1.Consistency.BOUNDED;
      case STRONG -> io.edgekv.api.v1.Consistency.STRONG;
    };
  }

  static Consistency consistency(io.edgekv.api.v1.Consistency c) {
    return switch (c) {
      case SESSION -> Consistency.SESSION;
      case BOUNDED -> Consistency.BOUNDED;
      case STRONG -> Consistency.STRONG;
      // Unspecified is defined as EVENTUAL; an unknown future level is reported as the weakest.
      case EVENTUAL, CONSISTENCY_UNSPECIFIED, UNRECOGNIZED -> Consistency.EVENTUAL;
    };
  }

  static io.edgekv.api.v1.Version version(Version v) {
    return io.edgekv.api.v1.Version.newBuilder()
        .setHlc(v.hlc())
        .setOriginRegion(v.originRegion())
        .build();
  }

  static Version version(io.edgekv.api.v1.Version v) {
    return new Version(v.getHlc(), v.getOriginRegion());
  }

  static ServedBy servedBy(io.edgekv.api.v1.ServedBy s) {
    return new ServedBy(
        s.getNode(), s.getRegion(), consistency(s.getConsistency()), s.getAppliedIndex(), s.getAsOfHlc());
  }

  static KvEntry entry(Entry e) {
    return new KvEntry(
        e.getKey(),
        e.getValue(),
        e.hasVersion() ? version(e.getVersion()) : null,
        e.getMetadataMap(),
        e.getTagsList(),
        e.getExpiresAtUnixMs() == 0 ? null : Instant.ofEpochMilli(e.getExpiresAtUnixMs()),
        e.getDigest());
  }

  static GetResult getResult(ByteString requestedKey, GetResponse r) {
    KvEntry entry = r.getFound() ? entry(r.getEntry()) : null;
    return new GetResult(requestedKey, entry, servedBy(r.getServedBy()), r.getSessionToken());
  }

  static List<GetResult> batchGetResults(List<ByteString> requestedKeys, BatchGetResponse r) {
    ServedBy servedBy = servedBy(r.getServedBy());
    List<GetResult> results = new ArrayList<>(r.getResultsCount());
    for (int i = 0; i < r.getResultsCount(); i++) {
      KeyResult kr = r.getResults(i);
      ByteString key = kr.getKey().isEmpty() && i < requestedKeys.size() ? requestedKeys.get(i) : kr.getKey();
      KvEntry entry = kr.getFound() ? entry(kr.getEntry()) : null;
      results.add(new GetResult(key, entry, servedBy, r.getSessionToken()));
    }
    return results;
  }

  static PutResult putResult(PutResponse r) {
    return new PutResult(version(r.getVersion()), servedBy(r.getServedBy()), r.getSessionToken());
  }

  static DeleteResult deleteResult(DeleteResponse r) {
    return new DeleteResult(
        r.getExisted(),
        r.hasVersion() ? version(r.getVersion()) : null,
        servedBy(r.getServedBy()),
        r.getSessionToken());
  }

  static TouchResult touchResult(TouchResponse r) {
    boolean found = r.getFound();
    return new TouchResult(
        found,
        found ? version(r.getVersion()) : null,
        found && r.getExpiresAtUnixMs() != 0 ? Instant.ofEpochMilli(r.getExpiresAtUnixMs()) : null,
        servedBy(r.getServedBy()),
        r.getSessionToken());
  }

  static TxnResult txnResult(TxnResponse r) {
    return new TxnResult(version(r.getVersion()), servedBy(r.getServedBy()), r.getSessionToken());
  }

  static ScanPage scanPage(ScanResponse r) {
    List<KvEntry> entries = new ArrayList<>(r.getEntriesCount());
    for (Entry e : r.getEntriesList()) {
      entries.add(entry(e));
    }
    return new ScanPage(entries, r.getContinuationToken(), servedBy(r.getServedBy()), r.getSessionToken());
  }
}

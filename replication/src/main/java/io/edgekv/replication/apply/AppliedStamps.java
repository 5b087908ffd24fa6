package io.edgekv.replication.apply;

import java.util.Map;

/**
 * What a replica has applied, in the origins' own stamps (HLCs), for tombstone collection
 * (docs/replication.md). Each origin stamps its mutations in the order of its region's log, so
 * sequences and stamps rise together: having applied an origin's mutations up to one stamped
 * {@code h}, a replica has applied every mutation of that origin stamped at or below {@code h}.
 *
 * @param byOrigin per origin, the stamp of the last of its mutations applied in sequence (absent:
 *     none known since the engine opened)
 * @param entry the stamp of the last log entry applied (0: none recorded); no
 *     mutation of this replica's own region stamped at or below it is still to be applied
 * @param vector the version vector, read after {@code entry}: at least as new as that entry
 */
public record AppliedStamps(Map<String, Long> byOrigin, long entry, Map<String, Long> vector) {
  /** Nothing known: a replica reporting this lets no tombstone be collected. */
  public static final AppliedStamps NONE = new AppliedStamps(Map.of(), 0, Map.of());
}

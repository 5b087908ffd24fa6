package io.edgekv.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The pages of one prefix scan, each fetched synchronously when the iterator is advanced: the
 * first with the scan's own options, each later one from the previous page's continuation token.
 */
final class ScanPages implements Iterator<ScanPage> {

  private final ScanOptions options;
  private final Function<ScanOptions, ScanPage> fetch;
  private ScanPage last;

  ScanPages(ScanOptions options, Function<ScanOptions, ScanPage> fetch) {
    this.options = options;
    this.fetch = fetch;
  }

  @Override
  public boolean hasNext() {
    return last == null || last.hasMore();
  }

  @Override
  public ScanPage next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    ScanOptions pageOptions = last == null ? options : options.withContinuationToken(last.continuationToken());
    last = fetch.apply(pageOptions);
    return last;
  }
}

package io.edgekv.node.cli;

import io.edgekv.node.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Reads durations as operators write them on the command line: {@code 500ms}, {@code 30s}, {@code 5m}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return Durations.parse(value, "duration");
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration like 500ms, 30s, 5m or 1h");
    }
  }
}

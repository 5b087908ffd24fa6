package io.edgekv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a JFR recording's CPU samples ({@code jdk.ExecutionSample}) say: the share of samples by
 * the area of the top frame (gRPC/Netty, RocksDB, Ratis, EdgeKV, JDK ...), the hottest methods
 * by self samples, and every stack in the folded format flame-graph tools read ({@code
 * root;caller;callee count}). Run by {@code bench compare --profile} on each node's recording.
 */
final class ProfileSummary {
  private static final int STACK_DEPTH = 64;
  /** Top-frame prefixes and the area they count toward, first match wins. */
  private static final List<String[]> AREAS = List.of(
      new String[] {"io.grpc.netty.shaded.io.netty.", "gRPC/Netty"}, new String[] {"io.grpc.", "gRPC/Netty"},
      new String[] {"org.apache.ratis.thirdparty.io.netty.", "Ratis (its gRPC/Netty)"},
      new String[] {"org.apache.ratis.thirdparty.io.grpc.", "Ratis (its gRPC/Netty)"},
      new String[] {"org.apache.ratis.thirdparty.com.google.protobuf.", "protobuf"},
      new String[] {"org.apache.ratis.", "Ratis"}, new String[] {"org.rocksdb.", "RocksDB (JNI)"},
      new String[] {"com.google.protobuf.", "protobuf"},
      new String[] {"io.edgekv.", "EdgeKV"}, new String[] {"io.micrometer.", "metrics"},
      new String[] {"java.", "JDK"}, new String[] {"jdk.", "JDK"}, new String[] {"sun.", "JDK"});

  private ProfileSummary() {}

  /** Writes {@code <jfr>.folded} and returns the summary lines of {@code jfr}. */
  static List<String> summarize(Path jfr) throws IOException {
    Map<String, Long> folded = new HashMap<>();
    Map<String, Long> areas = new HashMap<>();
    Map<String, Long> methods = new HashMap<>();
    long samples = 0;
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        RecordedStackTrace stack = e.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        samples++;
        List<RecordedFrame> frames = stack.getFrames();
        String top = name(frames.get(0));
        methods.merge(top, 1L, Long::sum);
        areas.merge(area(top), 1L, Long::sum);
        StringBuilder line = new StringBuilder();
        for (int i = Math.min(frames.size(), STACK_DEPTH) - 1; i >= 0; i--) {
          line.append(name(frames.get(i)).replace(';', ':'));
          if (i > 0) {
            line.append(';');
          }
        }
        folded.merge(line.toString(), 1L, Long::sum);
      }
    }
    StringBuilder out = new StringBuilder();
    folded.forEach((stack, n) -> out.append(stack).append(' ').append(n).append('\n'));
    Files.writeString(Path.of(jfr + ".folded"), out);
    List<String> lines = new ArrayList<>();
    lines.add(jfr.getFileName() + ": " + samples + " CPU samples");
    lines.add("  by area of the top frame:");
    for (Map.Entry<String, Long> a : top(areas, 12).entrySet()) {
      lines.add(String.format(Locale.ROOT, "    %5.1f %%  %s", 100.0 * a.getValue() / Math.max(1, samples), a.getKey()));
    }
    lines.add("  hottest methods (self):");
    for (Map.Entry<String, Long> m : top(methods, 15).entrySet()) {
      lines.add(String.format(Locale.ROOT, "    %5.1f %%  %s", 100.0 * m.getValue() / Math.max(1, samples), m.getKey()));
    }
    return lines;
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  static String area(String method) {
    for (String[] a : AREAS) {
      if (method.startsWith(a[0])) {
        return a[1];
      }
    }
    return "other";
  }

  private static Map<String, Long> top(Map<String, Long> counts, int n) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** {@code ProfileSummary file.jfr...}: prints the summary of each recording and writes its folded stacks. */
  public static void main(String[] args) throws IOException {
    for (String a : args) {
      summarize(Path.of(a)).forEach(System.out::println);
    }
  }
}

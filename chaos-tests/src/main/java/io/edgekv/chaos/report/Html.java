package io.edgekv.chaos.report;

/** HTML escaping for the reports. */
final class Html {
  private Html() {}

  static String esc(Object o) {
    String s = String.valueOf(o);
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static final String STYLE = """
      <style>
      body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1100px}
      table{border-collapse:collapse;margin:.5em 0}
      td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.92em}
      .valid,.pass{background:#d9f2d9}.invalid,.fail{background:#f8d0d0}.unknown{background:#fbe8c0}
      pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.8em;max-height:30em}
      svg{background:#fff;border:1px solid #ddd;margin:.3em 0}
      .legend span{display:inline-block;margin-right:1em;font-size:.85em}
      code{background:#f2f2f2;padding:0 .2em}
      </style>
      """;
}

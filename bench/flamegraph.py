#!/usr/bin/env python3
"""Renders a flame graph (SVG) of CPU samples from a JFR recording or a folded-stacks file.

    bench/flamegraph.py IN OUT.svg [--from HH:MM:SS --to HH:MM:SS] [--title TEXT]

IN is a .jfr file (its jdk.ExecutionSample events are read with the JDK's `jfr` tool, which must
be on PATH; --from/--to keep the samples taken in that UTC window, e.g. one measurement of
`bench compare --profile`) or a file of folded stacks ("frame;frame;frame count" per line, as
`bench compare --profile` writes beside each node's recording). Root frames are at the bottom;
a frame's width is its share of the samples; colours tell the area of the frame: EdgeKV, gRPC and
Netty, Ratis, protobuf, RocksDB, JDK. Hovering a frame shows its name and sample count.
"""
import argparse
import html
import json
import subprocess
import sys

AREAS = [
    ("io.edgekv.", "#e8743b"),
    ("io.grpc.", "#5b9bd5"),
    ("org.apache.ratis.", "#70ad47"),
    ("com.google.protobuf.", "#a87bd6"),
    ("org.rocksdb.", "#c9a227"),
]
OTHER = "#b0b0b0"
ROW, WIDTH, FONT = 16, 1600, 11


def colour(frame):
    for prefix, c in AREAS:
        if frame.startswith(prefix):
            return c
    return OTHER


def stacks_from_jfr(path, start, end):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "128", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    stacks = {}
    for e in json.loads(out)["recording"]["events"]:
        v = e["values"]
        t = v["startTime"][11:19]
        if (start and t < start) or (end and t > end):
            continue
        frames = v["stackTrace"]["frames"]
        names = [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"] for f in reversed(frames)]
        key = ";".join(names)
        stacks[key] = stacks.get(key, 0) + 1
    return stacks


def stacks_from_folded(path):
    stacks = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, n = line.rpartition(" ")
            stacks[stack] = stacks.get(stack, 0) + int(n)
    return stacks


def tree(stacks):
    root = {"name": "all", "n": 0, "kids": {}}
    for stack, n in stacks.items():
        root["n"] += n
        node = root
        for frame in stack.split(";"):
            node = node["kids"].setdefault(frame, {"name": frame, "n": 0, "kids": {}})
            node["n"] += n
    return root


def depth(node):
    return 1 + max((depth(k) for k in node["kids"].values()), default=0)


def render(root, title):
    levels = depth(root)
    height = (levels + 2) * ROW + 10
    total = max(1, root["n"])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="monospace" font-size="{FONT}">',
             f'<rect width="100%" height="100%" fill="#ffffff"/>',
             f'<text x="{WIDTH / 2}" y="{ROW}" text-anchor="middle" font-size="{FONT + 3}">'
             f'{html.escape(title)} ({total} samples)</text>']

    def draw(node, x, level):
        w = node["n"] / total * WIDTH
        if w < 1.0:
            return
        y = height - (level + 1) * ROW
        label = f'{node["name"]} ({node["n"]} samples, {100.0 * node["n"] / total:.1f} %)'
        parts.append(f'<g><title>{html.escape(label)}</title><rect x="{x:.2f}" y="{y}" width="{w:.2f}" '
                     f'height="{ROW - 1}" fill="{colour(node["name"])}" rx="1"/>')
        chars = int(w / (FONT * 0.62))
        if chars >= 3:
            name = node["name"] if len(node["name"]) <= chars else node["name"][:chars - 2] + ".."
            parts.append(f'<text x="{x + 2:.2f}" y="{y + ROW - 4}">{html.escape(name)}</text>')
        parts.append('</g>')
        cx = x
        for kid in sorted(node["kids"].values(), key=lambda k: k["name"]):
            draw(kid, cx, level + 1)
            cx += kid["n"] / total * WIDTH

    draw(root, 0.0, 0)
    parts.append('</svg>')
    return "\n".join(parts)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--from", dest="start")
    p.add_argument("--to", dest="end")
    p.add_argument("--title", default="CPU samples")
    a = p.parse_args()
    stacks = stacks_from_jfr(a.input, a.start, a.end) if a.input.endswith(".jfr") else stacks_from_folded(a.input)
    if not stacks:
        sys.exit(f"flamegraph: no samples in {a.input}" + (f" between {a.start} and {a.end}" if a.start else ""))
    with open(a.output, "w") as f:
        f.write(render(tree(stacks), a.title))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Times an empty node from the launch of `./edgekv serve` to its first /readyz 200, N times.
#   bench/ready-time.sh [RUNS] [BASE_PORT]      (defaults 5, 21500; ports BASE..BASE+399)
# Each run: a fresh empty data directory, a one-node region laid out by `edgekv dev --config-out`,
# `/readyz` polled every 10 ms with curl. Prints per run: wall ms to ready, the JVM's CPU seconds
# (utime+stime from /proc) and RSS at ready, and the load average; the node is then stopped.
set -euo pipefail
RUNS=${1:-5}
BASE=${2:-21500}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
./edgekv --help > /dev/null 2>&1   # builds (and trains the start-up cache) before anything is timed
WORK=$(mktemp -d /tmp/edgekv-ready.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill -9 -- "-$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
./edgekv dev --regions 1 --nodes 1 --base-port "$BASE" --config-out "$WORK/cfg" --data "$WORK/data" > /dev/null
HTTP=$((BASE + 100))
TICK=$(getconf CLK_TCK)
echo "run wall_ms cpu_s rss_mib load_avg"
for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/data"
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s%N)
  setsid ./edgekv serve --config "$WORK/cfg/node-0.yaml" > "$WORK/serve-$i.log" 2>&1 < /dev/null &
  PID=$!
  deadline=$((start + 120000000000))
  until curl -sf -o /dev/null "http://127.0.0.1:$HTTP/readyz"; do
    kill -0 "$PID" 2>/dev/null || { tail -20 "$WORK/serve-$i.log"; echo "serve exited before ready" >&2; exit 1; }
    [ "$(date +%s%N)" -lt "$deadline" ] || { echo "not ready in 120 s" >&2; exit 1; }
    sleep 0.01
  done
  end=$(date +%s%N)
  # the JVM: the launcher execs java, so the pid is the JVM's (else its only java child)
  jvm=$PID
  grep -q java "/proc/$jvm/cmdline" 2>/dev/null || jvm=$(pgrep -s "$PID" java | head -1)
  read -r ut st < <(awk '{print $14, $15}' "/proc/$jvm/stat")
  rss=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$jvm/status")
  printf '%d %d %.2f %d %s\n' "$i" $(((end - start) / 1000000)) "$(echo "($ut + $st) / $TICK" | bc -l)" "$rss" "$load"
  kill -TERM -- "-$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=
done

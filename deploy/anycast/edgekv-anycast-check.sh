#!/usr/bin/env bash
# EdgeKV anycast health check: polls the local node's /readyz and announces or withdraws the
# PoP's anycast prefix, with hysteresis, so a flapping node does not flap the route.
#
#   edgekv-anycast-check.sh [HTTP_PORT]          # default port 7500 (or EDGEKV_HTTP_PORT)
#
# Every EDGEKV_CHECK_INTERVAL seconds it GETs http://127.0.0.1:PORT/readyz (connect and total
# time bounded by EDGEKV_CHECK_TIMEOUT). Only HTTP 200 counts as healthy: 503 (starting,
# draining, no Raft quorum, apply lag, clock offset), a timeout or a refused connection count
# as failures. After EDGEKV_RISE consecutive successes it runs the announce command, after
# EDGEKV_FALL consecutive failures the withdraw command; each runs only on a change of state
# (plus a re-assertion every EDGEKV_REASSERT_EVERY checks, e.g. after BIRD restarted with the
# route disabled), bounded by EDGEKV_CMD_TIMEOUT. A command that fails is retried at the next
# check. On SIGTERM/SIGINT it withdraws before exiting (a PoP whose checker stopped should not
# attract traffic).
#
# Environment (defaults):
#   EDGEKV_HTTP_PORT=7500            node's HTTP port (first argument overrides)
#   EDGEKV_READYZ_URL=http://127.0.0.1:$EDGEKV_HTTP_PORT/readyz
#   EDGEKV_CHECK_INTERVAL=1          seconds between checks (fractions allowed)
#   EDGEKV_CHECK_TIMEOUT=1           seconds per /readyz request
#   EDGEKV_RISE=3                    successes in a row before announcing (M)
#   EDGEKV_FALL=2                    failures in a row before withdrawing (N)
#   EDGEKV_REASSERT_EVERY=30         checks between re-runs of the current state's command (0: never)
#   EDGEKV_CMD_TIMEOUT=5             seconds allowed to the announce/withdraw command
#   EDGEKV_BIRD_PROTOCOL=edgekv_anycast   static protocol of bird.conf
#   EDGEKV_ANNOUNCE_CMD="birdc enable $EDGEKV_BIRD_PROTOCOL"
#   EDGEKV_WITHDRAW_CMD="birdc disable $EDGEKV_BIRD_PROTOCOL"
#   EDGEKV_MAX_ITERATIONS=0          stop after this many checks (0: run forever); for tests
#
# Other route daemons: set the commands, e.g. for a plain kernel route redistributed by your
# routing daemon: EDGEKV_ANNOUNCE_CMD="ip route replace 192.0.2.53/32 dev edgekv0"
# EDGEKV_WITHDRAW_CMD="ip route del 192.0.2.53/32 dev edgekv0 || true". For a dry run:
# EDGEKV_ANNOUNCE_CMD="echo announce" EDGEKV_WITHDRAW_CMD="echo withdraw".
# The commands' own output goes to stdout; this script's log lines go to stderr.
set -uo pipefail

port=${1:-${EDGEKV_HTTP_PORT:-7500}}
url=${EDGEKV_READYZ_URL:-http://127.0.0.1:$port/readyz}
interval=${EDGEKV_CHECK_INTERVAL:-1}
check_timeout=${EDGEKV_CHECK_TIMEOUT:-1}
rise=${EDGEKV_RISE:-3}
fall=${EDGEKV_FALL:-2}
reassert_every=${EDGEKV_REASSERT_EVERY:-30}
cmd_timeout=${EDGEKV_CMD_TIMEOUT:-5}
protocol=${EDGEKV_BIRD_PROTOCOL:-edgekv_anycast}
announce_cmd=${EDGEKV_ANNOUNCE_CMD:-birdc enable $protocol}
withdraw_cmd=${EDGEKV_WITHDRAW_CMD:-birdc disable $protocol}
max_iterations=${EDGEKV_MAX_ITERATIONS:-0}

log() { printf '%s edgekv-anycast-check: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "$*"; exit 2; }

for v in rise fall reassert_every max_iterations; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, was '${!v}'"
done
if [ "$rise" -lt 1 ] || [ "$fall" -lt 1 ]; then die "EDGEKV_RISE and EDGEKV_FALL must be at least 1"; fi
command -v curl >/dev/null || die "curl is required"

# probe: 0 when /readyz answers 200 in time. Sets $reason for the log.
reason=''
probe() {
  local out code body
  out=$(curl -sS --connect-timeout "$check_timeout" --max-time "$check_timeout" \
        -w '\n%{http_code}' "$url" 2>&1)
  code=${out##*$'\n'}
  body=${out%$'\n'*}
  if [ "$code" = 200 ]; then reason='ready'; return 0; fi
  body=${body//$'\n'/ }; body=${body% }
  reason="HTTP ${code:-000}: ${body:0:300}"
  return 1
}

# run_cmd NAME CMD: runs the route command with a deadline; 0 on success.
run_cmd() {
  local name=$1 cmd=$2 rc
  timeout --kill-after=2 "$cmd_timeout" bash -c "$cmd"
  rc=$?
  if [ $rc -ne 0 ]; then log "$name command failed (exit $rc): $cmd"; fi
  return $rc
}

state=unknown     # unknown | announced | withdrawn
ok=0 bad=0 iteration=0

on_signal() {
  log "stopping: withdrawing the prefix"
  run_cmd withdraw "$withdraw_cmd" || true
  exit 0
}
trap on_signal TERM INT

log "checking $url every ${interval}s (rise $rise, fall $fall)"
while [ "$max_iterations" -eq 0 ] || [ "$iteration" -lt "$max_iterations" ]; do
  iteration=$((iteration + 1))
  if probe; then
    ok=$((ok + 1)) bad=0
  else
    bad=$((bad + 1)) ok=0
    if [ "$bad" -eq 1 ] || [ "$state" != withdrawn ]; then log "not ready ($bad/$fall): $reason"; fi
  fi
  want=$state
  if [ "$ok" -ge "$rise" ]; then want=announced; fi
  if [ "$bad" -ge "$fall" ]; then want=withdrawn; fi
  reassert=false
  if [ "$reassert_every" -gt 0 ] && [ $((iteration % reassert_every)) -eq 0 ] && [ "$state" != unknown ]; then
    reassert=true
  fi
  if [ "$want" != "$state" ] || $reassert; then
    if [ "$want" = announced ]; then
      [ "$want" != "$state" ] && log "ready $ok time(s) in a row: announcing"
      run_cmd announce "$announce_cmd" && state=announced
    elif [ "$want" = withdrawn ]; then
      [ "$want" != "$state" ] && log "not ready $bad time(s) in a row: withdrawing ($reason)"
      run_cmd withdraw "$withdraw_cmd" && state=withdrawn
    fi
  fi
  # sleep in the background + wait, so that SIGTERM is handled at once
  sleep "$interval" & wait $!
done
log "stopped after $iteration check(s), state $state"

#!/usr/bin/env bash
# ExaBGP process for exabgp.conf: runs edgekv-anycast-check.sh with commands that print
# ExaBGP API lines on stdout (ExaBGP reads them). The check's hysteresis, timeouts and
# EDGEKV_* settings apply unchanged; EDGEKV_ANYCAST_PREFIX is the announced prefix.
prefix=${EDGEKV_ANYCAST_PREFIX:-192.0.2.53/32}
export EDGEKV_ANNOUNCE_CMD="echo 'announce route $prefix next-hop self'"
export EDGEKV_WITHDRAW_CMD="echo 'withdraw route $prefix next-hop self'"
exec "$(dirname "$(readlink -f "$0")")/edgekv-anycast-check.sh" "$@"

#!/usr/bin/env bash
# The log-in benchmark (see bench/README.md), in one run:
#   1. the home page alone, two probes of wrk -t1 -c8 each:
#        "/"            as visitors get it (nginx serves it from its whole-page
#                       cache in memcached most of the time)
#        "/?probe=..."  rendered by a page worker every time (a query string
#                       bypasses the whole-page cache)
#   2. a log-in flood alone: wrk -t2 -c16 -s bench/login.lua, GET
#      /v1/users/authenticate with HTTP Basic for the demo users (an Argon2id
#      verification and a new session row each)
#   3. the flood again, and the two probes beside it, one after the other
# and prints log-ins per second and each probe's p99 with and without the
# flood.
#
# usage: bench/login.sh [bench|dev]       (env BENCH_DURATION, default 10s;
#                                          LOGIN_CONNS, default 16)
#
# bench (default, "./stack up bench") raises rl_login_ip out of the flood's
# way; on dev the per-address limit (30 a minute) answers nearly all of the
# flood with 429, which the summary shows.  The instance must be up.
set -euo pipefail
# shellcheck source=bench/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

require_instance
OUT=$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench.XXXXXX")
LOGIN_CONNS=${LOGIN_CONNS:-16}
SECS=${DURATION%s}
[[ $SECS =~ ^[0-9]+$ ]] || die "BENCH_DURATION must be whole seconds (like 10s)"
FLOOD_OPTS=(-t2 "-c$LOGIN_CONNS" --timeout 30s -s "$ROOT/bench/login.lua")
PROBE=(-t1 -c8 "-d$DURATION" --timeout 10s)
HOME_URL=$URL/
WORKER_URL="$URL/?probe=login-bench"

# The demo accounts (marquee-admin demo) that log in with these passwords.
DEMO_PW=${MARQUEE_DEMO_PASSWORD:-marquee-demo-pass}
ADMIN_PW=${MARQUEE_DEMO_ADMIN_PASSWORD:-marquee-admin-demo}
CREDS=()
USERS=()
for pair in "alice@marquee.test:$DEMO_PW" "bob@marquee.test:$DEMO_PW" \
	"carol@marquee.test:$DEMO_PW" "admin@marquee.test:$ADMIN_PW"; do
	if curl -fsS -o /dev/null -u "$pair" "$URL/v1/users/authenticate"; then
		CREDS+=("$(printf '%s' "$pair" | base64 -w0)")
		USERS+=("${pair%%:*}")
	fi
done
((${#CREDS[@]})) || die "none of the demo users can log in on $INST (MARQUEE_DEMO_PASSWORD?)"

RL_IP=$(conf_value rl_login_ip)
RL_IP=${RL_IP:-30}
RL_WINDOW=$(conf_value rl_window)
AUTH_WORKERS=$(conf_value auth_workers)
echo "login benchmark: $URL ($INST), users ${USERS[*]}, rl_login_ip $RL_IP per ${RL_WINDOW:-60}s window"
echo "machine: $(machine)"
echo "processes under the master: $(worker_pids | wc -l) (auth_workers = ${AUTH_WORKERS:-unset})"
((RL_IP >= 1000000)) || echo "note: rl_login_ip is $RL_IP here: most of the flood will be answered 429 (use the bench instance)"

for _ in 1 2 3 4; do curl -fsS -o /dev/null -o /dev/null "$HOME_URL" "$WORKER_URL"; done # fill the caches
echo "GET / answers X-Cache: $(x_cache "$HOME_URL")" \
	"(hit: from nginx's whole-page cache); GET /?probe=... is rendered by a worker"

# logins FILE: successful log-ins per second in a flood's wrk report.
logins_ok() { awk '/^logins:/ {print $2}' "$1"; }
logins_429() { awk '/^logins:/ {print $3}' "$1"; }
wrk_secs() { awk '/requests in/ {sub(/s,$/, "", $4); print $4}' "$1"; }

wrk_run home-alone "${PROBE[@]}" "$HOME_URL"
A1_P50=$W_P50 A1_P99=$W_P99 A1_RPS=$W_RPS A1_BAD=$((W_BAD + W_ERR)) PROBE1_CMD=$W_CMD
echo "1a. /, alone:                  $A1_RPS req/s  p50 $A1_P50 ms  p99 $A1_P99 ms"
wrk_run worker-alone "${PROBE[@]}" "$WORKER_URL"
A2_P50=$W_P50 A2_P99=$W_P99 A2_RPS=$W_RPS A2_BAD=$((W_BAD + W_ERR)) PROBE2_CMD=$W_CMD
echo "1b. /?probe (worker), alone:   $A2_RPS req/s  p50 $A2_P50 ms  p99 $A2_P99 ms"

wrk_run login-alone "${FLOOD_OPTS[@]}" "-d$DURATION" "$URL" -- "${CREDS[@]}"
L_P50=$W_P50 L_P99=$W_P99 L_ERR=$W_ERR
L_OK=$(logins_ok "$OUT/login-alone.txt")
L_429=$(logins_429 "$OUT/login-alone.txt")
L_SECS=$(wrk_secs "$OUT/login-alone.txt")
L_PER_S=$(ratio "$L_OK" "$L_SECS")
FLOOD_CMD="wrk --latency ${FLOOD_OPTS[*]} -d$DURATION $URL -- <base64 credentials of ${USERS[*]}>"
echo "2.  log-ins alone:             $L_PER_S log-ins/s ($L_OK answered 200, $L_429 answered 429)  p50 $L_P50 ms  p99 $L_P99 ms"

# 3. The flood, long enough for both probes, with the probes beside it.
wrk --latency "${FLOOD_OPTS[@]}" "-d$((2 * SECS + 3))s" "$URL" -- "${CREDS[@]}" >"$OUT/login-flood.txt" 2>&1 &
FLOOD_PID=$!
trap 'kill "$FLOOD_PID" 2>/dev/null || true' EXIT
sleep 1 # the flood is under way before the probes start
wrk_run home-under-flood "${PROBE[@]}" "$HOME_URL"
B1_P50=$W_P50 B1_P99=$W_P99 B1_RPS=$W_RPS B1_BAD=$((W_BAD + W_ERR))
echo "3a. /, under the flood:        $B1_RPS req/s  p50 $B1_P50 ms  p99 $B1_P99 ms"
wrk_run worker-under-flood "${PROBE[@]}" "$WORKER_URL"
B2_P50=$W_P50 B2_P99=$W_P99 B2_RPS=$W_RPS B2_BAD=$((W_BAD + W_ERR))
echo "3b. /?probe, under the flood:  $B2_RPS req/s  p50 $B2_P50 ms  p99 $B2_P99 ms"
wait "$FLOOD_PID" || die "the flood's wrk failed: $(cat "$OUT/login-flood.txt")"
trap - EXIT
F_OK=$(logins_ok "$OUT/login-flood.txt")
F_PER_S=$(ratio "$F_OK" "$(wrk_secs "$OUT/login-flood.txt")")
F_P99=$(ms "$(awk '$1 == "99%" {print $2}' "$OUT/login-flood.txt")")
echo "3.  meanwhile:                 $F_PER_S log-ins/s, log-in p99 $F_P99 ms"

cat <<EOF

===== login benchmark summary ($(date -u +%Y-%m-%dT%H:%MZ), $INST, auth_workers ${AUTH_WORKERS:-unset}) =====
log-ins per second, flood alone:        $L_PER_S   ($L_OK in ${L_SECS}s, $L_429 answered 429, socket errors $L_ERR; p50 $L_P50 ms, p99 $L_P99 ms)
log-ins per second, beside the probes:  $F_PER_S   (p99 $F_P99 ms)
                                  p99 alone    p99 under flood   ratio   (req/s alone / under flood, errors)
home page /                     $(printf '%10s ms %13s ms %8s' "$A1_P99" "$B1_P99" "$(ratio "$B1_P99" "$A1_P99")")   ($A1_RPS / $B1_RPS, $A1_BAD / $B1_BAD)
home page by a worker /?probe   $(printf '%10s ms %13s ms %8s' "$A2_P99" "$B2_P99" "$(ratio "$B2_P99" "$A2_P99")")   ($A2_RPS / $B2_RPS, $A2_BAD / $B2_BAD)
commands:
  probes: $PROBE1_CMD
          $PROBE2_CMD
  flood:  $FLOOD_CMD
          (phase 3: the same flood for $((2 * SECS + 3))s in the background, the probes one after the other beside it)
errors = non-2xx/3xx answers plus socket errors; wrk reports kept in $OUT/
machine: $(machine)
EOF

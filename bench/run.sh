#!/usr/bin/env bash
# Load test of an rbm webhook with wrk: builds an agent in release, starts it
# with a client token, posts signed deliveries (examples/signed_payload.rs) with
# bench/deliveries.lua, and prints requests per second, p50, p99 and the
# server's peak RSS. See bench/README.md; `bench/run.sh --help` lists options.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/run.sh [options]

  --agent echo|trivial  echo: examples/echo.rs (DSL dispatch, one reply each);
                        trivial: rbm-runtime/examples/trivial.rs (no reply)   [echo]
  --count N             distinct deliveries sent round-robin; 1 = every request
                        after the first is a duplicate                       [20000]
  --senders N           distinct users the deliveries come from               [1000]
  --log FILTER          the server's RUST_LOG                                 [info]
  --api                 send replies through the RBM API client to the local
                        fake API (examples/fake_rbm_api.rs) instead of the log
  --duration D          measured wrk run, e.g. 10s                            [10s]
  --warmup D            wrk run before it, not measured (0 = none)            [2s]
  --connections N       wrk connections (one wrk thread)                      [64]
  --runs N              measured runs, each on a fresh server; then medians   [3]
  --port P              webhook port on 127.0.0.1                             [18080]
  --no-build            use the binaries already in target/release
  --no-pin              do not pin the server to CPU 0 and wrk to CPU 1

Prerequisites: Rust (cargo), wrk (Debian/Ubuntu: apt-get install wrk), curl.
USAGE
}

die() { echo "bench: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
# The token only has to agree between the server and the deliveries.
TOKEN=bench-client-token

agent=echo count=20000 senders=1000 log=info api=0 duration=10s warmup=2s
connections=64 runs=3 port=18080 build=1 pin=1
while (($#)); do
  case $1 in
    --agent) agent=$2; shift;;
    --count) count=$2; shift;;
    --senders) senders=$2; shift;;
    --log) log=$2; shift;;
    --api) api=1;;
    --duration) duration=$2; shift;;
    --warmup) warmup=$2; shift;;
    --connections) connections=$2; shift;;
    --runs) runs=$2; shift;;
    --port) port=$2; shift;;
    --no-build) build=0;;
    --no-pin) pin=0;;
    -h|--help) usage; exit 0;;
    *) usage >&2; die "unknown option $1";;
  esac
  shift
done
[[ $agent == echo || $agent == trivial ]] || die "--agent is echo or trivial, not $agent"
for tool in cargo wrk curl; do
  command -v "$tool" >/dev/null || die "$tool is missing (see bench/README.md)"
done

# Pinning keeps the server and the load generator off each other's core.
server_pin=() wrk_pin=()
if ((pin)) && command -v taskset >/dev/null && (($(nproc) >= 2)); then
  server_pin=(taskset -c 0) wrk_pin=(taskset -c 1)
fi

if ((build)); then
  examples=(--example signed_payload)
  ((api)) && examples+=(--example fake_rbm_api)
  [[ $agent == echo ]] && examples+=(--example echo)
  (cd "$ROOT" && cargo build --release --quiet "${examples[@]}")
  if [[ $agent == trivial ]]; then
    (cd "$ROOT" && cargo build --release --quiet -p rbm-runtime --example trivial)
  fi
fi
bin=$TARGET/release/examples
[[ -x $bin/$agent ]] || die "$bin/$agent is missing: run without --no-build"

work=$(mktemp -d)
server_pid='' api_pid=''
stop() {  # PID: SIGTERM (graceful shutdown), then wait for it
  [[ -n $1 ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  stop "$server_pid"
  stop "$api_pid"
  rm -rf "$work"
}
trap cleanup EXIT

# The warm-up and the sanity check post other deliveries than the measured
# run (ids numbered after them), so the measured run does not start with
# duplicates of what they posted.
"$bin/signed_payload" --token "$TOKEN" --count "$count" --senders "$senders" >"$work/measured.tsv"
"$bin/signed_payload" --token "$TOKEN" --count "$count" --senders "$senders" --first "$count" \
  >"$work/warmup.tsv"

server_env=(PORT="$port" BIND=127.0.0.1 RBM_CLIENT_TOKEN="$TOKEN" RUST_LOG="$log")
if ((api)); then
  # The fake prints the environment a bot needs to reach it.
  PORT=$((port + 1)) RBM_FAKE_KEY_FILE=$work/key.json RUST_LOG=info \
    "$bin/fake_rbm_api" >"$work/api.out" 2>"$work/api.log" &
  api_pid=$!
  for _ in $(seq 100); do
    grep -q '^export RBM_API_BASE_URL=' "$work/api.out" 2>/dev/null && break
    kill -0 "$api_pid" 2>/dev/null || die "the fake RBM API stopped: $(tail -3 "$work/api.out" "$work/api.log")"
    sleep 0.1
  done
  while read -r _ assignment; do
    server_env+=("$assignment")
  done < <(grep '^export ' "$work/api.out")
  ((${#server_env[@]} > 4)) || die "the fake RBM API did not start"
fi

url=http://127.0.0.1:$port/

start_server() {
  # Without --api no credentials reach the server: its replies go to the log
  # (filtered by --log like the rest).
  env -u GOOGLE_APPLICATION_CREDENTIALS -u RBM_API_BASE_URL "${server_env[@]}" "${server_pin[@]}" "$bin/$agent" >>"$work/server.log" 2>&1 &
  server_pid=$!
  # Ready once it answers the console's handshake with the secret.
  local answer
  for _ in $(seq 100); do
    answer=$(curl -s --max-time 1 -H 'Content-Type: application/json' \
      --data "{\"clientToken\":\"$TOKEN\",\"secret\":\"ready\"}" "$url" || true)
    [[ $answer == ready ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || die "the server stopped: $(tail -3 "$work/server.log")"
    sleep 0.1
  done
  die "the server did not answer the handshake on $url"
}

# One signed delivery must be acknowledged before anything is measured.
check_delivery() {
  local signature body status
  IFS=$'\t' read -r signature body < <(tail -1 "$work/warmup.tsv")
  status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "X-Goog-Signature: $signature" --data-binary "$body" "$url")
  [[ $status == 200 ]] || die "a signed delivery got $status, not 200: $(tail -3 "$work/server.log")"
}

peak_rss_kb() {
  awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || echo 0
}

wrk_run() {  # DELIVERIES DURATION OUTPUT
  RBM_BENCH_DELIVERIES=$1 "${wrk_pin[@]}" wrk -t1 -c"$connections" -d"$2" --latency -s "$ROOT/bench/deliveries.lua" "$url" >"$3" 2>&1 \
    || die "wrk failed: $(tail -3 "$3")"
}

echo "bench: agent=$agent count=$count senders=$senders RUST_LOG=$log api=$api" \
  "wrk -t1 -c$connections -d$duration (warm-up $warmup) runs=$runs" \
  "pinned=$([[ ${#server_pin[@]} -gt 0 ]] && echo yes || echo no)"
: >"$work/results"
for ((run = 1; run <= runs; run++)); do
  start_server
  check_delivery
  [[ $warmup == 0 || $warmup == 0s ]] || wrk_run "$work/warmup.tsv" "$warmup" "$work/warmup.txt"
  wrk_run "$work/measured.tsv" "$duration" "$work/wrk.txt"
  rss=$(peak_rss_kb)
  stop "$server_pid"
  server_pid=''
  result=$(grep '^RESULT ' "$work/wrk.txt") || die "no RESULT line from wrk: $(tail -3 "$work/wrk.txt")"
  declare -A r=()
  for pair in ${result#RESULT }; do r[${pair%%=*}]=${pair#*=}; done
  # Columns: req/s, p50 ms, p99 ms, peak RSS MB.
  awk -v q="${r[requests]}" -v us="${r[duration_us]}" -v p50="${r[p50_us]}" -v p99="${r[p99_us]}" \
    -v rss="$rss" 'BEGIN { printf "%.0f\t%.2f\t%.2f\t%.1f\n", q / (us / 1e6), p50 / 1000, p99 / 1000, rss / 1024 }' \
    >>"$work/results"
  IFS=$'\t' read -r rps p50 p99 mb < <(tail -1 "$work/results")
  echo "run $run: req/s=$rps p50=${p50}ms p99=${p99}ms peak_rss=${mb}MB non2xx=${r[non2xx]} socket_errors=${r[socket_errors]}"
  # The server's own count of each outcome (its log lines, when --log lets them through).
  outcomes=$({ grep -o ' outcome=[a-z_]*' "$work/server.log" || true; } | sort | uniq -c \
    | awk '{ sub(/^outcome=/, "", $2); printf " %s=%d", $2, $1 }')
  [[ -z $outcomes ]] || echo "  server outcomes (warm-up and checks included):$outcomes"
  if ((r[non2xx] > 0 || r[socket_errors] > 0)); then
    echo "bench: warning: some requests failed; the server's last lines:" >&2
    tail -3 "$work/server.log" >&2
  fi
  : >"$work/server.log"
done

median() {  # COLUMN: the median of that column of the results
  cut -f"$1" "$work/results" | sort -n | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
if ((runs > 1)); then
  echo "median of $runs: req/s=$(median 1) p50=$(median 2)ms p99=$(median 3)ms peak_rss=$(median 4)MB"
fi

if ((api)); then
  # The fake's own count of what it answered, logged when it stops.
  stop "$api_pid"
  api_pid=''
  # It logs to stdout, in colour: strip the escapes.
  stats=$(sed 's/\x1b\[[0-9;]*m//g' "$work/api.out" | grep -o 'fake RBM API stopping.*' || true)
  [[ -z $stats ]] || echo "fake RBM API:${stats#fake RBM API stopping}"
fi

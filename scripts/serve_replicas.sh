#!/usr/bin/env bash
# The replicated topology on one machine, without containers: N explorer servers behind haproxy with sticky
# sessions, as deploy/compose.yaml and deploy/k8s/ run it with containers. Loopback only.
#   scripts/serve_replicas.sh [N=2] [PORT=8500]    then open http://127.0.0.1:PORT ; Ctrl-C stops everything.
# Replica i listens on PORT+i. Each gets an equal share of the cores as training slots (at least one) of one
# torch thread each: replicas share the machine, so a worker must not size its threads by all of its cores.
# A learner's first response sets the cookie NNREPLICA; every later request (the page's websocket included) goes
# to the same replica, where Streamlit keeps that learner's session. The header X-Replica names the replica.
# The replicas keep every learner's work in one PostgreSQL (Debian's postgresql package): a cluster this script
# makes in a temporary folder on loopback, unless NN_GROUND_UP_DATABASE_URL names one. A learner whose replica goes
# away finds their work on the other.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2}
port=${2:-8500}
command -v haproxy >/dev/null || { echo "haproxy is needed (Debian: apt-get install haproxy)" >&2; exit 1; }
[[ -x .venv/bin/streamlit ]] || scripts/setup.sh
cores=$(nproc)
slots=$(( cores / n > 0 ? cores / n : 1 ))
run=$(mktemp -d)
pids=()
pg=""
stop() {
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
  [[ -n "$pg" ]] && $as_postgres "$pg/pg_ctl" -D "$run/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap stop EXIT INT TERM

if [[ -z "${NN_GROUND_UP_DATABASE_URL:-}" ]]; then
  pg=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null \
    | sort -V | tail -1)")")
  [[ -x "$pg/initdb" ]] || { echo "PostgreSQL is needed (Debian: apt-get install postgresql), or set" \
                                  "NN_GROUND_UP_DATABASE_URL" >&2; pg=""; exit 1; }
  as_postgres=""
  if [[ $(id -u) -eq 0 ]]; then  # PostgreSQL refuses to run as root
    chown postgres "$run"; as_postgres="runuser -u postgres --"
  fi
  pgport=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $as_postgres "$pg/initdb" -D "$run/pg" -U explorer --auth=trust -E UTF8 --locale=C >/dev/null
  $as_postgres "$pg/pg_ctl" -D "$run/pg" -l "$run/pg.log" -w \
    -o "-p $pgport -k $run -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  $as_postgres "$pg/createdb" -h 127.0.0.1 -p "$pgport" -U explorer explorer
  export NN_GROUND_UP_DATABASE_URL="postgresql+psycopg://explorer@127.0.0.1:$pgport/explorer"
fi

servers=""
for i in $(seq 1 "$n"); do
  NN_GROUND_UP_HOSTED=${NN_GROUND_UP_HOSTED:-1} NN_GROUND_UP_SLOTS=${NN_GROUND_UP_SLOTS:-$slots} \
    NN_GROUND_UP_THREADS=${NN_GROUND_UP_THREADS:-1} \
    .venv/bin/streamlit run app/Home.py --server.headless true --server.fileWatcherType none \
    --server.address 127.0.0.1 --server.port $((port + i)) --browser.gatherUsageStats false \
    > "$run/replica$i.log" 2>&1 &
  pids+=($!)
  servers+="  server r$i 127.0.0.1:$((port + i)) check inter 1s fall 2 rise 2 cookie r$i"$'\n'
done

awk -v port="$port" -v servers="$servers" \
  '/{SERVERS}/ { printf "%s", servers; next } { gsub(/{PORT}/, port); print }' deploy/haproxy.cfg > "$run/haproxy.cfg"
haproxy -f "$run/haproxy.cfg" -db > "$run/haproxy.log" 2>&1 &
pids+=($!)

for i in $(seq 1 "$n"); do  # ready when every replica answers its health check
  until curl -sf "http://127.0.0.1:$((port + i))/_stcore/health" >/dev/null; do
    kill -0 "${pids[$((i - 1))]}" 2>/dev/null || { cat "$run/replica$i.log" >&2; exit 1; }
    sleep 0.5
  done
done
until curl -sf "http://127.0.0.1:$port/_stcore/health" >/dev/null; do  # and the proxy has checked them up
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$run/haproxy.log" >&2; exit 1; }
  sleep 0.3
done
for i in $(seq 1 "$n"); do echo "Replica r$i: process ${pids[$((i - 1))]}, port $((port + i))"; done
[[ -n "$pg" ]] && echo "Learners' work: $NN_GROUND_UP_DATABASE_URL"  # loopback only, no password
echo "Serving $n replicas ($slots training slots each) at http://127.0.0.1:$port"
wait "${pids[-1]}"  # as long as the proxy runs: a replica that dies leaves its learners to the others

#!/usr/bin/env bash
# Load on one service, beside a reference measured in the same run:
#   bench/load.sh project-svc   (see the project-svc case below)
#   bench/load.sh tunnel-svc
#   bench/load.sh scheduler-svc (see the scheduler-svc case below)
#   bench/load.sh escrow-svc    (see the escrow-svc case below)
#   bench/load.sh builder-svc   (see the builder-svc case below)
# For tunnel-svc: requests/s and p50/p99/p99.9 latency straight to a backend, through nginx (the reference reverse
# proxy) and through the ingress, for a ramp of connection counts (interleaved: the three paths one after the other
# at each count), plus the CPU and RSS of both proxies. The backend is an nginx of its own serving a 1 KiB static
# file. Everything binds 127.0.0.1 on free ports, lives in a temporary directory, and is stopped by its PID on exit.
# Installs wrk and nginx with apt-get if they are missing (the system nginx service is never started or used).
#
#   BENCH_CONNECTIONS  the ramp of open connections (default "1 4 16 64 256")
#   BENCH_SECONDS      measured seconds per path and step (default 10)
#   BENCH_WARMUP       seconds of warm-up through the ingress before measuring, for the JIT (default 10)
#   BENCH_INGRESS      the ingress launcher (default services/tunnel-svc/ingress; packaged first if its jars are missing)
#
# The report (Markdown tables) goes to stdout and target/load-<service>.md; every wrk output to target/load-<service>.log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COMMAND="bench/load.sh $*"

# module_bench SERVICE CLASS MODULES [-Dname=value...]: builds MODULES (comma-separated, with what they need), runs the
# benchmark CLASS of services/SERVICE through ./deeploy test on a fresh test instance with the given settings, and
# prints its "bench:" lines (also to target/load-SERVICE.md); the whole run is in target/load-SERVICE.log.
module_bench() {
  local service=$1 class=$2 modules=$3; shift 3
  mkdir -p target
  echo "load: building $modules and what they need" >&2
  ./mvnw -q -B -o install -DskipTests -pl "$modules" -am
  ./deeploy test -pl "services/$service" -Dit.test="$class" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "$@" \
    >"target/load-$service.log" 2>&1 || { tail -40 "target/load-$service.log"; exit 1; }
  grep '^bench:' "target/load-$service.log" | sed 's/^bench: //' | tee "target/load-$service.md"
}

service=${1:-}
case "$service" in
  tunnel-svc) ;;
  project-svc)
    # The packaged project-svc alone on a fresh test instance (PostgreSQL, Kafka), driven by ApiLoadBench with a project
    # token: reference GET /api/auth, job reads and job creates at each client count (BENCH_CLIENTS, default 1,8,32),
    # BENCH_SECONDS each (default 20).
    module_bench project-svc ApiLoadBench services/project-svc \
      -Dbench.clients="${BENCH_CLIENTS:-1,8,32}" -Dbench.seconds="${BENCH_SECONDS:-20}"
    exit 0 ;;
  scheduler-svc)
    # The packaged scheduler-svc alone on a fresh test instance (PostgreSQL, Kafka), driven by PlacementLoadBench:
    # BENCH_NODES simulated nodes (default 10000) heartbeating through the gateway, and JobRequested in at a ramp of rates
    # (BENCH_RATES, default 10,25,50,100,200,400,800,1600 a second, BENCH_SECONDS each, default 20) until the scheduler
    # no longer keeps up; NodeSelected read back. BENCH_SCHEDULER_JAR runs another build's quarkus-run.jar in its place
    # (a version before a change, measured beside it).
    module_bench scheduler-svc PlacementLoadBench services/scheduler-svc \
      -Dbench.nodes="${BENCH_NODES:-10000}" -Dbench.rates="${BENCH_RATES:-10,25,50,100,200,400,800,1600}" \
      -Dbench.seconds="${BENCH_SECONDS:-20}" ${BENCH_SCHEDULER_JAR:+-Dbench.scheduler-jar="$BENCH_SCHEDULER_JAR"}
    exit 0 ;;
  escrow-svc)
    # The packaged escrow-svc alone on a fresh test instance (PostgreSQL, Kafka, anvil), driven by SettlementLoadBench:
    # BENCH_JOBS one-node jobs (default 200) paid for on chain and activated through the service's inputs, anvil's clock
    # moved past their epochs, then SettlementDue in at a ramp of rates (BENCH_RATES, default 5,10,20,40,80,160,320 a
    # second, BENCH_SECONDS each, default 60) until escrow-svc no longer keeps up; SettlementCompleted read back, and at
    # the end every job-epoch counted (settled once, on chain and announced). The reference, in the same run: the same
    # settle() batches (BENCH_BATCH job-epochs, default 100, the service's settle-batch-size) sent straight to the same
    # anvil with web3j.
    module_bench escrow-svc SettlementLoadBench services/escrow-svc \
      -Dbench.jobs="${BENCH_JOBS:-200}" -Dbench.rates="${BENCH_RATES:-5,10,20,40,80,160,320}" \
      -Dbench.seconds="${BENCH_SECONDS:-60}" -Dbench.batch="${BENCH_BATCH:-100}"
    exit 0 ;;
  builder-svc)
    # The packaged builder-svc (the node agent) alone on one node of a fresh test instance: the real scheduler-svc's node
    # gateway on its PostgreSQL and Kafka, the Docker engine and a git daemon on loopback; driven by DeployLoadBench.
    # Concurrent deployments: CAR jobs allocated at once (BENCH_CONCURRENCY, default 1,4,16,32; BENCH_ROUNDS rounds each,
    # default 3), each timed from its allocation to its app serving, beside the same containers started directly through
    # the engine's API as many at once. A redeploy storm: BENCH_STORM_JOBS WAR jobs (default 20) on one branch, one push
    # and one signed webhook, each timed to serving the new commit, beside one job's redeploy alone (BENCH_REFERENCE_PUSHES
    # pushes, default 3); then each job must be on the new commit, started once, and nothing of the bench left. The
    # agent's own output is in services/builder-svc/target/deploy-load-bench-builder-svc.log.
    module_bench builder-svc DeployLoadBench services/scheduler-svc,services/builder-svc \
      -Dbench.concurrency="${BENCH_CONCURRENCY:-1,4,16,32}" -Dbench.rounds="${BENCH_ROUNDS:-3}" \
      -Dbench.storm-jobs="${BENCH_STORM_JOBS:-20}" -Dbench.reference-pushes="${BENCH_REFERENCE_PUSHES:-3}"
    exit 0 ;;
  "") echo "usage: bench/load.sh <service>   (tunnel-svc, project-svc, scheduler-svc, escrow-svc, builder-svc)" >&2; exit 2 ;;
  *) echo "load: $service: not yet (tunnel-svc, project-svc, scheduler-svc, escrow-svc and builder-svc have load benchmarks)" >&2; exit 2 ;;
esac

# shellcheck source=infra/lib.sh
source "$ROOT/infra/lib.sh" # apt_install
log() { echo "load: $*" >&2; }
warn() { echo "load: $*" >&2; }
die() { echo "load: $*" >&2; exit 1; }

read -ra CONNECTIONS <<<"${BENCH_CONNECTIONS:-1 4 16 64 256}"
RUN_SECONDS=${BENCH_SECONDS:-10}
WARMUP_SECONDS=${BENCH_WARMUP:-10}
INGRESS=${BENCH_INGRESS:-$ROOT/services/tunnel-svc/ingress}
ALIAS=bench
CLK_TCK=$(getconf CLK_TCK)

mkdir -p "$TOOLS_DIR" target
apt_install wrk nginx
if [[ ! -d "$(dirname "$INGRESS")/target/quarkus-app" ]]; then
  log "packaging tunnel-svc (its ingress runs from target/quarkus-app)"
  ./mvnw -q -B package -DskipTests -pl services/tunnel-svc -am
fi

work=$(mktemp -d -t deeploy-load.XXXXXX)
chmod 755 "$work" # nginx's workers run as nobody and read the static file
pids=()           # everything this script started, stopped in reverse order on exit
wrk_pid=
cleanup() {
  local rc=$? pid i
  [[ -n $wrk_pid ]] && kill -TERM "$wrk_pid" 2>/dev/null
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((rc)); then
    for f in "$work"/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
BACKEND_PORT=$(free_port) NGINX_PORT=$(free_port) INGRESS_PORT=$(free_port)

# --- the backend: nginx serving a static file, one worker (it costs the same on every path) -------------------------
mkdir -p "$work/www" "$work/backend" "$work/proxy"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/www/index.html"
chmod -R a+rX "$work/www"
temp_paths() { # DIR: nginx's temporary directories under DIR, not under /var/lib/nginx
  local t
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $1/${t}_temp;"; done
}
cat >"$work/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/backend/nginx.pid;
error_log $work/backend.log warn;
events { worker_connections 4096; }
http {
  access_log off;
$(temp_paths "$work/backend")
  default_type text/html;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    root $work/www;
  }
}
EOF

# --- the reference proxy: nginx, two workers (the ingress runs two Vert.x event loops on this 2-core machine) -------
# Routed by Host like the ingress, keep-alive to the client and to the backend, the same X-Forwarded-* headers.
cat >"$work/proxy/nginx.conf" <<EOF
worker_processes 2;
worker_rlimit_nofile 8192;
daemon off;
pid $work/proxy/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
  access_log off;
$(temp_paths "$work/proxy")
  keepalive_requests 1000000;
  upstream app {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT default_server;
    return 404;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    server_name $ALIAS.apps.localhost;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Forwarded-Proto http;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
EOF

nginx -t -q -p "$work/backend" -e "$work/backend.log" -c "$work/backend/nginx.conf"
nginx -t -q -p "$work/proxy" -e "$work/nginx.log" -c "$work/proxy/nginx.conf"
nginx -p "$work/backend" -e "$work/backend.log" -c "$work/backend/nginx.conf" >>"$work/backend.log" 2>&1 &
pids+=($!)
nginx -p "$work/proxy" -e "$work/nginx.log" -c "$work/proxy/nginx.conf" >>"$work/nginx.log" 2>&1 &
NGINX_PID=$!
pids+=("$NGINX_PID")

# --- the ingress: the packaged launcher, a routes file with one alias pointing at the backend -----------------------
printf 'deeploy-routes 1\n%s 127.0.0.1 %s\n' "$ALIAS" "$BACKEND_PORT" >"$work/routes"
DEEPLOY_INGRESS_HOST=127.0.0.1 DEEPLOY_INGRESS_PORT=$INGRESS_PORT DEEPLOY_INGRESS_ROUTES_FILE="$work/routes" \
  DEEPLOY_INGRESS_CDS_DIR="$work/cds" "$INGRESS" >>"$work/ingress.log" 2>&1 &
INGRESS_PID=$! # the launcher execs java: this is the JVM
pids+=("$INGRESS_PID")

declare -A URL=([direct]="http://127.0.0.1:$BACKEND_PORT/index.html" [nginx]="http://127.0.0.1:$NGINX_PORT/index.html"
  [ingress]="http://127.0.0.1:$INGRESS_PORT/index.html")
host_of() { case $1 in direct) echo "$ALIAS.apps.localhost:$BACKEND_PORT" ;; nginx) echo "$ALIAS.apps.localhost:$NGINX_PORT" ;;
  ingress) echo "$ALIAS.apps.localhost:$INGRESS_PORT" ;; esac; }
PATHS=(direct nginx ingress)

ready() { # PATH: the 1 KiB file answers through PATH
  [[ "$(curl -sf --max-time 1 -H "Host: $(host_of "$1")" "${URL[$1]}" | wc -c)" == 1024 ]]
}
for path in "${PATHS[@]}"; do
  for ((i = 0; ; i++)); do
    ready "$path" && break
    ((i < 150)) || die "$path did not serve the file within 30 s"
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process exited during startup (pid $pid)"; done
    sleep 0.2
  done
done
curl -sf --max-time 1 -H 'Host: 127.0.0.1' "http://127.0.0.1:$INGRESS_PORT/q/health/ready" >/dev/null || die "ingress not ready"

# --- measuring ------------------------------------------------------------------------------------------------------
proxy_pids() { # NAME: the processes of that proxy (nginx: master and workers; ingress: the JVM)
  case $1 in
    nginx) echo "$NGINX_PID" $(ps -o pid= --ppid "$NGINX_PID") ;;
    ingress) echo "$INGRESS_PID" ;;
  esac
}
cpu_ticks() { # PID...: user + system time of these processes, in clock ticks
  local pid stat total=0 fields
  for pid; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    read -ra fields <<<"${stat##*) }" # fields[0] is field 3 (state): utime is field 14, stime 15
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}
thread_ticks() { # PID: "tid name ticks" for each of its threads (the JVM names them: event loops, JIT, GC)
  local task stat name fields
  for task in /proc/"$1"/task/*; do
    stat=$(cat "$task/stat" 2>/dev/null) || continue
    name=${stat#*(} name=${name%)*}
    read -ra fields <<<"${stat##*) }"
    echo "${task##*/} ${name// /_} $((fields[11] + fields[12]))"
  done
}
rss_kib() { # PID...: the sum of their resident sets (nginx: shared code counted once per process)
  local pid total=0 kib
  for pid; do
    kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

cat >"$work/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("result %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
EOF
LOG="target/load-$service.log"
: >"$LOG"
WRK_LINE="wrk -t<1 for 1 connection, else 2> -c<conns> -d${RUN_SECONDS}s --latency -s report.lua -H 'Host: $ALIAS.apps.localhost:<port>' http://127.0.0.1:<port>/index.html"

declare -A RPS=() P50=() P99=() P999=() ERRORS=() CPU_S=() RSS_PEAK=() CPU_TOTAL=()
run() { # PATH CONNECTIONS SECONDS [warmup]: one wrk run; records its figures unless it is a warm-up
  local path=$1 c=$2 s=$3 threads=$(( $2 < 2 ? 1 : 2 )) before after out result
  local pp=()
  if [[ $path != direct ]]; then read -ra pp <<<"$(proxy_pids "$path")"; fi
  before=$(cpu_ticks "${pp[@]}")
  wrk "-t$threads" "-c$c" "-d${s}s" --latency -s "$work/report.lua" -H "Host: $(host_of "$path")" "${URL[$path]}" \
    >"$work/wrk.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$work/wrk.out" >&2; die "wrk failed ($path, $c connections)"; }
  wrk_pid=
  after=$(cpu_ticks "${pp[@]}")
  { echo "=== $path, $c connections, ${s}s${4:+ (warm-up)}"; cat "$work/wrk.out"; } >>"$LOG"
  if [[ -n ${4:-} ]]; then return 0; fi
  read -r _ requests duration socket_errors status_errors p50 p99 p999 < <(grep '^result ' "$work/wrk.out")
  local k="$path,$c"
  RPS[$k]=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  P50[$k]=$p50 P99[$k]=$p99 P999[$k]=$p999
  ((socket_errors + status_errors == 0)) || ERRORS[$k]="$socket_errors socket errors, $status_errors non-2xx of $requests"
  if ((${#pp[@]})); then
    CPU_S[$k]=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v r="$requests" -v d="$duration" \
      'BEGIN { printf "%.2f %.1f", (t / hz) / (d / 1e6), (t / hz) / r * 1e6 }') # cores, CPU µs per request
    CPU_TOTAL[$path]=$(( ${CPU_TOTAL[$path]:-0} + after - before ))
    local rss; rss=$(rss_kib "${pp[@]}")
    if ((rss > ${RSS_PEAK[$path]:-0})); then RSS_PEAK[$path]=$rss; fi
  fi
  log "$(printf '%-7s c=%-4s %8s req/s  p50 %6s µs  p99 %7s µs  p99.9 %7s µs' "$path" "$c" "${RPS[$k]}" "$p50" "$p99" "$p999")"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$SECONDS
log "warm-up: 3 s direct and through nginx, ${WARMUP_SECONDS} s through the ingress (JIT), 16 connections"
run direct 16 3 warmup
run nginx 16 3 warmup
run ingress 16 "$WARMUP_SECONDS" warmup
thread_ticks "$INGRESS_PID" >"$work/threads.before"
for c in "${CONNECTIONS[@]}"; do
  for path in "${PATHS[@]}"; do run "$path" "$c" "$RUN_SECONDS"; done
done
thread_ticks "$INGRESS_PID" >"$work/threads.after"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
ingress_rss_now=$(rss_kib "$INGRESS_PID") nginx_rss_now=$(rss_kib $(proxy_pids nginx))
ingress_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$INGRESS_PID/status")
ingress_cpu_life=$(cpu_ticks "$INGRESS_PID") nginx_cpu_life=$(cpu_ticks $(proxy_pids nginx))

# --- report ---------------------------------------------------------------------------------------------------------
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
{
  echo "command: $COMMAND   (BENCH_CONNECTIONS=\"${CONNECTIONS[*]}\" BENCH_SECONDS=$RUN_SECONDS BENCH_WARMUP=$WARMUP_SECONDS)"
  echo "each run: $WRK_LINE"
  echo "$(nproc) cores; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(nginx -v 2>&1 | sed 's/.*: //'); $(java -version 2>&1 | head -1);" \
    "load average (1/5/15 min) $load_start before, $load_end after; $((SECONDS - started)) s of load"
  echo
  echo "| conns | direct req/s | p50 / p99 / p99.9 ms | nginx req/s | p50 / p99 / p99.9 ms | ingress req/s | p50 / p99 / p99.9 ms | ingress / nginx | added p99: nginx | added p99: ingress |"
  echo "|---:|---:|---|---:|---|---:|---|---:|---:|---:|"
  for c in "${CONNECTIONS[@]}"; do
    row="| $c"
    for path in "${PATHS[@]}"; do
      k="$path,$c"
      row+=" | ${RPS[$k]} | $(ms "${P50[$k]}") / $(ms "${P99[$k]}") / $(ms "${P999[$k]}")"
    done
    ratio=$(awk -v i="${RPS[ingress,$c]}" -v n="${RPS[nginx,$c]}" 'BEGIN { printf "%.0f %%", 100 * i / n }')
    row+=" | $ratio | $(ms $((${P99[nginx,$c]} - ${P99[direct,$c]}))) | $(ms $((${P99[ingress,$c]} - ${P99[direct,$c]}))) |"
    echo "$row"
  done
  echo
  echo "Proxy cost at each step (cores = CPU time over wall time; µs = CPU time per request):"
  echo
  echo "| conns | nginx cores | nginx µs/req | ingress cores | ingress µs/req |"
  echo "|---:|---:|---:|---:|---:|"
  for c in "${CONNECTIONS[@]}"; do
    read -r nc nu <<<"${CPU_S[nginx,$c]}"
    read -r ic iu <<<"${CPU_S[ingress,$c]}"
    echo "| $c | $nc | $nu | $ic | $iu |"
  done
  echo
  echo "| proxy | CPU s, measured runs | CPU s, whole life (start, warm-up) | RSS peak after a run | RSS at the end |"
  echo "|---|---:|---:|---:|---:|"
  echo "| nginx (master + 2 workers, RSS summed) | $(awk -v t="${CPU_TOTAL[nginx]}" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }') |" \
    "$(awk -v t="$nginx_cpu_life" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }') | $((RSS_PEAK[nginx] / 1024)) MiB | $((nginx_rss_now / 1024)) MiB |"
  echo "| ingress (one JVM, -Xmx64m; VmHWM $((ingress_hwm / 1024)) MiB) | $(awk -v t="${CPU_TOTAL[ingress]}" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }') |" \
    "$(awk -v t="$ingress_cpu_life" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }') | $((RSS_PEAK[ingress] / 1024)) MiB | $((ingress_rss_now / 1024)) MiB |"
  echo
  echo "Ingress CPU by thread over the measured runs (the busiest; JVM thread names, cut to 15 characters):" \
    "$(awk -v hz="$CLK_TCK" 'NR == FNR { before[$1] = $3; next } { d = $3 - before[$1]; if (d > 0) print d, $2, $1 }' \
      "$work/threads.before" "$work/threads.after" | sort -rn | head -6 |
      awk -v hz="$CLK_TCK" '{ printf "%s%s (tid %s) %.1f s", (NR > 1 ? "; " : ""), $2, $3, $1 / hz }')"
  if ((${#ERRORS[@]})); then
    echo
    for k in "${!ERRORS[@]}"; do echo "errors: $k connections: ${ERRORS[$k]}"; done
  fi
} | tee "target/load-$service.md"

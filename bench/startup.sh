#!/usr/bin/env bash
# Start-up time and memory of each service started alone on the running platform (issue 17: ready within 3 s, at most
# 200 MB RSS after start). Run `./deeploy up` first. For each JVM setting and service: the service is stopped, started
# alone with `./deeploy up SERVICE` (the others keep running, idle), and measured: from its process's start to its first
# /q/health/ready 200 (polled every 50 ms), the CPU it used until then, Quarkus's own "started in", and RSS 5 s after
# ready. The reference, in the
# same run: a bare JVM (`java -version`, median of 3). Settings:
#   default   what `up` runs: java 17, -Xms64m -Xmx256m (G1, C1 and C2)
#   c1-serial -XX:TieredStopAtLevel=1 -XX:+UseSerialGC (no C2: less to compile and keep; slower code once warm)
#   java25-aot  Java 25 with an AOT cache (JEP 483/514) recorded by a training start of the same service; only where a
#             JDK 25 is found (DEEPLOY_BENCH_JAVA25, default /usr/lib/jvm/temurin-25-jdk-amd64)
# Each service is left running with the default setting. Caches go to target/startup-bench/.
#   bench/startup.sh
#   BENCH_SERVICES=project-svc bench/startup.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
home=${DEEPLOY_HOME:-$repo/.deeploy}
IFS=', ' read -r -a services <<<"${BENCH_SERVICES:-}"
((${#services[@]})) || services=(project-svc scheduler-svc builder-svc escrow-svc tunnel-svc)
# The services' ports as ./deeploy has them ("services: project-svc:8081 ... (127.0.0.1)").
declare -A port=()
for entry in $(./deeploy help | sed -n 's/^services: \(.*\)(127.0.0.1)$/\1/p'); do port[${entry%%:*}]=${entry##*:}; done
java25=${DEEPLOY_BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
work=$repo/target/startup-bench
mkdir -p "$work"
ticks=$(getconf CLK_TCK)

./deeploy status >/dev/null 2>&1 || { echo "startup: the platform is not running (./deeploy up first)" >&2; exit 1; }

# The pid files, their checks and the stop (TERM, then KILL after DEEPLOY_STOP_TIMEOUT) are the launcher's own.
source infra/lib.sh
pidfile_of() { echo "$home/platform/pids/$1.pid"; }
stop_service() { DEEPLOY_STOP_TIMEOUT=30 stop_pidfile "$1" "$(pidfile_of "$1")" >/dev/null; }

# start_measured SERVICE JAVA OPTS: starts it alone and prints "READY_SECONDS CPU_SECONDS STARTED_IN RSS_MB": from its
# process's start (read from /proc, so the launcher's own checks do not count) to ready, the CPU time it took until
# then (what five starts at once share on this machine's cores), Quarkus's own start time, and RSS 5 s after ready.
start_measured() {
  local s=$1 java=$2 opts=$3 pid start uptime ready="" cpu rss started_in
  stop_service "$s"
  DEEPLOY_SVC_JAVA=$java DEEPLOY_SVC_JAVA_OPTS=$opts ./deeploy up "$s" >"$work/up-$s.log" 2>&1 &
  local up_pid=$!
  for _ in $(seq 600); do
    pid=$(pid_of "$(pidfile_of "$s")") && break
    sleep 0.05
  done
  start=$(_proc_starttime "$pid")
  for _ in $(seq 2400); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:${port[$s]}/q/health/ready") == 200 ]]; then
      read -r uptime _ </proc/uptime
      ready=$(awk -v u="$uptime" -v s="$start" -v t="$ticks" 'BEGIN { printf "%.1f", u - s / t }')
      cpu=$(awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t }' "/proc/$pid/stat")
      break
    fi
    sleep 0.05
  done
  wait "$up_pid" || true
  [[ -n $ready ]] || { echo "startup: $s did not become ready" >&2; return 1; }
  sleep 5
  rss=$(awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status")
  started_in=$(grep -o 'started in [0-9.]*s' "$home/platform/logs/$s.log" | tail -1 | grep -o '[0-9.]*')
  echo "$ready $cpu $started_in $rss"
}

bare_jvm() { # JAVA: median wall time of 3 `JAVA -version`, in s
  for _ in 1 2 3; do
    /usr/bin/time -f '%e' "$1" -version 2>&1 >/dev/null | tail -1
  done | sort -n | sed -n 2p
}

echo "startup: reference, a bare JVM: java 17 $(bare_jvm java) s$([[ -x $java25 ]] && echo ", java 25 $(bare_jvm "$java25") s")"
echo
echo "| service | setting | ready after (s) | CPU until ready (s) | Quarkus \"started in\" (s) | RSS after 5 s (MB) |"
echo "|---|---|---:|---:|---:|---:|"
for s in "${services[@]}"; do
  read -r ready cpu started rss < <(start_measured "$s" java "")  # empty: ./deeploy's own default options
  echo "| $s | default | $ready | $cpu | $started | $rss |"
  read -r ready cpu started rss < <(start_measured "$s" java "-Xms64m -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
  echo "| $s | c1-serial | $ready | $cpu | $started | $rss |"
  if [[ -x $java25 ]]; then
    rm -f "$work/$s.aot"
    start_measured "$s" "$java25" "-Xms64m -Xmx256m -XX:AOTCacheOutput=$work/$s.aot" >/dev/null
    stop_service "$s"
    [[ -s $work/$s.aot ]] || { echo "startup: no AOT cache was written for $s" >&2; exit 1; }
    read -r ready cpu started rss < <(start_measured "$s" "$java25" "-Xms64m -Xmx256m -XX:AOTCache=$work/$s.aot")
    echo "| $s | java25-aot | $ready | $cpu | $started | $rss |"
  fi
  stop_service "$s"
  ./deeploy up "$s" >"$work/up-$s.log" 2>&1
done

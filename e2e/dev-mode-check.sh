#!/usr/bin/env bash
# Checks that each service runs alone in Quarkus's dev mode through `./deeploy dev SERVICE` (issue 14), on demand (not
# in the CI run: a few minutes a service). For each service in turn, against the platform's infra:
#   1. `./deeploy dev SERVICE` becomes ready (/q/health/ready 200) and serves its Dev UI (/q/dev-ui 200);
#   2. live reload: a resource class written into its sources meanwhile answers at the next request, with no rebuild
#      or restart by hand, and the log says it was reloaded; removed again, it is gone at the next request, and so is
#      its compiled class;
#   3. Ctrl-C (SIGINT to `./deeploy dev`) stops Maven and the service's JVM: nothing of its process group is left.
# The probe class is removed whatever happens. A service whose packaged copy ran before is started again after.
#   e2e/dev-mode-check.sh                       # all five
#   e2e/dev-mode-check.sh project-svc tunnel-svc
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
services=("$@")
((${#services[@]})) || services=(project-svc scheduler-svc builder-svc escrow-svc tunnel-svc)
# The services' ports as ./deeploy has them ("services: project-svc:8081 ... (127.0.0.1)").
declare -A port=()
for entry in $(./deeploy help | sed -n 's/^services: \(.*\)(127.0.0.1)$/\1/p'); do port[${entry%%:*}]=${entry##*:}; done
logs=${DEEPLOY_HOME:-$repo/.deeploy}/platform/logs
pids=${DEEPLOY_HOME:-$repo/.deeploy}/platform/pids
probe="" compiled="" dev_pid="" failed=0
mkdir -p target

cleanup() {
  [[ -z $probe ]] || rm -f "$probe" "$compiled"
  if [[ -n $dev_pid ]] && kill -0 "$dev_pid" 2>/dev/null; then
    kill -s TERM "$dev_pid" 2>/dev/null || true
    wait "$dev_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true; }

# until_true SECONDS CMD...: polls CMD once a second.
until_true() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

check_service() {
  local s=$1 url="http://127.0.0.1:${port[$1]}" package dir was_running=0 dev_starts started reloads pgid
  package=$(basename "$(dirname "$(find "$repo/services/$s/src/main/java" -type d -name rest -print -quit)")")
  dir="$repo/services/$s/src/main/java/io/deeploy/$package/rest"
  compiled="$repo/services/$s/target/classes/io/deeploy/$package/rest/DevModeProbe.class"
  # A class left by an interrupted check would be served without any reload.
  rm -f "$dir/DevModeProbe.java" "$compiled"
  [[ $(code "$url/q/health/ready") == 200 ]] && was_running=1
  # The log holds earlier starts too: this one is the next "Profile dev activated".
  dev_starts=$(grep -c "Profile dev activated" "$logs/$s.log" 2>/dev/null || true)
  started=$SECONDS
  # A background job of a script ignores SIGINT, and bash cannot undo that: python restores it, as a terminal has it.
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
    ./deeploy dev "$s" >"target/dev-mode-$s.log" 2>&1 &
  dev_pid=$!
  if ! until_true 300 eval '[[ $(code "$url/q/health/ready") == 200 ]] && (($(grep -c "Profile dev activated" "$logs/$s.log") > dev_starts))'; then
    echo "$s: FAILED, not ready in dev mode within 300 s (target/dev-mode-$s.log)"
    return 1
  fi
  echo "$s: ready in dev mode after $((SECONDS - started)) s"
  [[ $(code "$url/q/dev-ui/") == 200 ]] || { echo "$s: FAILED, no Dev UI at $url/q/dev-ui/"; return 1; }
  echo "$s: Dev UI answers at $url/q/dev-ui/"

  reloads=$(grep -c "Live reload total time" "$logs/$s.log" || true)
  probe="$dir/DevModeProbe.java"
  cat >"$probe" <<EOF
package io.deeploy.$package.rest;

@jakarta.ws.rs.Path("/dev-mode-probe")
public class DevModeProbe {
    @jakarta.ws.rs.GET
    public String probe() {
        return "live $s";
    }
}
EOF
  started=$SECONDS
  if ! until_true 120 eval '[[ $(curl -s --max-time 30 "$url/dev-mode-probe") == "live $s" ]]'; then
    echo "$s: FAILED, the class written into its sources was not served (target/dev-mode-$s.log)"
    return 1
  fi
  (($(grep -c "Live reload total time" "$logs/$s.log") > reloads)) || { echo "$s: FAILED, served without a live reload"; return 1; }
  echo "$s: live reload served the new class after $((SECONDS - started)) s"
  # Removed as live: the next request no longer finds it, and its compiled class is gone (nothing stale to package).
  rm -f "$probe"
  probe=""
  started=$SECONDS
  if ! until_true 120 eval '[[ $(code "$url/dev-mode-probe") == 404 ]]'; then
    echo "$s: FAILED, the class removed from its sources is still served"
    return 1
  fi
  [[ ! -e $compiled ]] || { echo "$s: FAILED, $compiled is left after the source was removed"; return 1; }
  echo "$s: live reload removed the class after $((SECONDS - started)) s"

  # `./deeploy dev` spawns Maven as the leader of its own process group; the service's JVM is in that group.
  pgid=$(awk '{print $1}' "$pids/$s.pid")
  kill -s INT "$dev_pid"
  if ! until_true 60 eval '! kill -0 "$dev_pid" 2>/dev/null'; then
    echo "$s: FAILED, ./deeploy dev still runs 60 s after Ctrl-C"
    return 1
  fi
  wait "$dev_pid" 2>/dev/null || true
  dev_pid=""
  if ! until_true 30 eval '! ps -eo pgid= | grep -qx " *$pgid"'; then
    echo "$s: FAILED, processes of its dev mode left after Ctrl-C (group $pgid)"
    return 1
  fi
  [[ $(code "$url/q/health/ready") == 000 ]] || { echo "$s: FAILED, something still answers at $url"; return 1; }
  echo "$s: stopped by Ctrl-C, nothing left of group $pgid"
  if ((was_running)); then
    ./deeploy up "$s" >/dev/null
  fi
}

for s in "${services[@]}"; do
  check_service "$s" || failed=1
  cleanup
  probe="" dev_pid=""
done
((failed == 0)) && echo "dev mode: all checked services passed" || echo "dev mode: FAILED (see above)"
exit "$failed"

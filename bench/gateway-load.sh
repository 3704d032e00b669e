#!/usr/bin/env bash
# Node gateway under load: 1,000 then 10,000 simulated agents, each registered with a key of its own, sending a signed
# heartbeat every 5 s to the packaged scheduler-svc on a fresh test instance (PostgreSQL, Kafka). Prints the "bench:"
# lines at the end; the full output is in target/gateway-load.log. BENCH_AGENTS (default 1000,10000) and
# BENCH_SECONDS (measured seconds per round, default 60) change the rounds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p target
echo "bench: building scheduler-svc and what it needs"
./mvnw -q -B install -DskipTests -pl services/scheduler-svc -am
./deeploy test -pl services/scheduler-svc -Dit.test=GatewayLoadBench -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.agents="${BENCH_AGENTS:-1000,10000}" -Dbench.seconds="${BENCH_SECONDS:-60}" >target/gateway-load.log 2>&1 \
  || { tail -40 target/gateway-load.log; exit 1; }
grep '^bench:' target/gateway-load.log

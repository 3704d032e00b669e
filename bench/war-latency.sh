#!/usr/bin/env bash
# Worker App Runner latency benchmark on a fresh test instance. Prints the "bench:" lines at the end; the full
# Maven output is in target/war-latency.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p target
echo "bench: packaging the services"
./mvnw -q -B install -DskipTests
./deeploy test -pl libs/outbox,e2e -Dit.test=WarLatencyBench -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.iterations="${BENCH_ITERATIONS:-5}" >target/war-latency.log 2>&1 \
  || { tail -40 target/war-latency.log; exit 1; }
grep '^bench:' target/war-latency.log

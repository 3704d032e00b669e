#!/usr/bin/env bash
# Placement decision benchmark: the scheduler's planner on an in-memory snapshot of 10,000 nodes (no database, no
# Kafka). Prints decisions per second and p50/p99/max per scenario. Arguments, optional: node count, decisions per
# scenario (default 10000 10000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./mvnw -q -o -pl services/scheduler-svc test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
cd services/scheduler-svc
java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" io.deeploy.scheduler.bench.PlacementBench "$@"

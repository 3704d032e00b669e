#!/usr/bin/env bash
# Fault campaign on a fresh test instance (e2e ChaosBench), two edge nodes: for each part, CHAOS_RUNS runs (default 20)
# of a CAR and a WAR job driven through create, edit, redeploy, failover (the CAR's node lost) and stop while that part
# is killed with SIGKILL at a random moment and started again. Prints the table (also in e2e/target/chaos.md); the full
# Maven output is in target/chaos.log.
#   CHAOS_PARTS=kafka,postgres CHAOS_RUNS=3 bench/chaos.sh
# Parts: project-svc scheduler-svc builder-svc escrow-svc tunnel-svc ingress kafka postgres docker (default), anvil,
# registry. About 80 s a run: the default campaign takes some 4 hours.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p target
echo "chaos: packaging the services"
./mvnw -q -B install -DskipTests -Dconsole.skip
rc=0
./deeploy test -pl libs/outbox,e2e -Dconsole.skip -Dit.test=ChaosBench -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dchaos.parts="${CHAOS_PARTS:-}" -Dchaos.runs="${CHAOS_RUNS:-20}" ${CHAOS_SEED:+-Dchaos.seed="$CHAOS_SEED"} \
  >target/chaos.log 2>&1 || rc=$?
grep '^chaos:' target/chaos.log || true
if [[ -f e2e/target/chaos.md ]]; then cat e2e/target/chaos.md; else tail -40 target/chaos.log; fi
exit "$rc"

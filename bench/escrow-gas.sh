#!/usr/bin/env bash
# Gas per job created and per settled job-epoch (batches of 1, 100, 1000) on a fresh anvil that this script starts on
# a free loopback port and stops by its PID. Needs anvil from `infra/infra.sh install anvil`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
ANVIL="${DEEPLOY_CHAIN_TOOLS:-$ROOT/.deeploy/tools/chain/node_modules}/@foundry-rs/anvil-linux-$arch/bin/anvil"
[[ -x $ANVIL ]] || { echo "escrow-gas: anvil not installed (infra/infra.sh install anvil)" >&2; exit 1; }

./mvnw -q -o -pl services/escrow-svc test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
LOG=$(mktemp)
"$ANVIL" --host 127.0.0.1 --port "$PORT" --chain-id 31337 --silent >"$LOG" 2>&1 &
ANVIL_PID=$!
trap 'kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 50); do
  curl -sf --max-time 1 -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$PORT" >/dev/null && break
  sleep 0.1
done

cd services/escrow-svc
java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/test-classes:target/classes:$(cat target/cp.txt)" io.deeploy.escrow.bench.GasBench "http://127.0.0.1:$PORT"

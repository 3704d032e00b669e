#!/usr/bin/env bash
# Runs the forge tests (unit and invariant) offline, compiling with solc-js through tools/solc-shim.js.
# Extra arguments go to forge, e.g. ./test.sh --gas-report, ./test.sh --match-test test_settle -vvv
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEEPLOY_CHAIN_TOOLS="${DEEPLOY_CHAIN_TOOLS:-$(dirname "$HERE")/.deeploy/tools/chain/node_modules}"

case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) ARCH=$(uname -m) ;;
esac
FORGE="$DEEPLOY_CHAIN_TOOLS/@foundry-rs/forge-linux-$ARCH/bin/forge"

if [[ ! -x $FORGE ]]; then
  echo "contracts/test.sh: forge not found at $FORGE; run infra/infra.sh install anvil (or set DEEPLOY_CHAIN_TOOLS)" >&2
  exit 1
fi
if [[ ! -f $DEEPLOY_CHAIN_TOOLS/solc/soljson.js ]] || ! command -v node >/dev/null 2>&1; then
  echo "contracts/test.sh: node or solc-js missing in $DEEPLOY_CHAIN_TOOLS; run infra/infra.sh install anvil" >&2
  exit 1
fi

cd "$HERE"
exec "$FORGE" test --offline --use "$HERE/tools/solc-shim.js" "$@"

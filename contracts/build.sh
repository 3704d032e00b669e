#!/usr/bin/env bash
# Compiles the contracts offline with solc-js into contracts/out/<Contract>.abi and .bin.
# Tools: DEEPLOY_CHAIN_TOOLS (default <repo>/.deeploy/tools/chain/node_modules), installed by
# `infra/infra.sh install anvil`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="${DEEPLOY_CHAIN_TOOLS:-$(dirname "$HERE")/.deeploy/tools/chain/node_modules}"

if ! command -v node >/dev/null 2>&1; then
  echo "contracts/build.sh: node not found; run infra/infra.sh install anvil" >&2
  exit 1
fi
if [[ ! -f "$TOOLS/solc/soljson.js" ]]; then
  echo "contracts/build.sh: solc-js not found in $TOOLS/solc; run infra/infra.sh install anvil (or set DEEPLOY_CHAIN_TOOLS)" >&2
  exit 1
fi

exec node "$HERE/tools/build.js" "$TOOLS/solc" "$HERE"

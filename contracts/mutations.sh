#!/usr/bin/env bash
# Shows that the invariant tests guard the escrow's timing and permission checks: each mutation below removes
# or loosens one check in a copy of src/DeeployEscrow.sol, and the invariant suite (EscrowInvariantTest) must
# then fail. Its random runs are joined by the handler's fixed walk (test_handlerReachesEveryPath, which checks
# the same invariants), so that a mutation is caught on every run, not only when the fuzzer happens to reach it.
# Prints a table and exits non-zero if any mutation survives. About 20 s per mutation; on demand.
#   contracts/mutations.sh            all mutations
#   contracts/mutations.sh 3          only the third
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEEPLOY_CHAIN_TOOLS="${DEEPLOY_CHAIN_TOOLS:-$(dirname "$HERE")/.deeploy/tools/chain/node_modules}"

# name | exact text in src/DeeployEscrow.sol | its replacement
MUTATIONS=(
  "close refunds served epochs too|refund = uint256(j.pricePerEpoch) * j.nodes * (endEpoch - newEnd);|refund = j.deposited - j.paid - j.refunded;"
  "close keeps the job running to its end|j.endEpoch = newEnd;|j.endEpoch = endEpoch;"
  "a stranger closes before expiry|if (nowEpoch < j.endEpoch) revert JobNotExpired(jobId, j.endEpoch);|"
  "release inside the settle window|if (currentEpoch() < releasableFrom) revert SettleWindowOpen(jobId, releasableFrom);|"
  "settlement after the window|if (nowEpoch - epoch > settleWindowEpochs) return (SKIP_WINDOW_OVER, 0);|"
  "closed jobs refuse settlement|if (state == JobState.Ended) return (SKIP_JOB_CLOSED, 0);|if (state >= JobState.Closed) return (SKIP_JOB_CLOSED, 0);"
  "activation epoch charged in full|j.firstEpochPrice = uint128(uint256(j.pricePerEpoch) * secondsLeft / epochLength);|j.firstEpochPrice = j.pricePerEpoch;"
  "new role keys without the delay|if (block.timestamp < effectiveFrom) revert RolesNotDue(effectiveFrom);|"
  "the activator may settle|if (msg.sender != settler) revert NotSettler(msg.sender);|if (msg.sender != settler && msg.sender != activator) revert NotSettler(msg.sender);"
  "the settler may activate|if (msg.sender != activator) revert NotActivator(msg.sender);|if (msg.sender != activator && msg.sender != settler) revert NotActivator(msg.sender);"
  "anyone may propose role keys|function proposeRoles(address newActivator, address newSettler) external onlyAdmin {|function proposeRoles(address newActivator, address newSettler) external {"
  "any delegate bit allows any action|if (msg.sender != owner && delegatePermissions[owner][msg.sender] & permission == 0) {|if (msg.sender != owner && delegatePermissions[owner][msg.sender] == 0) {"
  "delegates share the owner's request ids|_requests[owner][msg.sender][requestId]|_requests[owner][owner][requestId]"
  "a node-epoch settled twice|if (markWord & mark != 0) return (SKIP_ALREADY_SETTLED, 0);|"
  "no cap on the nodes paid per epoch|if (uint32(counts >> shift) >= _nodeCountAt(jobId, epoch)) return false;|"
  "node changes count the current epoch too|epochs = endEpoch - fromEpoch;|epochs = endEpoch - fromEpoch + 1;"
  "anyone may remove nodes|if (msg.sender != activator) _authorize(j.owner, PERM_NODES);|"
)

FORGE="$DEEPLOY_CHAIN_TOOLS/@foundry-rs/forge-linux-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')/bin/forge"
[[ -x $FORGE ]] || { echo "contracts/mutations.sh: forge not found at $FORGE; run infra/infra.sh install anvil" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -r "$HERE/src" "$HERE/test" "$HERE/tools" "$HERE/foundry.toml" "$WORK/"

only="${1:-}"
survived=0
printf '%-3s %-42s %s\n' "#" "mutation" "result"
for i in "${!MUTATIONS[@]}"; do
  n=$((i + 1))
  [[ -n $only && $only != "$n" ]] && continue
  IFS='|' read -r name from to <<<"${MUTATIONS[$i]}"
  cp "$HERE/src/DeeployEscrow.sol" "$WORK/src/DeeployEscrow.sol"
  if ! FROM="$from" TO="$to" python3 - "$WORK/src/DeeployEscrow.sol" <<'EOF'
import os, sys
path = sys.argv[1]
text = open(path).read()
count = text.count(os.environ["FROM"])
if count == 0:
    sys.exit("the text to mutate is not in the contract")
open(path, "w").write(text.replace(os.environ["FROM"], os.environ["TO"]))
EOF
  then
    printf '%-3s %-42s %s\n' "$n" "$name" "NOT APPLIED (contract changed: update the mutation)"
    survived=$((survived + 1))
    continue
  fi
  log="$WORK/mutation-$n.log"
  : >"$log"
  if (cd "$WORK" && "$FORGE" test --offline --use "$WORK/tools/solc-shim.js" --match-contract EscrowInvariantTest \
      --match-test '^(invariant_|test_handlerReachesEveryPath)' >"$log" 2>&1); then
    printf '%-3s %-42s %s\n' "$n" "$name" "SURVIVED: no invariant failed"
    survived=$((survived + 1))
  else
    # forge prints "[FAIL: reason]", the failing call sequence, then " invariant_name() (runs: ...)".
    # The fixed walk fails on its own line: "[FAIL: reason] test_handlerReachesEveryPath() (gas: ...)".
    failed=$( { grep -oE '^ invariant_[A-Za-z]+' "$log" || true; grep -E '^\[FAIL' "$log" \
      | grep -oE 'test_handlerReachesEveryPath' || true; } | sed 's/^ //' | sort -u | paste -sd, -)
    reason=$( (grep -oE '\[FAIL: [^]]*\]' "$log" || true) | head -1 | cut -c8- | tr -d ']' | cut -c1-60)
    printf '%-3s %-42s %s\n' "$n" "$name" "caught by ${failed:-compile error}: ${reason}"
  fi
done
exit $((survived > 0))

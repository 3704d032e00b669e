# shellcheck shell=bash
# anvil: a local EVM chain (Foundry), installed from npm (the only place its binary can come from here).

CHAIN_SRC="$INFRA_DIR/chain"
CHAIN_TOOLS="$TOOLS_DIR/chain"
ANVIL_DIR="$INSTANCE_DIR/anvil"
ANVIL_LOG="$LOG_DIR/anvil.log"
ANVIL_PIDFILE="$PID_DIR/anvil.pid"
ANVIL_CHAIN_ID=31337

# The native binary ships in an optional, platform-specific package.
anvil_bin() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  echo "$CHAIN_TOOLS/node_modules/@foundry-rs/anvil-linux-$arch/bin/anvil"
}

anvil_install() {
  # Installed when the binary is missing or infra/chain/package.json changed since.
  if [[ -x "$(anvil_bin)" ]] && cmp -s "$CHAIN_SRC/package.json" "$CHAIN_TOOLS/package.json"; then
    log "anvil: already installed ($(anvil_bin))"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  mkdir -p "$CHAIN_TOOLS"
  cp "$CHAIN_SRC/package.json" "$CHAIN_SRC/.npmrc" "$CHAIN_TOOLS/"
  [[ -f $CHAIN_SRC/package-lock.json ]] && cp "$CHAIN_SRC/package-lock.json" "$CHAIN_TOOLS/"
  log "anvil: npm install in $CHAIN_TOOLS"
  if ! (cd "$CHAIN_TOOLS" && npm install --no-audit --no-fund --loglevel=error >"$CHAIN_TOOLS/npm.log" 2>&1); then
    warn "anvil: npm install failed; last 20 lines of $CHAIN_TOOLS/npm.log:"
    tail -n 20 "$CHAIN_TOOLS/npm.log" >&2
    exit 1
  fi
  [[ -x "$(anvil_bin)" ]] || die "anvil: npm install did not provide $(anvil_bin)"
  # Keep the lock file in the repo so every machine installs the same tree.
  if [[ -f $CHAIN_TOOLS/package-lock.json ]] && ! cmp -s "$CHAIN_TOOLS/package-lock.json" "$CHAIN_SRC/package-lock.json"; then
    cp "$CHAIN_TOOLS/package-lock.json" "$CHAIN_SRC/package-lock.json"
    log "anvil: updated ${CHAIN_SRC#"$REPO_DIR"/}/package-lock.json"
  fi
  log "anvil: installed $("$(anvil_bin)" --version | head -n1)"
}

_anvil_chain_id() {
  curl -sf --max-time 2 -H 'Content-Type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
    "http://127.0.0.1:$DEEPLOY_ANVIL_PORT"
}

_anvil_ready() {
  _anvil_chain_id | grep -q "\"0x$(printf '%x' "$ANVIL_CHAIN_ID")\""
}

anvil_up() {
  [[ -x "$(anvil_bin)" ]] || die "anvil: not installed; run: infra/infra.sh install anvil"
  local pid
  if pid=$(pid_of "$ANVIL_PIDFILE"); then
    log "anvil: already running (pid $pid, http://127.0.0.1:$DEEPLOY_ANVIL_PORT)"
    return 0
  fi
  require_free_port anvil "$DEEPLOY_ANVIL_PORT"
  mkdir -p "$ANVIL_DIR"
  # A transaction is mined at once (automine) and a block comes every second besides (interval mining), as on a real
  # chain: escrow-svc waits for confirmations, which on automine alone would come only with later transactions.
  local args=(--host 127.0.0.1 --port "$DEEPLOY_ANVIL_PORT" --chain-id "$ANVIL_CHAIN_ID" --block-time 1 --mixed-mining)
  if [[ $DEEPLOY_INSTANCE == platform ]]; then
    # The platform chain survives restarts: loaded at start, dumped on exit and every minute.
    args+=(--state "$ANVIL_DIR/state.json" --state-interval 60)
  fi
  spawn "$ANVIL_PIDFILE" "$ANVIL_LOG" "$(anvil_bin)" "${args[@]}"
  wait_ready anvil "$ANVIL_LOG" "$ANVIL_PIDFILE" _anvil_ready || exit 1
  log "anvil: started (pid $(pid_of "$ANVIL_PIDFILE"), http://127.0.0.1:$DEEPLOY_ANVIL_PORT, chain id $ANVIL_CHAIN_ID)"
}

anvil_down() {
  # SIGINT is anvil's Ctrl-C path, which dumps --state before exiting.
  stop_pidfile anvil "$ANVIL_PIDFILE" INT
}

anvil_status() {
  local pid
  if pid=$(pid_of "$ANVIL_PIDFILE") && _anvil_ready; then
    printf '%-9s running  http://127.0.0.1:%s (pid %s)\n' anvil "$DEEPLOY_ANVIL_PORT" "$pid"
  else
    printf '%-9s stopped  http://127.0.0.1:%s\n' anvil "$DEEPLOY_ANVIL_PORT"
    return 1
  fi
}

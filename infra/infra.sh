#!/usr/bin/env bash
# Local infrastructure for the Deeploy backend: docker engine, base images, Kafka, PostgreSQL, anvil, an image registry.
#   infra/infra.sh install|up|down|status|env [docker|images|kafka|postgres|anvil|registry ...]
# DEEPLOY_INSTANCE=platform (default) or test; DEEPLOY_HOME holds all state. See infra/README.md.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Dependency order; `down` walks it backwards.
ALL_PARTS=(docker images kafka postgres anvil registry)
for _part in "${ALL_PARTS[@]}"; do
  # shellcheck source=/dev/null
  source "$INFRA_DIR/parts/$_part.sh"
done

usage() {
  cat >&2 <<EOF
usage: infra/infra.sh <command> [part...]
  commands: install  install what is missing (packages, jars, npm tools, images)
            up       start the parts (running ones keep running; kafka and postgres are brought in step)
            down     stop what this instance started
            status   one line per part; exit status 1 if any is not running
            crash    kill the parts' processes with SIGKILL, as a power cut would (fault campaigns); up starts them again
            env      print 'export' lines for eval
  parts:    ${ALL_PARTS[*]} (default: all)
  instance: DEEPLOY_INSTANCE=platform|test (now: $DEEPLOY_INSTANCE), DEEPLOY_HOME=$DEEPLOY_HOME
EOF
  exit 2
}

print_env() {
  local registry_pw="" s suffix missing=()
  [[ -r $REGISTRY_PASSWORD_FILE ]] && registry_pw=$(<"$REGISTRY_PASSWORD_FILE")
  local kv=(
    "DEEPLOY_ENV_INSTANCE=$DEEPLOY_INSTANCE"
    "DEEPLOY_KAFKA_BOOTSTRAP=127.0.0.1:$DEEPLOY_KAFKA_PORT"
    "DEEPLOY_KAFKA_LIBS=$KAFKA_LIBS"
    "DEEPLOY_KAFKA_SECURITY_PROTOCOL=$KAFKA_SECURITY_PROTOCOL"
    "DEEPLOY_KAFKA_SASL_MECHANISM=$KAFKA_SASL_MECHANISM"
    "DEEPLOY_KAFKA_ADMIN_USERNAME=$KAFKA_ADMIN_USER"
    "DEEPLOY_KAFKA_ADMIN_PASSWORD=$(read_secret "$(kafka_password_file "$KAFKA_ADMIN_USER")")"
    "DEEPLOY_PG_HOST=127.0.0.1"
    "DEEPLOY_PG_PORT=$DEEPLOY_PG_PORT"
  )
  # One Kafka principal (User:project-svc) and one PostgreSQL role (project_svc) per service; the usernames are
  # fixed, the passwords generated per instance. There is no shared PostgreSQL role (no DEEPLOY_PG_USER/PASSWORD).
  for s in "${DEEPLOY_SERVICES[@]}"; do
    suffix=$(svc_env_suffix "$s")
    kv+=("DEEPLOY_KAFKA_PASSWORD_$suffix=$(read_secret "$(kafka_password_file "$s")")"
      "DEEPLOY_PG_PASSWORD_$suffix=$(read_secret "$(pg_password_file "$(svc_pg_role "$s")")")")
  done
  kv+=(
    "DOCKER_HOST=unix://$DOCKER_SOCK"
    "TESTCONTAINERS_RYUK_DISABLED=true"
    "TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
    "ETH_RPC_URL=http://127.0.0.1:$DEEPLOY_ANVIL_PORT"
    "DEEPLOY_REGISTRY=127.0.0.1:$DEEPLOY_REGISTRY_PORT"
    "DEEPLOY_REGISTRY_USER=$REGISTRY_USER"
    "DEEPLOY_REGISTRY_PASSWORD=$registry_pw"
  )
  local line
  for line in "${kv[@]}"; do
    [[ $line == DEEPLOY_*PASSWORD*=* && -z ${line#*=} && $line != DEEPLOY_REGISTRY_* ]] && missing+=("${line%%=*}")
    printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"
  done
  ((${#missing[@]} == 0)) ||
    warn "credentials not generated yet (run: infra/infra.sh up kafka postgres); left empty: ${missing[*]}"
}

# crash_part PART: the part's daemon and its group killed with SIGKILL (images has no daemon of its own to crash).
crash_part() {
  case "$1" in
    docker)
      # The engine is shared: the one `up` starts after the crash would leave the other instances' use marks naming the
      # engine that died, and a later `down` of this instance could stop the engine under them.
      local others
      others=$(_docker_other_users)
      [[ -z $others ]] || die "docker: instance(s) $(echo $others) use this engine too; crash it only when $DEEPLOY_INSTANCE is its only user"
      crash_pidfile docker "$DOCKER_PIDFILE"
      ;;
    kafka) crash_pidfile kafka "$KAFKA_PIDFILE" ;;
    postgres) crash_pidfile postgres "$PG_PIDFILE" ;;
    anvil) crash_pidfile anvil "$ANVIL_PIDFILE" ;;
    registry) crash_pidfile registry "$REGISTRY_PIDFILE" ;;
    *) log "$1: no daemon to crash" ;;
  esac
}

main() {
  (($#)) || usage
  local cmd=$1; shift
  local parts=("$@") p
  ((${#parts[@]})) || parts=("${ALL_PARTS[@]}")
  for p in "${parts[@]}"; do
    [[ " ${ALL_PARTS[*]} " == *" $p "* ]] || { warn "unknown part '$p'"; usage; }
  done
  # Keep the requested parts in dependency order whatever order they were given in.
  local ordered=()
  for p in "${ALL_PARTS[@]}"; do
    [[ " ${parts[*]} " == *" $p "* ]] && ordered+=("$p")
  done

  case "$cmd" in
    install | up | down | crash) ;;
    status)
      local rc=0
      for p in "${ordered[@]}"; do "${p}_status" || rc=1; done
      return "$rc" ;;
    env) print_env; return 0 ;;
    *) usage ;;
  esac

  ensure_dirs
  # One mutating run at a time per DEEPLOY_HOME: instances share the engine and the tools.
  # fd 9 is closed in every daemon we spawn, so the lock dies with this run.
  exec 9>"$DEEPLOY_HOME/.lock"
  if ! flock -n 9; then
    log "waiting for another infra.sh run to finish"
    flock -w 900 9 || die "another infra.sh run holds $DEEPLOY_HOME/.lock"
  fi

  if [[ $cmd == crash ]]; then
    for p in "${ordered[@]}"; do crash_part "$p"; done
    return 0
  fi
  if [[ $cmd == down ]]; then
    local i
    for ((i = ${#ordered[@]} - 1; i >= 0; i--)); do "${ordered[$i]}_down"; done
    return 0
  fi
  local start total
  total=$(now)
  for p in "${ordered[@]}"; do
    start=$(now)
    "${p}_${cmd}"
    log "$p: $cmd done in $(elapsed "$start")"
  done
  log "$cmd (${ordered[*]}) for instance $DEEPLOY_INSTANCE done in $(elapsed "$total")"
}

main "$@"

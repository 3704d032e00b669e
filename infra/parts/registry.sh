# shellcheck shell=bash
# registry: a private image registry (Debian's docker-registry, the CNCF distribution) behind basic auth, on loopback.
# It stands in for the private registries users pull their CAR images from, so that pulling with registry credentials
# is tested against a real registry. The Docker engine talks plain HTTP to it because 127.0.0.0/8 is a trusted
# (insecure-allowed) range for the engine by default.

REGISTRY_DIR="$INSTANCE_DIR/registry"
REGISTRY_LOG="$LOG_DIR/registry.log"
REGISTRY_PIDFILE="$PID_DIR/registry.pid"
REGISTRY_USER=deeploy
REGISTRY_PASSWORD_FILE="$SECRETS_DIR/registry.password"
REGISTRY_BIN=/usr/bin/docker-registry

registry_install() {
  if [[ -x $REGISTRY_BIN ]] && command -v htpasswd >/dev/null 2>&1; then
    log "registry: already installed ($REGISTRY_BIN)"
    return 0
  fi
  # apache2-utils brings htpasswd, for the bcrypt password file the registry checks.
  apt_install docker-registry apache2-utils
  [[ -x $REGISTRY_BIN ]] || die "registry: docker-registry did not provide $REGISTRY_BIN"
}

_registry_ready() {
  # 401 is the answer of a registry that is up and asks for credentials.
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$DEEPLOY_REGISTRY_PORT/v2/")" == 401 ]]
}

registry_up() {
  [[ -x $REGISTRY_BIN ]] || die "registry: not installed; run: infra/infra.sh install registry"
  local pid
  if pid=$(pid_of "$REGISTRY_PIDFILE"); then
    log "registry: already running (pid $pid, 127.0.0.1:$DEEPLOY_REGISTRY_PORT)"
    return 0
  fi
  require_free_port registry "$DEEPLOY_REGISTRY_PORT"
  mkdir -p "$REGISTRY_DIR/data" "$SECRETS_DIR"
  if [[ ! -s $REGISTRY_PASSWORD_FILE ]]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$REGISTRY_PASSWORD_FILE")
  fi
  (umask 077 && htpasswd -Bbn "$REGISTRY_USER" "$(<"$REGISTRY_PASSWORD_FILE")" >"$REGISTRY_DIR/htpasswd")
  cat >"$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$DEEPLOY_REGISTRY_PORT
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
auth:
  htpasswd:
    realm: deeploy-registry
    path: $REGISTRY_DIR/htpasswd
YAML
  chmod 600 "$REGISTRY_DIR/config.yml"
  spawn "$REGISTRY_PIDFILE" "$REGISTRY_LOG" "$REGISTRY_BIN" serve "$REGISTRY_DIR/config.yml"
  wait_ready registry "$REGISTRY_LOG" "$REGISTRY_PIDFILE" _registry_ready || exit 1
  log "registry: started (pid $(pid_of "$REGISTRY_PIDFILE"), 127.0.0.1:$DEEPLOY_REGISTRY_PORT, user $REGISTRY_USER)"
}

registry_down() {
  stop_pidfile registry "$REGISTRY_PIDFILE"
}

registry_status() {
  local pid
  if pid=$(pid_of "$REGISTRY_PIDFILE") && _registry_ready; then
    printf '%-9s running  127.0.0.1:%s (pid %s)\n' registry "$DEEPLOY_REGISTRY_PORT" "$pid"
  else
    printf '%-9s stopped  127.0.0.1:%s\n' registry "$DEEPLOY_REGISTRY_PORT"
    return 1
  fi
}

# shellcheck shell=bash
# Docker engine: one private dockerd shared by all instances (images are built once per machine).

DOCKER_DIR="$DEEPLOY_HOME/docker"
DOCKER_SOCK="$DOCKER_DIR/docker.sock"
DOCKER_PIDFILE="$DOCKER_DIR/dockerd.pid"
DOCKER_LOG="$DOCKER_DIR/dockerd.log"
# Present in an instance's pid dir when THAT instance started the shared dockerd; holds a copy
# of the engine's pid file, so a mark left over from an earlier engine (e.g. a reboot) is void.
DOCKER_OWNER_MARK="$PID_DIR/docker.started"
# Present while an instance has the engine `up` (so an owner going down can hand it over);
# also a copy of the engine's pid file.
DOCKER_USER_MARK="$PID_DIR/docker.using"

# Talk to our engine only, never to a system one.
export DOCKER_HOST="unix://$DOCKER_SOCK"

# Builds and apps run as root of their container; user-namespace remapping makes that root an unprivileged uid of the
# host (the "dockremap" user's subordinate range), so nothing a job writes through a mount belongs to the host's root.
DOCKER_USERNS_REMAP=default

# The engine's data root. With remapping the engine keeps its files in <root>/<uid>.<gid>, which the remapped root must
# reach: every directory above it must be searchable by others. When one is not (a checkout under a private home), the
# data root moves to /var/lib/deeploy, named after this checkout so that several checkouts never share one.
docker_data_root() {
  local dir=$DOCKER_DIR/data
  while [[ $dir != / ]]; do
    dir=$(dirname "$dir")
    if [[ -e $dir ]] && [[ $(stat -c %A "$dir") != ?????????[xt] ]]; then
      echo "/var/lib/deeploy/docker-$(printf %s "$DOCKER_DIR" | sha256sum | cut -c1-12)"
      return 0
    fi
  done
  echo "$DOCKER_DIR/data"
}

docker_ready() {
  timeout 5 docker version >/dev/null 2>&1
}

docker_install() {
  # /usr/local/bin/docker may be a client only; the engine comes from Debian's docker.io.
  if command -v dockerd >/dev/null 2>&1; then
    log "docker: dockerd already installed ($(dockerd --version 2>/dev/null | head -n1))"
  else
    apt_install docker.io
  fi
  command -v docker >/dev/null 2>&1 || apt_install docker.io
}

# Other instances that currently use the shared engine (names of their instance dirs).
_docker_other_users() {
  local d
  for d in "$DEEPLOY_HOME"/*/pids/docker.using; do
    [[ -e $d && $d != "$DOCKER_USER_MARK" ]] || continue
    cmp -s "$d" "$DOCKER_PIDFILE" || continue
    basename "$(dirname "$(dirname "$d")")"
  done
}

docker_up() {
  command -v dockerd >/dev/null 2>&1 || die "docker: dockerd is not installed; run: infra/infra.sh install docker"
  mkdir -p "$DOCKER_DIR"
  local pid
  if pid=$(pid_of "$DOCKER_PIDFILE"); then
    if docker_ready; then
      cp "$DOCKER_PIDFILE" "$DOCKER_USER_MARK"
      log "docker: already running (pid $pid, $DOCKER_HOST)"
      return 0
    fi
    wait_ready docker "$DOCKER_LOG" "$DOCKER_PIDFILE" docker_ready || exit 1
    cp "$DOCKER_PIDFILE" "$DOCKER_USER_MARK"
    log "docker: running (pid $pid, $DOCKER_HOST)"
    return 0
  fi
  if [[ -S $DOCKER_SOCK ]] && docker_ready; then
    die "docker cannot start: $DOCKER_SOCK is already served by a process not started by infra.sh"
  fi
  rm -f "$DOCKER_SOCK" "$DOCKER_PIDFILE"
  # Flags from the machine notes: loopback-only published ports, no iptables/NAT (not available
  # here), own data/exec roots so nothing outside DEEPLOY_HOME is touched (but see docker_data_root).
  local data_root
  data_root=$(docker_data_root)
  mkdir -p "$data_root"
  spawn "$DOCKER_PIDFILE" "$DOCKER_LOG" dockerd \
    --data-root "$data_root" \
    --userns-remap="$DOCKER_USERNS_REMAP" \
    --exec-root "$DOCKER_DIR/exec" \
    --pidfile "$DOCKER_DIR/dockerd.self.pid" \
    -H "unix://$DOCKER_SOCK" \
    --ip 127.0.0.1 --iptables=false --ip-forward=false --ip-masq=false
  wait_ready docker "$DOCKER_LOG" "$DOCKER_PIDFILE" docker_ready || exit 1
  cp "$DOCKER_PIDFILE" "$DOCKER_OWNER_MARK"
  cp "$DOCKER_PIDFILE" "$DOCKER_USER_MARK"
  log "docker: started (pid $(pid_of "$DOCKER_PIDFILE"), $DOCKER_HOST)"
}

docker_down() {
  rm -f "$DOCKER_USER_MARK"
  if [[ ! -e $DOCKER_OWNER_MARK ]] || ! cmp -s "$DOCKER_OWNER_MARK" "$DOCKER_PIDFILE"; then
    rm -f "$DOCKER_OWNER_MARK"
    log "docker: not started by instance $DEEPLOY_INSTANCE, left as is"
    return 0
  fi
  rm -f "$DOCKER_OWNER_MARK"
  local others
  others=$(_docker_other_users)
  if [[ -n $others ]] && pid_of "$DOCKER_PIDFILE" >/dev/null; then
    # Another instance is still up on this engine: hand ownership over instead of pulling it away.
    local first=${others%%$'\n'*}
    cp "$DOCKER_PIDFILE" "$DEEPLOY_HOME/$first/pids/docker.started"
    log "docker: still used by instance $first, handed over to it"
    return 0
  fi
  stop_pidfile docker "$DOCKER_PIDFILE" TERM
  rm -f "$DOCKER_SOCK"
}

docker_status() {
  local pid
  if pid=$(pid_of "$DOCKER_PIDFILE") && docker_ready; then
    printf '%-9s running  %s (pid %s)\n' docker "$DOCKER_HOST" "$pid"
  else
    printf '%-9s stopped  %s\n' docker "$DOCKER_HOST"
    return 1
  fi
}

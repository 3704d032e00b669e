# shellcheck shell=bash disable=SC2034 # the variables here are used by parts/*.sh
# Common helpers for infra/infra.sh and infra/parts/*.sh. Sourced, never executed.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$INFRA_DIR/.." && pwd)"

# All state lives under one directory so that `rm -rf` of it is a full reset.
DEEPLOY_HOME="${DEEPLOY_HOME:-$REPO_DIR/.deeploy}"
DEEPLOY_INSTANCE="${DEEPLOY_INSTANCE:-platform}"

case "$DEEPLOY_INSTANCE" in
  platform)
    _default_kafka_port=9092 _default_pg_port=5432 _default_anvil_port=8545 _default_registry_port=5050 ;;
  test)
    _default_kafka_port=19092 _default_pg_port=15432 _default_anvil_port=18545 _default_registry_port=15050 ;;
  *)
    echo "deeploy infra: unknown DEEPLOY_INSTANCE '$DEEPLOY_INSTANCE' (expected platform or test)" >&2
    exit 2 ;;
esac

# `infra.sh env` exports DEEPLOY_PG_PORT (a port override too) and tags the shell with
# DEEPLOY_ENV_INSTANCE. Ports inherited from an eval'ed env of ANOTHER instance are not overrides.
if [[ -n ${DEEPLOY_ENV_INSTANCE:-} && $DEEPLOY_ENV_INSTANCE != "$DEEPLOY_INSTANCE" ]]; then
  unset DEEPLOY_KAFKA_PORT DEEPLOY_KAFKA_CONTROLLER_PORT DEEPLOY_PG_PORT DEEPLOY_ANVIL_PORT DEEPLOY_REGISTRY_PORT
fi

DEEPLOY_KAFKA_PORT="${DEEPLOY_KAFKA_PORT:-$_default_kafka_port}"
DEEPLOY_KAFKA_CONTROLLER_PORT="${DEEPLOY_KAFKA_CONTROLLER_PORT:-$((DEEPLOY_KAFKA_PORT + 1))}"
DEEPLOY_PG_PORT="${DEEPLOY_PG_PORT:-$_default_pg_port}"
DEEPLOY_ANVIL_PORT="${DEEPLOY_ANVIL_PORT:-$_default_anvil_port}"
DEEPLOY_REGISTRY_PORT="${DEEPLOY_REGISTRY_PORT:-$_default_registry_port}"

INSTANCE_DIR="$DEEPLOY_HOME/$DEEPLOY_INSTANCE"
LOG_DIR="$INSTANCE_DIR/logs"
PID_DIR="$INSTANCE_DIR/pids"
SECRETS_DIR="$INSTANCE_DIR/secrets"
TOOLS_DIR="$DEEPLOY_HOME/tools"

# The services that hold credentials of their own: service S is the Kafka principal User:S, the PostgreSQL role
# S with '-' as '_' (project_svc), owner of the database S without '-svc' (project). builder-svc, the node agent,
# talks to project-svc over HTTP and uses neither Kafka nor PostgreSQL: it has no credentials here.
DEEPLOY_SERVICES=(project-svc scheduler-svc escrow-svc tunnel-svc)

svc_pg_role() { echo "${1//-/_}"; }         # project-svc -> project_svc
svc_pg_database() { echo "${1%-svc}"; }     # project-svc -> project
svc_env_suffix() { local s=${1//-/_}; echo "${s^^}"; } # project-svc -> PROJECT_SVC

# Readiness timeouts in seconds (overridable for slow machines).
DEEPLOY_READY_TIMEOUT="${DEEPLOY_READY_TIMEOUT:-60}"
# Seconds between SIGTERM and SIGKILL on `down`.
DEEPLOY_STOP_TIMEOUT="${DEEPLOY_STOP_TIMEOUT:-30}"

export DEBIAN_FRONTEND=noninteractive

log() { echo "deeploy infra: $*"; }
warn() { echo "deeploy infra: $*" >&2; }
die() { echo "deeploy infra: $*" >&2; exit 1; }

ensure_dirs() {
  mkdir -p "$INSTANCE_DIR" "$LOG_DIR" "$PID_DIR" "$TOOLS_DIR"
}

# Seconds since epoch with millisecond precision, for timing messages.
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

# --- apt -------------------------------------------------------------------

_APT_UPDATED=0

# apt_install PKG...: installs only the missing packages; runs `apt-get update` at most once per run.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if ((!_APT_UPDATED)); then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  # policy-rc.d stops maintainer scripts from starting services (e.g. a system postgres on
  # 5432 or a system dockerd), which would take our ports; we start everything ourselves.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  local rc=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$TOOLS_DIR/apt-install.log" 2>&1 || rc=$?
  ((own_policy)) && rm -f "$policy"
  if ((rc)); then
    warn "apt-get install ${missing[*]} failed; last lines of $TOOLS_DIR/apt-install.log:"
    tail -n 20 "$TOOLS_DIR/apt-install.log" >&2
    exit 1
  fi
}

# --- processes ---------------------------------------------------------------

# A pid file holds "PID STARTTIME" (starttime = field 22 of /proc/PID/stat), so a recycled
# pid is never mistaken for our process.
_proc_starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }
# The process state letter (R, S, D, Z...): a killed daemon whose parent has not reaped it yet is Z, and dead.
_proc_state() { awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null; }

write_pidfile() { # PIDFILE PID
  echo "$2 $(_proc_starttime "$2")" >"$1"
}

# pid_of PIDFILE: prints the pid and succeeds if the recorded process is still alive.
pid_of() {
  local file=$1 pid start
  [[ -f $file ]] || return 1
  read -r pid start <"$file" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -n $start && "$(_proc_starttime "$pid")" == "$start" ]] || return 1
  # This machine's PID 1 may reap late: an unreaped daemon must not read as running (`up` after a crash).
  [[ "$(_proc_state "$pid")" != Z ]] || return 1
  echo "$pid"
}

# spawn PIDFILE LOGFILE CMD...: starts CMD detached (own session, no terminal, no inherited
# lock fd) and records its pid. setsid/nohup exec, so $! is the daemon itself.
spawn() {
  local pidfile=$1 logfile=$2; shift 2
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  local pid=$!
  write_pidfile "$pidfile" "$pid"
}

# stop_pidfile NAME PIDFILE [SIGNAL]: SIGNAL (default TERM), wait, then SIGKILL after
# DEEPLOY_STOP_TIMEOUT seconds; removes the pid file. Only touches the recorded process.
stop_pidfile() {
  local name=$1 pidfile=$2 sig=${3:-TERM} pid i
  if ! pid=$(pid_of "$pidfile"); then
    rm -f "$pidfile"
    log "$name: not running"
    return 0
  fi
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < DEEPLOY_STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name: still running after ${DEEPLOY_STOP_TIMEOUT}s, sending SIGKILL to $pid"
    kill -s KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
  log "$name: stopped (pid $pid)"
}

# crash_pidfile NAME PIDFILE: kills the recorded daemon and its process group (spawn makes it the group's leader:
# PostgreSQL's backends, Kafka's JVM, dockerd's containerd) with SIGKILL, as a power cut would, and waits until none of
# them is left, so that `up` can start it again at once. The pidfile stays, as after a real crash.
crash_pidfile() {
  local name=$1 pidfile=$2 pid i
  if ! pid=$(pid_of "$pidfile"); then
    log "$name: not running, nothing to crash"
    return 0
  fi
  kill -s KILL -- "-$pid" 2>/dev/null || kill -s KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    if ! pid_of "$pidfile" >/dev/null && ! _group_alive "$pid"; then
      log "$name: crashed (SIGKILL to pid $pid and its group)"
      return 0
    fi
    sleep 0.1
  done
  die "$name: pid $pid or its group still alive 30 s after SIGKILL"
}

# True while a live (not zombie) process is in process group PGID: one ps for the whole table, polled often.
_group_alive() {
  ps -eo pgid=,stat= 2>/dev/null | awk -v pgid="$1" '$1 == pgid && $2 !~ /^Z/ { alive = 1 } END { exit !alive }'
}

# --- ports and readiness ----------------------------------------------------------

port_in_use() { # PORT: true if something listens on 127.0.0.1:PORT or on the wildcard address
  [[ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]]
}

require_free_port() { # PART PORT
  if port_in_use "$2"; then
    die "$1 cannot start: 127.0.0.1:$2 is already in use by another process"
  fi
}

tcp_open() { # PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_ready PART LOGFILE PIDFILE CMD...: polls CMD until it succeeds, the process dies, or
# DEEPLOY_READY_TIMEOUT passes. On failure prints one line plus the log's last 20 lines.
wait_ready() {
  local part=$1 logfile=$2 pidfile=$3; shift 3
  local deadline=$((SECONDS + DEEPLOY_READY_TIMEOUT)) why
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -n $pidfile ]] && ! pid_of "$pidfile" >/dev/null; then
      why="exited during startup"
      break
    fi
    if ((SECONDS >= deadline)); then
      why="did not become ready within ${DEEPLOY_READY_TIMEOUT}s"
      break
    fi
    sleep 0.2
  done
  warn "$part $why; last 20 lines of $logfile:"
  tail -n 20 "$logfile" >&2 2>/dev/null || true
  return 1
}

# A random alphanumeric secret (no quoting problems in SQL, URLs or properties).
random_secret() {
  local s=""
  while ((${#s} < 32)); do
    s+=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  done
  echo "${s:0:32}"
}

# ensure_secret FILE: prints the secret kept in FILE, generating it first if FILE is missing or empty. Secrets are
# generated once per instance and readable by their owner only (files 0600 in a 0700 directory).
ensure_secret() {
  local file=$1
  if [[ ! -s $file ]]; then
    mkdir -p "$(dirname "$file")"
    chmod 700 "$(dirname "$file")"
    (umask 077 && random_secret >"$file.tmp" && mv -f "$file.tmp" "$file")
  fi
  chmod 600 "$file"
  cat "$file"
}

# read_secret FILE: prints the secret in FILE, or nothing if it has not been generated yet.
read_secret() {
  if [[ -r $1 ]]; then cat "$1"; fi
}

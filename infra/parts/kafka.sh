# shellcheck shell=bash
# Kafka: a single-node KRaft broker run from jars resolved from Maven Central (no tarball here).

KAFKA_VERSION="${DEEPLOY_KAFKA_VERSION:-4.1.1}"
# Tried when the preferred version does not resolve from the (partial) Maven mirror.
KAFKA_FALLBACK_VERSION=4.3.1
KAFKA_TOOLS_DIR="$TOOLS_DIR/kafka"
KAFKA_LIBS="$KAFKA_TOOLS_DIR/libs"
# Written last by the jar download; holds the resolved Kafka version.
KAFKA_LIBS_MARK="$KAFKA_TOOLS_DIR/libs.complete"

KAFKA_DIR="$INSTANCE_DIR/kafka"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_PIDFILE="$PID_DIR/kafka.pid"
TOPICS_FILE="$REPO_DIR/libs/events/src/main/resources/deeploy-topics.txt"
# Client properties for infra's own tool calls: the admin principal over SASL/SCRAM (0600, holds its password).
KAFKA_ADMIN_CONFIG="$KAFKA_DIR/admin.properties"
# The same over SASL/PLAIN, only while the broker runs in bootstrap mode (see _kafka_bootstrap_users).
KAFKA_ADMIN_PLAIN_CONFIG="$KAFKA_DIR/admin-plain.properties"
# "<user> <sha256 of its password>" per SCRAM user known to be in the formatted storage; rewritten on change.
KAFKA_SCRAM_MARK="$KAFKA_DIR/scram-users"

# Security: clients authenticate with SCRAM-SHA-512 over SASL_PLAINTEXT (loopback only), are authorized by KRaft's
# StandardAuthorizer with ACLs derived from $TOPICS_FILE, and nothing is allowed without an ACL.
KAFKA_SASL_MECHANISM=SCRAM-SHA-512
KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT
# Super user for infra's tools and for tests that read every topic; also the broker's own inter-broker identity.
KAFKA_ADMIN_USER="admin"
# Identity of the broker towards the KRaft controller (static SASL/PLAIN user on the controller listener).
KAFKA_CONTROLLER_USER="controller"

# kafka_password_file USER: where USER's generated password is kept (admin, controller, project-svc, ...).
kafka_password_file() { echo "$SECRETS_DIR/kafka-$1.password"; }
# The SCRAM users: admin and one per service.
kafka_scram_users() { echo "$KAFKA_ADMIN_USER" "${DEEPLOY_SERVICES[@]}"; }

# Short-lived tool JVMs: small heap, no C2, so each call costs ~1-2 s instead of ~3 s.
KAFKA_TOOL_JAVA_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto "-Xlog:cds=off,cds+dynamic=off")
# Class data sharing for the tool JVMs: the classes one admin tool run loads, archived once per machine, Kafka
# version and JDK, cut every later tool start to about half (a fresh instance runs some 20 of them). An archive that
# does not fit (other jars) is ignored silently (-Xshare:auto, CDS logging off); re-resolving the jars removes it.
_kafka_tool_cds() { echo "$KAFKA_TOOLS_DIR/tools-$(kafka_resolved_version)-$(readlink -f "$(command -v java)" | cksum | cut -d' ' -f1).jsa"; }

kafka_resolved_version() { cat "$KAFKA_LIBS_MARK" 2>/dev/null; }

# Downloads the broker + tools jars once per machine (shared by instances and the kafka image).
kafka_fetch_jars() {
  if [[ -f $KAFKA_LIBS_MARK ]]; then
    log "kafka: jars already present ($KAFKA_LIBS, Kafka $(kafka_resolved_version))"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || apt_install maven
  mkdir -p "$KAFKA_TOOLS_DIR"
  local tmp="$KAFKA_TOOLS_DIR/libs.tmp" v start
  start=$(now)
  for v in "$KAFKA_VERSION" "$KAFKA_FALLBACK_VERSION"; do
    rm -rf "$tmp"
    log "kafka: resolving Kafka $v jars from Maven Central"
    if mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$v" -DoutputDirectory="$tmp" -DincludeScope=runtime \
      >"$KAFKA_TOOLS_DIR/mvn.log" 2>&1; then
      [[ $v == "$KAFKA_VERSION" ]] || warn "kafka: Kafka $KAFKA_VERSION did not resolve, using $v instead"
      rm -rf "$KAFKA_LIBS"
      rm -f "$KAFKA_TOOLS_DIR"/tools-*.jsa
      mv "$tmp" "$KAFKA_LIBS"
      echo "$v" >"$KAFKA_LIBS_MARK"
      log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ($(du -sm "$KAFKA_LIBS" | cut -f1) MB) in $KAFKA_LIBS, resolved in $(elapsed "$start")"
      return 0
    fi
    warn "kafka: Kafka $v did not resolve (see $KAFKA_TOOLS_DIR/mvn.log)"
    [[ $v != "$KAFKA_FALLBACK_VERSION" ]] || break
  done
  tail -n 20 "$KAFKA_TOOLS_DIR/mvn.log" >&2
  exit 1
}

kafka_install() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  kafka_fetch_jars
}

# Kafka cluster ids are 16 random bytes in URL-safe base64 without padding; Kafka avoids a
# leading '-' (it would parse as a CLI option). Saves a JVM start for `random-uuid`.
_kafka_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && { echo "$id"; return; }
  done
}

# _kafka_server_properties [bootstrap]: the broker's configuration on stdout (it holds the admin and controller
# passwords). In bootstrap mode the client listener also takes SASL/PLAIN for admin alone, with its password from this
# file: the way in to set SCRAM credentials on a storage that has none for admin (see _kafka_bootstrap_users).
_kafka_server_properties() {
  local p=$DEEPLOY_KAFKA_PORT c=$DEEPLOY_KAFKA_CONTROLLER_PORT admin_pw controller_pw mode=${1:-normal}
  admin_pw=$(ensure_secret "$(kafka_password_file "$KAFKA_ADMIN_USER")")
  controller_pw=$(ensure_secret "$(kafka_password_file "$KAFKA_CONTROLLER_USER")")
  cat <<EOF
# Generated by infra/parts/kafka.sh on every 'up'; edits are overwritten. Holds passwords: mode 0600.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$c
# One listener for clients and for this node's broker side, SASL/SCRAM-SHA-512 only: no unauthenticated client.
listeners=SASL_PLAINTEXT://127.0.0.1:$p,CONTROLLER://127.0.0.1:$c
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$p
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
EOF
  if [[ $mode == bootstrap ]]; then
    cat <<EOF
# Bootstrap mode (a short start by infra.sh to set the SCRAM users): PLAIN for admin only, also between brokers.
sasl.enabled.mechanisms=$KAFKA_SASL_MECHANISM,PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_ADMIN_USER" password="$admin_pw" user_$KAFKA_ADMIN_USER="$admin_pw";
EOF
  else
    cat <<EOF
sasl.enabled.mechanisms=$KAFKA_SASL_MECHANISM
sasl.mechanism.inter.broker.protocol=$KAFKA_SASL_MECHANISM
EOF
  fi
  cat <<EOF
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$admin_pw";
# The controller listener is authenticated too (an anonymous client there could create ACLs or SCRAM users through
# --bootstrap-controller). KRaft keeps SCRAM credentials in the metadata the controller serves, so it uses PLAIN with
# one static user, the broker's identity towards its controller.
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$KAFKA_CONTROLLER_USER" password="$controller_pw" user_$KAFKA_CONTROLLER_USER="$controller_pw";
# ACLs (derived from deeploy-topics.txt by infra.sh) decide everything; no ACL = denied.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$KAFKA_ADMIN_USER;User:$KAFKA_CONTROLLER_USER
log.dirs=$KAFKA_DATA
# Topics are declared in deeploy-topics.txt and created by infra.sh; a typo must not create one.
auto.create.topics.enable=false
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Single node: no reason to wait for more group members before the first rebalance.
group.initial.rebalance.delay.ms=0
EOF
}

# _kafka_client_properties USER PASSWORD [MECHANISM]: client properties of a SASL client on stdout.
_kafka_client_properties() {
  local module=org.apache.kafka.common.security.scram.ScramLoginModule mech=${3:-$KAFKA_SASL_MECHANISM}
  [[ $mech == PLAIN ]] && module=org.apache.kafka.common.security.plain.PlainLoginModule
  cat <<EOF
security.protocol=$KAFKA_SECURITY_PROTOCOL
sasl.mechanism=$mech
sasl.jaas.config=$module required username="$1" password="$2";
EOF
}

# _kafka_write_config [bootstrap]: writes server.properties and the tools' client properties (all 0600) and the
# log4j configurations.
_kafka_write_config() {
  mkdir -p "$KAFKA_DIR" "$KAFKA_DATA"
  chmod 700 "$KAFKA_DIR"
  (umask 077 && _kafka_server_properties "${1:-normal}" >"$KAFKA_PROPS.tmp") && mv -f "$KAFKA_PROPS.tmp" "$KAFKA_PROPS"
  (umask 077 && _kafka_client_properties "$KAFKA_ADMIN_USER" \
    "$(ensure_secret "$(kafka_password_file "$KAFKA_ADMIN_USER")")" >"$KAFKA_ADMIN_CONFIG")
  chmod 600 "$KAFKA_PROPS" "$KAFKA_ADMIN_CONFIG"
  rm -f "$KAFKA_DIR/controller-admin.properties"
  # Broker log at INFO, the chattiest loggers at WARN; stdout/stderr go to the same file.
  cat >"$KAFKA_DIR/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <File name="file" fileName="$KAFKA_LOG" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="kafka.controller" level="warn"/>
    <Logger name="kafka.log.LogCleaner" level="warn"/>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Logger name="org.apache.kafka.common.config" level="warn"/>
    <Logger name="org.apache.kafka.storage" level="warn"/>
    <Logger name="org.apache.kafka.raft" level="warn"/>
  </Loggers>
</Configuration>
EOF
  # Tools print to the terminal: warnings only.
  cat >"$KAFKA_DIR/log4j2-tools.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="err" target="SYSTEM_ERR"><PatternLayout pattern="%p %m%n"/></Console></Appenders>
  <Loggers><Root level="warn"><AppenderRef ref="err"/></Root></Loggers>
</Configuration>
EOF
}

# kafka_tool CLASS ARGS...: runs a Kafka tool class on the shared jars, bounded in time
# (an admin client waits up to 60 s for an unreachable broker).
kafka_tool() {
  _kafka_tool_java "$@"
}

# _kafka_tool_java ARGS...: java for a tool on the shared jars (ARGS: the class and its arguments, or an @argfile).
_kafka_tool_java() {
  local jsa cds=()
  jsa=$(_kafka_tool_cds)
  [[ -f $jsa ]] && cds=(-XX:SharedArchiveFile="$jsa")
  timeout 60 java "${KAFKA_TOOL_JAVA_OPTS[@]}" "${cds[@]}" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-tools.xml" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# Makes the tools' class archive (see _kafka_tool_cds) from one topic listing as admin, if it is missing.
_kafka_tool_cds_once() {
  local jsa
  jsa=$(_kafka_tool_cds)
  [[ -f $jsa ]] && return 0
  if timeout 60 java "${KAFKA_TOOL_JAVA_OPTS[@]}" -XX:ArchiveClassesAtExit="$jsa.tmp" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-tools.xml" -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$DEEPLOY_KAFKA_PORT" --command-config "$KAFKA_ADMIN_CONFIG" --list >/dev/null 2>&1 &&
    [[ -s $jsa.tmp ]]; then
    mv -f "$jsa.tmp" "$jsa"
  else
    rm -f "$jsa.tmp"
    warn "kafka: could not archive the tools' classes; tools start without (slower)"
  fi
}

# kafka_tool_secret CLASS ARGS...: kafka_tool for arguments that hold passwords. The class and its arguments go
# through a java @argfile (0600, deleted afterwards), so no password shows in the process list; the tool's output
# (an error echoes its arguments) comes out with every password=... masked.
kafka_tool_secret() {
  local argfile out a rc=0
  for a in "$@"; do
    [[ $a != *"'"* ]] || die "kafka: an argument of $1 contains a single quote"
  done
  argfile=$(umask 077 && mktemp "$KAFKA_DIR/.args.XXXXXX")
  out=$(umask 077 && mktemp "$KAFKA_DIR/.out.XXXXXX")
  printf "'%s'\n" "$@" >"$argfile"
  _kafka_tool_java "@$argfile" >"$out" 2>&1 || rc=$?
  sed -E 's/(password=\\?"?)[^],;" \\]*/\1****/g' "$out"
  rm -f "$argfile" "$out"
  return "$rc"
}

# kafka_admin CLASS ARGS...: a tool class run as the admin principal against this instance's broker (over SCRAM;
# _KAFKA_CLIENT_CONFIG overrides the client properties, for bootstrap mode).
_KAFKA_CLIENT_CONFIG=""
kafka_admin() {
  local cls=$1; shift
  kafka_tool "$cls" --bootstrap-server "127.0.0.1:$DEEPLOY_KAFKA_PORT" \
    --command-config "${_KAFKA_CLIENT_CONFIG:-$KAFKA_ADMIN_CONFIG}" "$@"
}

# "<user> <sha256 of the password>" per SCRAM user, sorted: what the storage should hold (see KAFKA_SCRAM_MARK).
_kafka_scram_wanted() {
  local u
  for u in $(kafka_scram_users); do
    printf '%s %s\n' "$u" "$(ensure_secret "$(kafka_password_file "$u")" | sha256sum | cut -d' ' -f1)"
  done | LC_ALL=C sort
}

_kafka_format_once() {
  # meta.properties marks formatted storage; formatting again would wipe the cluster id.
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  log "kafka: formatting storage in $KAFKA_DATA with SCRAM users $(kafka_scram_users)"
  rm -f "$KAFKA_SCRAM_MARK"
  local args=(kafka.tools.StorageTool format -t "$(_kafka_cluster_id)" -c "$KAFKA_PROPS") u
  for u in $(kafka_scram_users); do
    args+=(--add-scram "$KAFKA_SASL_MECHANISM=[name=$u,password=$(ensure_secret "$(kafka_password_file "$u")")]")
  done
  kafka_tool_secret "${args[@]}" >>"$KAFKA_LOG" 2>&1 || {
    warn "kafka: storage format failed; last 20 lines of $KAFKA_LOG:"
    tail -n 20 "$KAFKA_LOG" >&2
    exit 1
  }
  (umask 077 && _kafka_scram_wanted >"$KAFKA_SCRAM_MARK")
}

# _kafka_changed_users: the SCRAM users whose credential the storage lacks or holds with another password, going by
# the marker: the storage was formatted by an older infra.sh (no users), a password file was deleted and generated
# anew, or a service was added.
_kafka_changed_users() {
  local wanted u
  wanted=$(_kafka_scram_wanted)
  for u in $(kafka_scram_users); do
    grep -qxF "$(grep "^$u " <<<"$wanted")" "$KAFKA_SCRAM_MARK" 2>/dev/null || echo "$u"
  done
}

# _kafka_set_users USER...: sets the users' SCRAM credentials as admin (ConfigCommand; one JVM each, concurrently),
# then records them in the marker.
_kafka_set_users() {
  local u pids=() users=("$@") i
  for u in "${users[@]}"; do
    kafka_tool_secret kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$DEEPLOY_KAFKA_PORT" \
      --command-config "${_KAFKA_CLIENT_CONFIG:-$KAFKA_ADMIN_CONFIG}" --alter --entity-type users --entity-name "$u" \
      --add-config "$KAFKA_SASL_MECHANISM=[password=$(ensure_secret "$(kafka_password_file "$u")")]" >>"$KAFKA_LOG" 2>&1 &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "kafka: setting the SCRAM credential of ${users[$i]} failed (see $KAFKA_LOG)"
  done
  (umask 077 && _kafka_scram_wanted >"$KAFKA_SCRAM_MARK")
}

# SCRAM users other than admin missing on a running broker (admin's own credential is made sure of before start).
# A normal 'up' costs no JVM here.
_kafka_sync_users() {
  local changed
  changed=$(_kafka_changed_users)
  [[ -n $changed ]] || return 0
  # shellcheck disable=SC2086 # one user name per word
  log "kafka: setting the SCRAM credentials of" $changed
  # shellcheck disable=SC2086
  _kafka_set_users $changed
}

# The storage holds no SCRAM credential for admin with its current password (formatted by an older infra.sh, or the
# password file was generated anew), so admin cannot log in: start the broker once in bootstrap mode (PLAIN for admin,
# static), set the missing SCRAM users as admin over PLAIN, and stop it. Needs the broker's ports free.
_kafka_bootstrap_users() {
  local changed
  changed=$(_kafka_changed_users)
  # shellcheck disable=SC2086
  log "kafka: the storage has no current SCRAM credential for $KAFKA_ADMIN_USER; starting once in bootstrap mode to set" $changed
  _kafka_write_config bootstrap
  (umask 077 && _kafka_client_properties "$KAFKA_ADMIN_USER" \
    "$(ensure_secret "$(kafka_password_file "$KAFKA_ADMIN_USER")")" PLAIN >"$KAFKA_ADMIN_PLAIN_CONFIG")
  _kafka_start
  _KAFKA_CLIENT_CONFIG=$KAFKA_ADMIN_PLAIN_CONFIG
  # In a subshell, so that a failure stops the bootstrap-mode broker instead of leaving it running.
  # shellcheck disable=SC2086
  if ! (wait_ready kafka "$KAFKA_LOG" "$KAFKA_PIDFILE" _kafka_list_topics && _kafka_set_users $changed); then
    rm -f "$KAFKA_ADMIN_PLAIN_CONFIG"
    kafka_down
    die "kafka: setting the SCRAM users in bootstrap mode failed (see $KAFKA_LOG)"
  fi
  _KAFKA_CLIENT_CONFIG=""
  rm -f "$KAFKA_ADMIN_PLAIN_CONFIG"
  kafka_down
  _kafka_write_config
}

_kafka_list_topics() {
  kafka_admin org.apache.kafka.tools.TopicCommand --list
}

# Readiness probe: the topic listing as admin (authentication and authorization work); keeps the list for
# kafka_create_topics.
_KAFKA_TOPICS_SEEN=""
_kafka_probe() {
  _KAFKA_TOPICS_SEEN=$(_kafka_list_topics)
}

# Declared topics, one per line "<name> <partitions> <producer> <consumers>", comments and blank lines removed.
_kafka_topics() {
  [[ -f $TOPICS_FILE ]] || die "kafka: the topic declaration $TOPICS_FILE is missing"
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOPICS_FILE"
}

# _kafka_principals FIELD: the principals named by a producer or consumer field ('*' = every service, '-' = none).
_kafka_principals() {
  case $1 in
    '*') echo "${DEEPLOY_SERVICES[*]}" ;;
    -) ;;
    *) echo "${1//,/ }" ;;
  esac
}

# Dies on a line that is not "<name> <partitions> <producer> <consumers>" or names a principal that has no
# credentials (DEEPLOY_SERVICES in infra/lib.sh).
_kafka_check_topics() {
  local name parts producers consumers extra p topics
  topics=$(_kafka_topics) || exit 1
  while read -r name parts producers consumers extra; do
    [[ $parts =~ ^[0-9]+$ && -n $producers && -n $consumers && -z $extra && $producers != - ]] ||
      die "kafka: bad line in $TOPICS_FILE (expected <name> <partitions> <producer> <consumers>): '$name $parts $producers $consumers $extra'"
    for p in $(_kafka_principals "$producers") $(_kafka_principals "$consumers"); do
      [[ " ${DEEPLOY_SERVICES[*]} " == *" $p "* ]] ||
        die "kafka: $TOPICS_FILE names '$p' for $name, which is not a service with Kafka credentials (${DEEPLOY_SERVICES[*]})"
    done
  done <<<"$topics"
}

kafka_create_topics() {
  local existing name parts extra created=0
  existing=$_KAFKA_TOPICS_SEEN
  [[ -n $existing ]] || existing=$(_kafka_list_topics) || die "kafka: cannot list topics on 127.0.0.1:$DEEPLOY_KAFKA_PORT"
  local pids=() names=()
  while read -r name parts extra; do
    grep -qxF "$name" <<<"$existing" && continue
    # One JVM per missing topic, run concurrently: the broker handles them independently.
    kafka_admin org.apache.kafka.tools.TopicCommand \
      --create --if-not-exists --topic "$name" --partitions "$parts" --replication-factor 1 \
      >>"$KAFKA_LOG" 2>&1 &
    pids+=("$!") names+=("$name")
  done < <(_kafka_topics)
  local i
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "kafka: creating topic ${names[$i]} failed (see $KAFKA_LOG)"
    created=$((created + 1))
  done
  log "kafka: topics ready ($created created, $(_kafka_topics | wc -l) declared in ${TOPICS_FILE#"$REPO_DIR"/})"
}

# --- ACLs -------------------------------------------------------------------------------
# One ACL per line, as "<resource type> <pattern type> <resource name> <principal> <host> <operation> <permission>",
# e.g. "TOPIC LITERAL deeploy.job-events User:scheduler-svc * WRITE ALLOW".

# The ACLs deeploy-topics.txt calls for, sorted: the producer (every service for '*') may WRITE (and DESCRIBE) its
# topics, each consumer may READ and DESCRIBE the topics it consumes, and each service may READ (join, commit
# offsets in) the consumer groups whose id starts with its name. Nothing else: no CREATE, no cluster operation (an
# idempotent producer's InitProducerId is allowed by WRITE on any topic).
_kafka_acls_wanted() {
  local name parts producers consumers p c s topics
  topics=$(_kafka_topics) || exit 1
  {
    while read -r name parts producers consumers; do
      for p in $(_kafka_principals "$producers"); do
        echo "TOPIC LITERAL $name User:$p * WRITE ALLOW"
        echo "TOPIC LITERAL $name User:$p * DESCRIBE ALLOW"
      done
      for c in $(_kafka_principals "$consumers"); do
        echo "TOPIC LITERAL $name User:$c * READ ALLOW"
        echo "TOPIC LITERAL $name User:$c * DESCRIBE ALLOW"
      done
    done <<<"$topics"
    for s in "${DEEPLOY_SERVICES[@]}"; do
      echo "GROUP PREFIXED $s User:$s * READ ALLOW"
    done
  } | LC_ALL=C sort -u
}

# The broker's ACLs, sorted, from AclCommand --list, whose output reads:
#   Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=deeploy.job-events, patternType=LITERAL)`:
#    	(principal=User:scheduler-svc, host=*, operation=WRITE, permissionType=ALLOW)
_kafka_acls_current() {
  local out
  out=$(kafka_admin org.apache.kafka.tools.AclCommand --list) || return 1
  awk '
    function field(line, key,   m) {
      if (match(line, key "=[^,)]*")) return substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
      return ""
    }
    /ResourcePattern\(/ { type = field($0, "resourceType"); name = field($0, "name"); pattern = field($0, "patternType"); next }
    /\(principal=/ {
      print type, pattern, name, field($0, "principal"), field($0, "host"), field($0, "operation"), field($0, "permissionType")
    }' <<<"$out" | LC_ALL=C sort -u
}

# Operation names as AclCommand takes them: IDEMPOTENT_WRITE -> IdempotentWrite.
_kafka_acl_op_name() {
  local o=${1,,}
  sed -E 's/(^|_)([a-z])/\U\2/g' <<<"$o"
}

# _kafka_acl_apply add|remove LINES: one AclCommand per principal, host, resource type, pattern type and set of
# operations, with all its resources; the commands run concurrently. Only ALLOW lines are expected.
_kafka_acl_apply() {
  local action=$1 lines=$2 type pattern name principal host op key ops
  declare -A ops_of=() groups=()
  while read -r type pattern name principal host op _; do
    [[ -n $type ]] || continue
    ops_of["$principal|$host|$type|$pattern|$name"]+="$op "
  done <<<"$lines"
  for key in "${!ops_of[@]}"; do
    IFS='|' read -r principal host type pattern name <<<"$key"
    ops=$(tr ' ' '\n' <<<"${ops_of[$key]}" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ')
    groups["$principal|$host|$type|$pattern|${ops% }"]+="$name "
  done
  local pids=() what=() args op_list names
  for key in "${!groups[@]}"; do
    IFS='|' read -r principal host type pattern ops <<<"$key"
    # read -a, not an unquoted expansion: a resource named '*' (all topics) must not glob.
    read -r -a op_list <<<"$ops"
    read -r -a names <<<"${groups[$key]}"
    args=(--"$action" --allow-principal "$principal" --allow-host "$host" --resource-pattern-type "${pattern,,}")
    [[ $action == remove ]] && args+=(--force)
    for op in "${op_list[@]}"; do args+=(--operation "$(_kafka_acl_op_name "$op")"); done
    for name in "${names[@]}"; do
      case $type in
        TOPIC) args+=(--topic "$name") ;;
        GROUP) args+=(--group "$name") ;;
        TRANSACTIONAL_ID) args+=(--transactional-id "$name") ;;
        CLUSTER) args+=(--cluster) ;;
        *) warn "kafka: not touching the $type ACLs of $principal on $name"; continue 2 ;;
      esac
    done
    kafka_admin org.apache.kafka.tools.AclCommand "${args[@]}" >>"$KAFKA_LOG" 2>&1 &
    pids+=("$!") what+=("$action $principal $ops on $type ${groups[$key]% }")
  done
  local i
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "kafka: ACL change failed: ${what[$i]} (see $KAFKA_LOG)"
  done
}

# Makes the service principals' ACLs exactly what deeploy-topics.txt calls for: adds the missing ones, removes the
# ALLOW ACLs of service principals (and of the wildcard User:*, which would grant them more) it does not call for,
# e.g. after a topic changed owner or a hand-made "allow all". ACLs of other principals and DENY ACLs are left
# alone. Idempotent; in step, it costs one listing.
kafka_sync_acls() {
  local wanted current managed missing extra
  wanted=$(_kafka_acls_wanted) || exit 1
  current=$(_kafka_acls_current) || die "kafka: cannot list ACLs on 127.0.0.1:$DEEPLOY_KAFKA_PORT"
  managed=$(awk -v services="${DEEPLOY_SERVICES[*]}" '
    BEGIN { n = split(services, s, " "); for (i = 1; i <= n; i++) svc["User:" s[i]] = 1 }
    ($4 in svc || $4 == "User:*") && $7 == "ALLOW"' <<<"$current")
  missing=$(LC_ALL=C comm -23 <(echo "$wanted") <(echo "$managed") | sed '/^$/d')
  extra=$(LC_ALL=C comm -13 <(echo "$wanted") <(echo "$managed") | sed '/^$/d')
  [[ -z $extra ]] || _kafka_acl_apply remove "$extra"
  [[ -z $missing ]] || _kafka_acl_apply add "$missing"
  log "kafka: ACLs in step with ${TOPICS_FILE#"$REPO_DIR"/} ($(grep -c . <<<"$wanted") for ${#DEEPLOY_SERVICES[@]} service principals; $(grep -c . <<<"$missing") added, $(grep -c . <<<"$extra") removed)"
}

# Users, topics and ACLs of a running broker; run on every 'up'.
_kafka_provision() {
  _kafka_sync_users
  wait_ready kafka "$KAFKA_LOG" "$KAFKA_PIDFILE" _kafka_probe || exit 1
  _kafka_tool_cds_once
  kafka_create_topics
  kafka_sync_acls
}

_kafka_start() {
  spawn "$KAFKA_PIDFILE" "$KAFKA_LOG" java -Xms256m -Xmx512m \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS"
  wait_ready kafka "$KAFKA_LOG" "$KAFKA_PIDFILE" tcp_open "$DEEPLOY_KAFKA_PORT" || exit 1
}

# True if the running broker was started with the configuration this script writes now.
_kafka_config_current() {
  [[ -f $KAFKA_PROPS ]] && cmp -s "$KAFKA_PROPS" <(_kafka_server_properties)
}

kafka_up() {
  [[ -f $KAFKA_LIBS_MARK ]] || die "kafka: jars missing; run: infra/infra.sh install kafka"
  _kafka_check_topics
  local pid
  if pid=$(pid_of "$KAFKA_PIDFILE"); then
    if _kafka_config_current; then
      log "kafka: already running (pid $pid, 127.0.0.1:$DEEPLOY_KAFKA_PORT)"
      _kafka_write_config
      _kafka_provision
      return 0
    fi
    log "kafka: running (pid $pid) with another configuration (written by an older infra.sh, or other ports or passwords); restarting it"
    kafka_down
  fi
  require_free_port kafka "$DEEPLOY_KAFKA_PORT"
  require_free_port kafka "$DEEPLOY_KAFKA_CONTROLLER_PORT"
  _kafka_write_config
  _kafka_format_once
  if grep -qx "$KAFKA_ADMIN_USER" <(_kafka_changed_users); then
    _kafka_bootstrap_users
  fi
  _kafka_start
  _kafka_provision
  log "kafka: started (pid $(pid_of "$KAFKA_PIDFILE"), 127.0.0.1:$DEEPLOY_KAFKA_PORT, $KAFKA_SECURITY_PROTOCOL/$KAFKA_SASL_MECHANISM)"
}

kafka_down() {
  stop_pidfile kafka "$KAFKA_PIDFILE" TERM
}

kafka_status() {
  local pid
  if pid=$(pid_of "$KAFKA_PIDFILE") && tcp_open "$DEEPLOY_KAFKA_PORT"; then
    printf '%-9s running  127.0.0.1:%s (pid %s)\n' kafka "$DEEPLOY_KAFKA_PORT" "$pid"
  else
    printf '%-9s stopped  127.0.0.1:%s\n' kafka "$DEEPLOY_KAFKA_PORT"
    return 1
  fi
}

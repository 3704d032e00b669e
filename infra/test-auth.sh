#!/usr/bin/env bash
# Attacks a running instance's Kafka and PostgreSQL the way a stray local client would: without credentials, with a
# wrong password, and with one service's credentials on another service's topics and database. Prints one line per
# check and exits 1 if any attack gets through (or a positive control fails, which would make the refusals
# meaningless). Run it after starting the parts:
#   DEEPLOY_INSTANCE=test infra/infra.sh up kafka postgres && DEEPLOY_INSTANCE=test infra/test-auth.sh
# DEEPLOY_INSTANCE defaults to test here. TEST_AUTH_WRONG_PASSWORD sets the wrong password of check (b) (default:
# a fresh random one). The checks write a marker record to deeploy.oracle-events and deeploy.route-events (as their
# producers; JSON of a type no service knows, so their consumers pass over it) and create and drop a table
# test_auth_probe in database project.
set -euo pipefail

export DEEPLOY_INSTANCE="${DEEPLOY_INSTANCE:-test}"
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$INFRA_DIR/lib.sh"
eval "$("$INFRA_DIR/infra.sh" env 2>/dev/null)"

PSQL="${DEEPLOY_PG_BIN:-/usr/lib/postgresql/15/bin}/psql"
[[ -x $PSQL ]] || PSQL=$(command -v psql) || { echo "test-auth: psql not found" >&2; exit 2; }
[[ -n ${DEEPLOY_KAFKA_ADMIN_PASSWORD:-} && -n ${DEEPLOY_PG_PASSWORD_PROJECT_SVC:-} ]] ||
  { echo "test-auth: no credentials for instance $DEEPLOY_INSTANCE; run: DEEPLOY_INSTANCE=$DEEPLOY_INSTANCE infra/infra.sh up kafka postgres" >&2; exit 2; }
KAFKA="127.0.0.1:$DEEPLOY_KAFKA_PORT"
CONTROLLER="127.0.0.1:$DEEPLOY_KAFKA_CONTROLLER_PORT"

TMP=$(mktemp -d)
chmod 700 "$TMP"
trap 'rm -rf "$TMP"' EXIT
RUN_ID="test-auth-$(date +%s)-$RANDOM"
# marker NAME: the record a check writes, an event of a type no consumer follows.
marker() { printf '{"type":"TestAuthProbe","id":"%s-%s"}' "$RUN_ID" "$1"; }
WRONG_PASSWORD="${TEST_AUTH_WRONG_PASSWORD:-$(random_secret)}"

FAILED=0
ok() { printf 'ok    %s\n' "$*"; }
failed() { printf 'FAIL  %s\n' "$*"; FAILED=1; }

# The first exception (or PostgreSQL error) a tool printed, as the reason in a result line.
reason() {
  grep -oE '[A-Za-z]+(Exception|Error)\b[^,]{0,80}|FATAL: .*|fe_sendauth: .*' "$1" | head -n 1 |
    sed -E 's/^ExecutionException: ([a-z0-9]+\.)*//' | cut -c1-100 || true
}

# --- Kafka clients --------------------------------------------------------------------------------------------

cat >"$TMP/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="err" target="SYSTEM_ERR"><PatternLayout pattern="%p %m%n"/></Console></Appenders>
  <Loggers><Root level="error"><AppenderRef ref="err"/></Root></Loggers>
</Configuration>
EOF

# Short client timeouts: a refused client must not hang for the default minute.
TIMEOUTS=$'request.timeout.ms=4000\ndefault.api.timeout.ms=5000\nmax.block.ms=5000\ndelivery.timeout.ms=5000\nlinger.ms=0'

# client_config NAME [USER PASSWORD [MECHANISM]]: a client properties file; without USER a client with no
# credentials at all (PLAINTEXT).
client_config() {
  local file="$TMP/$1.properties" mech=${4:-$DEEPLOY_KAFKA_SASL_MECHANISM}
  local module=org.apache.kafka.common.security.scram.ScramLoginModule
  [[ $mech == PLAIN ]] && module=org.apache.kafka.common.security.plain.PlainLoginModule
  {
    echo "$TIMEOUTS"
    if (($# > 1)); then
      echo "security.protocol=$DEEPLOY_KAFKA_SECURITY_PROTOCOL"
      echo "sasl.mechanism=$mech"
      echo "sasl.jaas.config=$module required username=\"$2\" password=\"$3\";"
    fi
  } >"$file"
  echo "$file"
}

kafka_tool() { # CLASS ARGS...
  local cls=$1; shift
  timeout 40 java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$TMP/log4j2.xml" \
    -cp "$DEEPLOY_KAFKA_LIBS/*" "$cls" "$@"
}

# list CONFIG OUT: lists topics; succeeds if the listing succeeds.
list_topics() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA" --command-config "$1" --list >"$2" 2>&1
}

# produce CONFIG TOPIC VALUE OUT: one record, acknowledged (--sync: exit status 1 if the send fails).
produce() {
  echo "$3" | kafka_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$KAFKA" --producer.config "$1" \
    --producer-property acks=all --producer-property enable.idempotence=true --topic "$2" --sync >"$4" 2>&1
}

# consume CONFIG GROUP TOPIC OUT ERR: reads the topic from the beginning until 5 s pass without a record; the records
# go to OUT. (The console consumer exits 0 even when refused: what counts is what it read.)
consume() {
  kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$KAFKA" --consumer.config "$1" \
    --group "$2" --consumer-property enable.auto.commit=false --topic "$3" --from-beginning --timeout-ms 5000 \
    >"$4" 2>"$5" || true
}

NONE=$(client_config none)
WRONG=$(client_config wrong project-svc "$WRONG_PASSWORD")
PROJECT=$(client_config project project-svc "$DEEPLOY_KAFKA_PASSWORD_PROJECT_SVC")
SCHEDULER=$(client_config scheduler scheduler-svc "$DEEPLOY_KAFKA_PASSWORD_SCHEDULER_SVC")
ESCROW=$(client_config escrow escrow-svc "$DEEPLOY_KAFKA_PASSWORD_ESCROW_SVC")
TUNNEL=$(client_config tunnel tunnel-svc "$DEEPLOY_KAFKA_PASSWORD_TUNNEL_SVC")

echo "test-auth: instance $DEEPLOY_INSTANCE, Kafka $KAFKA (controller $CONTROLLER), PostgreSQL 127.0.0.1:$DEEPLOY_PG_PORT"

# (a) No credentials: nothing answers a plaintext client on the client port.
if list_topics "$NONE" "$TMP/a1"; then
  failed "(a) no credentials: listed the topics: $(tr '\n' ' ' <"$TMP/a1" | cut -c1-80)"
else
  ok "(a) no credentials: topic listing refused ($(reason "$TMP/a1"))"
fi
if produce "$NONE" deeploy.dead-letter "$RUN_ID-anonymous" "$TMP/a2"; then
  failed "(a) no credentials: produced to deeploy.dead-letter"
else
  ok "(a) no credentials: producing to deeploy.dead-letter refused ($(reason "$TMP/a2"))"
fi

# (b) A service's name with a wrong password; the right password works (positive control).
if list_topics "$WRONG" "$TMP/b1"; then
  failed "(b) project-svc with a wrong password: listed the topics"
elif grep -q 'SaslAuthenticationException' "$TMP/b1"; then
  ok "(b) project-svc with a wrong password: authentication refused ($(reason "$TMP/b1"))"
else
  failed "(b) project-svc with a wrong password: failed, but not as an authentication failure ($(reason "$TMP/b1"))"
fi
if list_topics "$PROJECT" "$TMP/b2" && grep -qx deeploy.job-commands "$TMP/b2"; then
  ok "(b) project-svc with its password: authenticated (lists $(grep -c . "$TMP/b2") topics it may describe)"
else
  failed "(b) project-svc with its password: refused ($(reason "$TMP/b2"))"
fi

# (c) tunnel-svc writes only its own topic.
if produce "$TUNNEL" deeploy.job-events "$RUN_ID-tunnel" "$TMP/c1"; then
  failed "(c) tunnel-svc produced to deeploy.job-events (scheduler-svc's topic)"
elif grep -q 'TopicAuthorizationException' "$TMP/c1"; then
  ok "(c) tunnel-svc producing to deeploy.job-events refused (TopicAuthorizationException)"
else
  failed "(c) tunnel-svc producing to deeploy.job-events failed, but not as an authorization failure ($(reason "$TMP/c1"))"
fi
if produce "$TUNNEL" deeploy.route-events "$(marker route)" "$TMP/c2"; then
  ok "(c) tunnel-svc produced to deeploy.route-events (its own topic, idempotent producer)"
else
  failed "(c) tunnel-svc producing to deeploy.route-events refused ($(reason "$TMP/c2"))"
fi

# (d) project-svc does not consume deeploy.oracle-events (scheduler-svc writes it, escrow-svc reads it). The group
# starts with project-svc, which it may use: the refusal is the topic's.
if produce "$SCHEDULER" deeploy.oracle-events "$(marker oracle)" "$TMP/d0"; then
  consume "$PROJECT" project-svc-test-auth deeploy.oracle-events "$TMP/d1" "$TMP/d1.err"
  if [[ -s $TMP/d1 ]]; then
    failed "(d) project-svc read $(grep -c . "$TMP/d1") records of deeploy.oracle-events"
  elif grep -q 'TopicAuthorizationException' "$TMP/d1.err"; then
    ok "(d) project-svc reading deeploy.oracle-events refused (TopicAuthorizationException)"
  else
    failed "(d) project-svc read nothing from deeploy.oracle-events, but was not refused ($(reason "$TMP/d1.err"))"
  fi
  consume "$ESCROW" escrow-svc-test-auth deeploy.oracle-events "$TMP/d2" "$TMP/d2.err"
  if grep -qxF "$(marker oracle)" "$TMP/d2"; then
    ok "(d) escrow-svc read deeploy.oracle-events (its consumer), scheduler-svc wrote it (its producer)"
  else
    failed "(d) escrow-svc did not read the record scheduler-svc wrote to deeploy.oracle-events ($(reason "$TMP/d2.err"))"
  fi
else
  failed "(d) scheduler-svc could not produce to deeploy.oracle-events, its own topic ($(reason "$TMP/d0"))"
fi

# --- PostgreSQL ---------------------------------------------------------------------------------------------------

# pg ROLE DB PASSWORD OUT [SQL]: a TCP connection as ROLE to DB (no password if PASSWORD is empty; -w: never prompt).
pg() {
  local role=$1 db=$2 pw=$3 out=$4 sql=${5:-SELECT 1}
  if [[ -n $pw ]]; then
    PGPASSWORD=$pw PGPASSFILE=/dev/null PGCONNECT_TIMEOUT=5 "$PSQL" -X -w -v ON_ERROR_STOP=1 \
      "host=127.0.0.1 port=$DEEPLOY_PG_PORT user=$role dbname=$db" -c "$sql" >"$out" 2>&1
  else
    env -u PGPASSWORD PGPASSFILE=/dev/null PGCONNECT_TIMEOUT=5 "$PSQL" -X -w -v ON_ERROR_STOP=1 \
      "host=127.0.0.1 port=$DEEPLOY_PG_PORT user=$role dbname=$db" -c "$sql" >"$out" 2>&1
  fi
}

# (e) A service's role, with its own valid password, in another service's database, and in the maintenance database.
if pg scheduler_svc project "$DEEPLOY_PG_PASSWORD_SCHEDULER_SVC" "$TMP/e1"; then
  failed "(e) scheduler_svc connected to database project"
else
  ok "(e) scheduler_svc to database project refused ($(reason "$TMP/e1"))"
fi
if pg project_svc postgres "$DEEPLOY_PG_PASSWORD_PROJECT_SVC" "$TMP/e2"; then
  failed "(e) project_svc connected to database postgres"
else
  ok "(e) project_svc to database postgres refused ($(reason "$TMP/e2"))"
fi

# (f) No password, a wrong password, and the old shared role.
if pg project_svc project "" "$TMP/f1"; then
  failed "(f) project_svc without a password connected to database project"
else
  ok "(f) project_svc without a password refused ($(reason "$TMP/f1"))"
fi
if pg project_svc project "$WRONG_PASSWORD" "$TMP/f2"; then
  failed "(f) project_svc with a wrong password connected to database project"
else
  ok "(f) project_svc with a wrong password refused ($(reason "$TMP/f2"))"
fi
if pg deeploy project "${DEEPLOY_PG_PASSWORD:-$WRONG_PASSWORD}" "$TMP/f3"; then
  failed "(f) the old shared role deeploy connected to database project"
else
  ok "(f) the old shared role deeploy refused ($(reason "$TMP/f3"))"
fi

# (g) Positive control: project_svc into its database, where it can do what Flyway does at start.
if pg project_svc project "$DEEPLOY_PG_PASSWORD_PROJECT_SVC" "$TMP/g1" \
  'CREATE TABLE public.test_auth_probe (id int); DROP TABLE public.test_auth_probe'; then
  ok "(g) project_svc to database project allowed, creates and drops a table in schema public"
else
  failed "(g) project_svc to database project refused ($(reason "$TMP/g1"))"
fi

# --- Kafka again ---------------------------------------------------------------------------------------------

# (h) The KRaft controller listener takes no anonymous client either (through it ACLs could be changed).
if kafka_tool org.apache.kafka.tools.AclCommand --bootstrap-controller "$CONTROLLER" --command-config "$NONE" \
  --list >"$TMP/h1" 2>&1; then
  failed "(h) no credentials: listed the ACLs through the controller listener $CONTROLLER"
else
  ok "(h) no credentials: controller listener refused ($(reason "$TMP/h1"))"
fi

if ((FAILED)); then
  echo "test-auth: FAILED (a protection did not hold, or a positive control did not pass)"
  exit 1
fi
echo "test-auth: all checks passed"

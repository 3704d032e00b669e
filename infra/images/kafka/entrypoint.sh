#!/bin/bash
# Writes a single-node KRaft config for the given ports, formats the storage on first start only
# (a stopped-and-started container keeps its data), then execs the broker as PID 1.
set -euo pipefail

port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
host="${KAFKA_HOST:-127.0.0.1}"
home=/var/lib/kafka
mkdir -p "$home/data"

cat >"$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$host:$cport
listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$cport
advertised.listeners=PLAINTEXT://$host:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$home/data
auto.create.topics.enable=true
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS

cp=(-cp '/opt/kafka/libs/*' -Dlog4j2.configurationFile=/opt/kafka/log4j2.xml)

if [[ ! -f $home/data/meta.properties ]]; then
  # Cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'.
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && break
  done
  java -Xmx256m -XX:TieredStopAtLevel=1 "${cp[@]}" kafka.tools.StorageTool format -t "$id" -c "$home/server.properties"
fi

# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
exec java ${KAFKA_HEAP_OPTS:--Xmx512m} "${cp[@]}" kafka.Kafka "$home/server.properties"

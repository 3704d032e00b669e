#!/bin/bash
# Plays cloudflared's quick tunnel (`tunnel ... --url http://127.0.0.1:<port>`): announces a trycloudflare.com URL as
# cloudflared does, then does what an owner who reconfigured the tunnel remotely could make the engine do: connect to
# its origin (the app: must work) and to a service on the node's loopback (must not). bash's /dev/tcp only: the image
# has no curl. The node's service listens on a fixed port that TunnelIT opens (a real attacker would scan).
NODE_PORT=18471

trap 'exit 0' TERM INT

origin=
while [ $# -gt 0 ]; do
    if [ "$1" = "--url" ] && [ $# -gt 1 ]; then
        origin=$2
        shift
    fi
    shift
done
if [ -z "$origin" ]; then
    echo "$(date -u +%FT%TZ) ERR standin: no --url given"
    exit 2
fi
hostport=${origin#http://}
hostport=${hostport%%/*}

now() { date -u +%FT%TZ; }
echo "$(now) INF Requesting new quick Tunnel on trycloudflare.com..."
echo "$(now) INF +--------------------------------------------------------------------------------------------+"
echo "$(now) INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |"
echo "$(now) INF |  https://standin-${RANDOM}${RANDOM}.trycloudflare.com                                        |"
echo "$(now) INF +--------------------------------------------------------------------------------------------+"

# Whether an HTTP server answers at $1:$2 (a GET, so that a server that is reached also counts the request).
reaches() {
    timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
        read -r status <&3
        [[ $status == HTTP/* ]]' "$1" "$2" 2>/dev/null
}

# The default route's gateway (the node's address on the job's bridge), from /proc/net/route (hex, little-endian).
gateway() {
    local iface destination via rest
    while read -r iface destination via rest; do
        if [ "$destination" = "00000000" ] && [ ${#via} -eq 8 ]; then
            printf '%d.%d.%d.%d\n' "0x${via:6:2}" "0x${via:4:2}" "0x${via:2:2}" "0x${via:0:2}"
            return
        fi
    done < /proc/net/route
}

result=fail
for attempt in 1 2 3; do
    if reaches "${hostport%:*}" "${hostport##*:}"; then
        result=ok
        break
    fi
    sleep 1
done
echo "probe origin $result"

result=fail
for target in 127.0.0.1 $(gateway); do
    if reaches "$target" "$NODE_PORT"; then
        echo "probe detail $target:$NODE_PORT answered"
        result=ok
    else
        echo "probe detail $target:$NODE_PORT unreachable"
    fi
done
echo "probe node $result"

if [ -e /var/run/docker.sock ] || [ -e /run/docker.sock ]; then
    echo "probe socket present"
else
    echo "probe socket absent"
fi

sleep infinity &
wait $!

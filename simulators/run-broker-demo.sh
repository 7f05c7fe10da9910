#!/usr/bin/env bash
# The coordinator on a real broker: a private mosquitto on a free loopback port, lane-coordinator
# on the default site, and lane-sim's trucks and yard system against it, at ten times real time.
# Prints the simulator's progress and a summary per lane; Ctrl-C stops everything and leaves no
# process behind. Extra arguments go to `lane-sim broker` (e.g. --trucks 30 --minutes 60).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/install-packages.sh
install_packages pkg-config libjson-c-dev libmosquitto-dev libsqlite3-dev mosquitto
swift build -c release --product lane-coordinator >/dev/null
swift build -c release --product lane-sim >/dev/null

trucks=20
scale=10
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "set_tcp_nodelay true"
    echo "persistence false"
    [ "$(id -u)" -eq 0 ] && echo "user root"
} >"$work/mosquitto.conf"
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
"$mosquitto_bin" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

origin=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
fleet=$(seq -f "T%03g" 1 "$trucks" | paste -sd, -)
cat >"$work/coordinator.yaml" <<CONFIG
siteId: huu-nghi
site: $PWD/simulators/sites/huu-nghi-1119-1120.yaml
fleet: [$fleet]
broker: {host: 127.0.0.1, port: $port}
timeScale: $scale
clockOrigin: "$origin"
tickInterval: 0.02
journal: $work/journal.sqlite
CONFIG
.build/release/lane-coordinator --config "$work/coordinator.yaml" --log-level warning 2>"$work/coordinator.log" &
pids+=($!)
sleep 1
echo "broker on port $port, coordinator log in $work/coordinator.log"
.build/release/lane-sim broker --port "$port" --trucks "$trucks" --time-scale "$scale" --clock-origin "$origin" --minutes 30 "$@"

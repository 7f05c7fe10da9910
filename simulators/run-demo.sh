#!/usr/bin/env bash
# The main job: a private mosquitto on a free loopback port, lane-coordinator on the default site
# (road 1119-1120, Hữu Nghị) and lane-sim's trucks and yard system against it over MQTT, with the
# 2030-target scenario, at ten times real time. A live view while it runs (on a terminal), then
# the throughput against the bottleneck and the target, and the auditor's verdict on the trucks'
# true positions. Ctrl-C stops everything and leaves no process behind.
# Installs the Debian packages it needs if missing (Swift 6 must be there). Extra arguments go to
# `lane-sim broker` (e.g. --minutes 60, --trucks 30, --no-view; try --help).
# Environment: SCENARIO (a file in simulators/scenarios), SCALE (site seconds per real second).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/install-packages.sh
install_packages pkg-config libjson-c-dev libmosquitto-dev libsqlite3-dev libpq-dev mosquitto python3
echo "building lane-coordinator and lane-sim (the first build takes a few minutes)..."
# Build progress and errors are shown; the dependencies' own warnings are not. A failed build
# fails the pipeline (pipefail) and so the script.
progress() { grep --line-buffered -E "^\[[0-9]+/[0-9]+\] (Compiling|Linking)|error:|^Build" || true; }
swift build -c release --product lane-coordinator 2>&1 | progress
swift build -c release --product lane-sim 2>&1 | progress

scenario=${SCENARIO:-simulators/scenarios/huu-nghi-2030.yaml}
scale=${SCALE:-10}
# The fleet the coordinator lists: the scenario's size, or --trucks N.
trucks=$(awk '/^fleet:/ {f = 1} f && /^  size:/ {print $2; exit}' "$scenario")
args=("$@")
for i in "${!args[@]}"; do [ "${args[$i]}" = "--trucks" ] && trucks=${args[$((i + 1))]}; done
site=$(awk '/^site:/ {print $2; exit}' "$scenario")
site=$(cd "$(dirname "$scenario")" && realpath "$site")

source simulators/private-broker.sh
port=$(free_port)
start_broker "$work" "$port" 10000

origin=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
fleet=$(seq -f "T%03g" 1 "$trucks" | paste -sd, -)
cat >"$work/coordinator.yaml" <<CONFIG
siteId: huu-nghi
site: $site
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
echo "broker on port $port; coordinator log: $work/coordinator.log (removed at the end)"
.build/release/lane-sim broker --scenario "$scenario" --port "$port" --trucks "$trucks" --time-scale "$scale" \
    --clock-origin "$origin" "$@"

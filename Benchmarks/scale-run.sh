#!/usr/bin/env bash
# Scale run: the simulator drives N trucks reporting at 5 Hz in real time against lane-coordinator
# over a private mosquitto, all three on this machine. Measures each process's CPU share over a
# steady window and the coordinator's grant latency and state age (from its /metrics), first
# for a small baseline fleet, then for the large one, in the same run.
# Usage: bash Benchmarks/scale-run.sh [TRUCKS] [MINUTES] [BASELINE_TRUCKS]   (defaults 1000 6 20)
# PER_PROCESS (default 125): trucks per simulator process.
set -euo pipefail
cd "$(dirname "$0")/.."
trucks=${1:-1000}
minutes=${2:-6}
baseline=${3:-20}
source .ci/install-packages.sh
install_packages pkg-config libjson-c-dev libmosquitto-dev libsqlite3-dev libpq-dev mosquitto python3 curl
swift build -c release --product lane-coordinator >/dev/null
swift build -c release --product lane-sim >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source simulators/private-broker.sh
# The metrics and the summaries of both runs are kept here.
keep=${SCALE_OUT:-.build/scale-run}
mkdir -p "$keep"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sim_ticks() { local sum=0 pid; for pid in "$@"; do sum=$((sum + $(cpu_ticks "$pid"))); done; echo "$sum"; }
per_process=${PER_PROCESS:-125}

# One run: prints "name trucks cpu_mosquitto cpu_coordinator cpu_sim grant_p50 grant_p99 age_p50 age_p99 states"
run() {
    local n=$1 label=$2
    local port http
    port=$(free_port)
    http=$(free_port)
    local dir="$work/$label"
    mkdir -p "$dir"
    start_broker "$dir" "$port" 100000
    local broker=$broker_pid
    local origin
    origin=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
    cat >"$dir/coordinator.yaml" <<CONFIG
siteId: huu-nghi
site: $PWD/simulators/sites/huu-nghi-1119-1120.yaml
fleet: [$(seq -f "T%03g" 1 "$n" | paste -sd, -)]
broker: {host: 127.0.0.1, port: $port}
timeScale: 1
clockOrigin: "$origin"
tickInterval: 0.1
journal: $dir/journal.sqlite
http: {host: 127.0.0.1, port: $http}
CONFIG
    .build/release/lane-coordinator --config "$dir/coordinator.yaml" --log-level error 2>"$dir/coordinator.log" &
    local coordinator=$!
    pids+=("$coordinator")
    sleep 1
    # libmosquitto's network loop watches its sockets with select(), which cannot go past
    # descriptor 1024: one process holds about 150 trucks. The fleet is shared among processes of
    # at most $per_process trucks; they sample their traces at the same site instants, and the
    # auditor checks the traces together. Trucks join over the first 20 s; the window is measured
    # after a minute.
    local sims=() traces=() first=1
    while ((first <= n)); do
        local count=$((n - first + 1 < per_process ? n - first + 1 : per_process))
        .build/release/lane-sim broker --port "$port" --trucks "$count" --first-truck "$first" --time-scale 1 --clock-origin "$origin" \
            --minutes "$minutes" --state-interval 0.2 --step-interval 0.1 --join-interval "$(python3 -c "print(20 / $count)")" --no-view \
            --trace "$dir/trace-$first.jsonl" >"$dir/sim-$first.log" 2>&1 &
        sims+=("$!")
        pids+=("$!")
        traces+=("$dir/trace-$first.jsonl")
        first=$((first + count))
    done
    sleep 60
    local b0 c0 s0 t0 b1 c1 s1 t1 window=$((minutes * 60 - 90))
    b0=$(cpu_ticks "$broker"); c0=$(cpu_ticks "$coordinator"); s0=$(sim_ticks "${sims[@]}"); t0=$(date +%s.%N)
    local before
    before=$(curl -s "http://127.0.0.1:$http/metrics")
    sleep "$window"
    b1=$(cpu_ticks "$broker"); c1=$(cpu_ticks "$coordinator"); s1=$(sim_ticks "${sims[@]}"); t1=$(date +%s.%N)
    local after
    after=$(curl -s "http://127.0.0.1:$http/metrics")
    echo "$after" >"$keep/metrics-$label.txt"
    local failed=0
    for sim in "${sims[@]}"; do wait "$sim" || failed=$((failed + 1)); done
    python3 Benchmarks/scale_figures.py "$label" "$n" "$b0" "$b1" "$c0" "$c1" "$s0" "$s1" "$t0" "$t1" \
        <(echo "$before") <(echo "$after")
    echo "    ${#sims[@]} simulator processes, $failed exited with an error"
    cat "$dir"/sim-*.log >"$keep/sim-$label.log"
    grep -h "trips finished" "$dir"/sim-*.log | awk '{for (i = 1; i <= NF; i++) if ($i == "finished,") s += $(i - 2)} END {print "    trips finished: " s}'
    grep -c "exceeded timeout" "$dir/mosquitto.log" 2>/dev/null | sed 's/^/    broker disconnections for a missed keep-alive: /' || true
    .build/release/lane-sim audit --site simulators/sites/huu-nghi-1119-1120.yaml "${traces[@]}" | sed 's/^/    /'
    kill "$coordinator" "$broker" 2>/dev/null || true
    wait "$coordinator" "$broker" 2>/dev/null || true
}

echo "scale run: $trucks trucks at 5 Hz in real time for $minutes minutes, after a baseline of $baseline trucks ($(nproc) cores)"
run "$baseline" baseline
run "$trucks" scale

# Sourced by the scripts that run the coordinator and the simulator on a private broker
# (simulators/run-demo.sh, Benchmarks/scale-run.sh): a work folder, child processes killed at
# exit or Ctrl-C, free loopback ports, and a private mosquitto.
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_broker FOLDER PORT QUEUED: a mosquitto on 127.0.0.1:PORT (QUEUED messages queued per
# client), its configuration and log in FOLDER; sets broker_pid and waits until it listens.
start_broker() {
    local folder=$1 port=$2 queued=$3
    {
        echo "listener $port 127.0.0.1"
        echo "allow_anonymous true"
        echo "set_tcp_nodelay true"
        echo "persistence false"
        echo "max_queued_messages $queued"
        [ "$(id -u)" -eq 0 ] && echo "user root"
    } >"$folder/mosquitto.conf"
    "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$folder/mosquitto.conf" >"$folder/mosquitto.log" 2>&1 &
    broker_pid=$!
    pids+=("$broker_pid")
    for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
}

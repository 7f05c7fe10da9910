# Sourced by Tests/run.sh and the simulators' scripts:
#   install_packages PKG...   installs the Debian packages not yet installed (as root or with sudo),
#                             then checks that Swift 6 is there (it cannot be installed from here).
install_packages() {
    local missing=() p sudo=""
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if ((${#missing[@]})); then
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "installing: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
    fi
    if ! command -v swift >/dev/null; then
        echo "Swift 6 is required: install it from https://www.swift.org/install/linux/ and run this again." >&2
        exit 1
    fi
}

# What the test suite needs (Tests/run.sh): json-c for the wire codec, libmosquitto for
# the MQTT client, the mosquitto broker the tests start, openssl for the TLS tests' certificates,
# libpq and the PostgreSQL server the tests start, SPIN and gcc for the failover model.
suite_packages=(git pkg-config libjson-c-dev libmosquitto-dev mosquitto mosquitto-clients openssl libsqlite3-dev spin gcc postgresql libpq-dev)

# The conformance checks' Python packages: jsonschema, jsonschema-rs and PyYAML.
install_python_packages() {
    python3 -c "import jsonschema, jsonschema_rs, yaml" 2>/dev/null || python3 -m pip install --quiet jsonschema jsonschema-rs pyyaml
}

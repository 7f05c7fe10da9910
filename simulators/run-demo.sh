#!/usr/bin/env bash
# The main job: a fast in-process run of the default site (road 1119-1120, Hữu Nghị) through
# the scheduler core, with kinematic trucks, the independent safety checker after every step,
# a progress view and a summary against the scanners' capacity and a naive fixed-block baseline.
# Installs the Debian packages it needs if missing (Swift 6 must be there); extra arguments go to `lane-sim fast` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
# The package links json-c, libmosquitto and SQLite.
source .ci/install-packages.sh
install_packages pkg-config libjson-c-dev libmosquitto-dev libsqlite3-dev
swift build -c release --product lane-sim >/dev/null
exec .build/release/lane-sim fast --hours 6 --fleet 60 --baseline --progress "$@"

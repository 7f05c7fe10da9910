#!/usr/bin/env bash
# Checks the failover model (Tests/model/failover.pml) with SPIN, exhaustively:
#  - safety: never two trucks in the segment, never a grant obeyed that is not in the journal
#    (two lease losses: kills and pauses past the lease, in any order);
#  - liveness: every truck eventually passes the segment (weak fairness, one lease loss);
#  - the two broken variants, writes without fencing (-DNOFENCE) and trucks that obey any epoch
#    (-DNOEPOCHCHECK), must each let two trucks in or a grant through that the journal does not
#    hold (an assertion; their deadlocks, -E, are not counted): a model that cannot fail proves nothing.
# Prints one result line; exits non-zero on any other outcome.
set -euo pipefail
model="$(cd "$(dirname "$0")" && pwd)/failover.pml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# verify NAME SPIN_FLAGS CC_FLAGS PAN_FLAGS: runs one verification, leaves its report in NAME.txt.
verify() {
    spin $2 -a "$model" >/dev/null
    gcc -w -O2 $3 -o "pan-$1" pan.c
    "./pan-$1" $4 >"$1.txt" 2>&1 || true
}
errors() { grep -oE "errors: [0-9]+" "$1.txt" | grep -oE "[0-9]+" || echo "?"; }
states() { grep -oE "^ *[0-9]+ states, stored" "$1.txt" | grep -oE "[0-9]+" || echo "?"; }

verify safety "" "-DSAFETY -DNOCLAIM -DCOLLAPSE" "-m1000000"
verify liveness "-DMAXFAULTS=1" "-DNFAIR=3 -DCOLLAPSE" "-a -f -m1000000 -N everyTruckMoves"
verify nofence "-DNOFENCE" "-DSAFETY -DNOCLAIM" "-m1000000 -E"
verify noepochcheck "-DNOEPOCHCHECK" "-DSAFETY -DNOCLAIM" "-m1000000 -E"

failed=0
for run in safety liveness; do
    if [ "$(errors $run)" != 0 ] || grep -q "out of memory\|max search depth too small" "$run.txt"; then
        echo "failover model, $run: the property does not hold" >&2
        grep -E "violated|acceptance cycle|errors:|out of memory|depth too small" "$run.txt" >&2 || true
        failed=1
    fi
done
for run in nofence noepochcheck; do
    if [ "$(errors $run)" = 0 ] || ! grep -q "assertion violated" "$run.txt"; then
        echo "failover model, variant $run: no violation found, but it must be unsafe" >&2
        failed=1
    fi
done
[ "$failed" -eq 0 ] || exit 1
printf 'failover model: safety holds over %s states, liveness over %s; without fencing: %s; without the trucks'"'"' epoch check: %s\n' \
    "$(states safety)" "$(states liveness)" \
    "$(grep -oE "assertion violated \([^)]*\)" nofence.txt | head -1)" \
    "$(grep -oE "assertion violated \([^)]*\)" noepochcheck.txt | head -1)"

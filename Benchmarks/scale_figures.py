"""Figures of one scale run: CPU shares from /proc tick counts, and latency quantiles from the
coordinator's Prometheus histograms (difference between two scrapes, so only the window counts)."""
import os
import re
import sys

label, trucks = sys.argv[1], int(sys.argv[2])
b0, b1, c0, c1, s0, s1 = (int(x) for x in sys.argv[3:9])
t0, t1 = float(sys.argv[9]), float(sys.argv[10])
before, after = open(sys.argv[11]).read(), open(sys.argv[12]).read()
hz = os.sysconf("SC_CLK_TCK")
wall = t1 - t0


def share(a, b):
    return 100.0 * (b - a) / hz / wall


def buckets(text, name):
    out = {}
    for m in re.finditer(name + r'_bucket\{le="([^"]+)"\} ([0-9.e+]+)', text):
        out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return out


def count(text, name):
    m = re.search(name + r"_count(?:\{\})? ([0-9.e+]+)", text)
    return float(m.group(1)) if m else 0.0


def quantile(name, q):
    b, a = buckets(before, name), buckets(after, name)
    bounds = sorted(a)
    diff = [(le, a[le] - b.get(le, 0.0)) for le in bounds]
    total = diff[-1][1] if diff else 0
    if total <= 0:
        return float("nan")
    for le, cumulative in diff:
        if cumulative >= q * total:
            return le
    return float("inf")


states = count(after, "lane_states_accepted_total") - count(before, "lane_states_accepted_total")
if states == 0:
    m1 = re.search(r"lane_states_accepted_total(?:\{\})? ([0-9.e+]+)", after)
    m0 = re.search(r"lane_states_accepted_total(?:\{\})? ([0-9.e+]+)", before)
    states = (float(m1.group(1)) if m1 else 0) - (float(m0.group(1)) if m0 else 0)
print(
    f"  {label}: {trucks} trucks, {wall:.0f} s window: CPU mosquitto {share(b0, b1):.0f}%, "
    f"lane-coordinator {share(c0, c1):.0f}%, lane-sim {share(s0, s1):.0f}% (of one core); "
    f"states accepted {states / wall:.0f}/s; grant latency p50 ≤ {quantile('lane_grant_latency_seconds', 0.5) * 1000:g} ms, "
    f"p99 ≤ {quantile('lane_grant_latency_seconds', 0.99) * 1000:g} ms; state age at acceptance p50 ≤ "
    f"{quantile('lane_state_age_seconds', 0.5) * 1000:g} ms, p99 ≤ {quantile('lane_state_age_seconds', 0.99) * 1000:g} ms"
)

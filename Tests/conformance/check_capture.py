#!/usr/bin/env python3
"""Checks every message captured on the test brokers (Sources/LaneTestKit/BrokerCapture.swift)
against the contract: protocols/asyncapi.yaml for the topic, its QoS, retain flag and message
expiry, the official VDA 5050 3.0 JSON Schemas for the VDA 5050 topics, protocols/schemas for the
coordinator's own topics.

Usage: check_capture.py VDA5050_SCHEMA_DIR CAPTURE_DIR
       check_capture.py --self-test VDA5050_SCHEMA_DIR   (the checker finds each kind of fault)

A message on a topic the document does not declare fails; so does one whose QoS, retain flag or
expiry differs from the document's binding (the expiry of what the coordinator receives is
checked only where one is declared), or whose payload its schema rejects. Messages a test
published as bad input on purpose (user property lane-test=bad-input) are counted, not checked.
An empty retained payload (a retained state cleared) is allowed on retained channels. Prints a
count per channel and the first problems; exits non-zero on any problem or if nothing was captured.
"""
import collections
import json
import multiprocessing
import os
import re
import sys

import jsonschema
import jsonschema_rs
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "protocols")
BAD_INPUT = "lane-test:bad-input"


def contract():
    """The channels of asyncapi.yaml: name -> (address regex, binding, schema reference)."""
    with open(os.path.join(ROOT, "asyncapi.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    messages = doc["components"]["messages"]
    bindings = {}
    for name, op in doc["operations"].items():
        channel = op["channel"]["$ref"].split("/")[-1]
        if channel in bindings:
            raise SystemExit(f"asyncapi.yaml: channel {channel} has two operations ({name})")
        bindings[channel] = dict(op.get("bindings", {}).get("mqtt", {}), action=op["action"])
    channels = {}
    for name, channel in doc["channels"].items():
        if name not in bindings:
            raise SystemExit(f"asyncapi.yaml: channel {name} has no operation with its MQTT binding")
        pattern = "^" + re.sub(r"\\\{[A-Za-z]+\\\}", "[^/]+", re.escape(channel["address"])) + "$"
        (message,) = channel["messages"].values()
        ref = messages[message["$ref"].split("/")[-1]]["payload"]["$ref"]
        channels[name] = (re.compile(pattern), bindings[name], ref)
    return doc, channels


def validator(ref, schema_dir, cache):
    """The validator of a payload reference: the official schema for a VDA 5050 URL (by its file
    name, from SCHEMA_DIR), else the local file. The schema is checked by the reference validator
    (python-jsonschema, as validate.py); the hundreds of thousands of captured messages are
    validated by jsonschema-rs, the same JSON Schema 2020-12 compiled, about ten times faster,
    with formats (date-time) checked too."""
    if ref not in cache:
        path = os.path.join(ROOT, ref[2:]) if ref.startswith("./") else os.path.join(schema_dir, ref.split("/")[-1])
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.validators.validator_for(schema).check_schema(schema)
        cache[ref] = jsonschema_rs.validator_for(schema, validate_formats=True)
    return cache[ref]


CHUNK = 20_000


def check_file(args):
    """Checks lines first..last-1 (all by default) of one capture file."""
    path, schema_dir = args[0], args[1]
    first, last = (args[2], args[3]) if len(args) == 4 else (0, float("inf"))
    doc, channels = contract()
    version = doc["info"]["version"]
    cache = {}
    counts, bad_input, problems = collections.Counter(), 0, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not first < number <= last:
                continue
            line = line.rstrip("\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != 7:
                problems.append(f"{os.path.basename(path)}:{number}: not a capture line: {line[:120]}")
                continue
            topic, qos, retain, expiry, _content_type, user, payload_hex = fields
            if BAD_INPUT in user:
                bad_input += 1
                continue
            name = next((n for n, (pattern, _, _) in channels.items() if pattern.match(topic)), None)
            if name is None:
                problems.append(f"{topic}: no channel of asyncapi.yaml declares this topic")
                continue
            counts[name] += 1
            _, binding, ref = channels[name]
            declared_retain = bool(binding.get("retain", False))
            if int(qos) != binding["qos"]:
                problems.append(f"{topic}: QoS {qos}, asyncapi.yaml says {binding['qos']} for {name}")
            if (retain == "1") != declared_retain:
                problems.append(f"{topic}: retain {retain}, asyncapi.yaml says {int(declared_retain)} for {name}")
            # What the coordinator sends carries exactly the declared expiry (or none); what it
            # receives is checked only where the document declares one.
            declared_expiry = binding.get("messageExpiryInterval")
            seen_expiry = int(expiry) if expiry else None
            if seen_expiry != declared_expiry and (binding["action"] == "send" or declared_expiry is not None):
                problems.append(f"{topic}: message expiry {seen_expiry}, asyncapi.yaml says {declared_expiry} for {name}")
            payload = bytes.fromhex(payload_hex)
            if not payload:
                if not (declared_retain and retain == "1"):
                    problems.append(f"{topic}: empty payload on {name} (only a retained state may be cleared)")
                continue
            try:
                message = json.loads(payload)
            except ValueError as error:
                problems.append(f"{topic}: not JSON: {error}")
                continue
            schema = validator(ref, schema_dir, cache)
            if not schema.is_valid(message):
                error = min(schema.iter_errors(message), key=lambda e: list(map(str, e.instance_path)))
                where = "/".join(str(p) for p in error.instance_path) or "(root)"
                problems.append(f"{topic}: {where}: {error.message}")
            if name == "coordinatorStatus" and "version" in message and message["version"] != version:
                problems.append(f"{topic}: version {message['version']}, asyncapi.yaml info.version is {version}")
    return counts, bad_input, problems


def self_test(schema_dir):
    """The checker finds what it must: a capture of one good message and one of each kind of
    fault (a schema violation, a kind outside the vocabulary, a wrong retain flag, a wrong
    expiry, an undeclared topic), and a deliberately bad input that is left out."""
    import tempfile

    def line(topic, qos, retain, expiry, payload, user=""):
        fields = [topic, str(qos), str(retain), "" if expiry is None else str(expiry), "", user, json.dumps(payload).encode().hex()]
        return "\t".join(fields)

    header = {"headerId": 1, "timestamp": "2026-12-03T08:00:00.000Z"}
    stop = dict(header, version="3.0.0", manufacturer="m", serialNumber="T1", actions=[
        {"actionType": "stopPause", "actionId": "a", "blockingType": "NONE"}])
    hard = dict(stop, actions=[dict(stop["actions"][0], blockingType="HARD")])
    trip = dict(header, siteId="s", tripId="t", truck="T1", state="running")
    lines = [
        line("lanes/v3/m/T1/instantActions", 1, 0, 2, stop),
        line("lanes/v3/m/T1/instantActions", 1, 0, 2, hard),
        line("lanes/coordinator/events", 1, 0, None, dict(header, siteId="s", kind="operator-hold-truck")),
        line("lanes/coordinator/trips/t", 1, 0, None, trip),
        line("lanes/v3/m/T1/instantActions", 1, 0, 5, stop),
        line("lanes/elsewhere", 0, 0, None, {}),
        line("lanes/v3/m/T1/state", 1, 0, None, {"not": "a state"}, BAD_INPUT),
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "self-test.capture")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        counts, bad_input, problems = check_file((path, schema_dir))
    expected = ["blockingType", "operator-hold-truck", "retain 0", "message expiry 5", "no channel"]
    missing = [e for e in expected if not any(e in p for p in problems)]
    if missing or len(problems) != len(expected) or bad_input != 1 or sum(counts.values()) != 5:
        print(f"check_capture.py self-test failed: missing {missing}, problems {problems}, bad inputs {bad_input}, counts {counts}")
        return 1
    print(f"check_capture.py self-test: the {len(expected)} faults of the test capture found, its good message passed")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        return self_test(sys.argv[2])
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    schema_dir, folder = sys.argv[1], sys.argv[2]
    files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".capture")) if os.path.isdir(folder) else []
    counts, bad_input, problems = collections.Counter(), 0, []
    # Large captures are cut into chunks of lines, so that both cores stay busy to the end.
    tasks = []
    for f in files:
        with open(f, "rb") as capture:
            lines = sum(1 for _ in capture)
        tasks += [(f, schema_dir, start, start + CHUNK) for start in range(0, max(lines, 1), CHUNK)]
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        for c, b, p in pool.imap_unordered(check_file, tasks):
            counts.update(c)
            bad_input += b
            problems += p
    total = sum(counts.values())
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"  {name:20} {count:>10,}")
    # The same problem on many messages is shown once, with its count.
    distinct = collections.Counter(re.sub(r"/v3/[^/]+/[^/]+/", "/v3/*/*/", p) for p in problems)
    for problem, count in list(distinct.items())[:40]:
        print(f"  {problem}" + (f"  ({count:,} messages)" if count > 1 else ""))
    verdict = "all valid" if not problems else f"{len(problems):,} problems"
    print(
        f"{total:,} messages captured on {len(files)} test brokers, checked against protocols/asyncapi.yaml and the schemas: "
        f"{verdict} ({bad_input:,} deliberately bad inputs of the tests left out)"
    )
    return 1 if problems or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

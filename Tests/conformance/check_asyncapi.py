#!/usr/bin/env python3
"""Checks protocols/asyncapi.yaml: AsyncAPI 3.0, every operation's channel exists, every
channel's messages are defined, every local payload schema exists and is a valid JSON Schema,
and every coordinator topic is covered by a golden example."""
import json
import os
import sys

import jsonschema
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "protocols")


def main():
    with open(os.path.join(ROOT, "asyncapi.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    problems = []
    if doc.get("asyncapi") != "3.0.0":
        problems.append("not an AsyncAPI 3.0.0 document")
    channels, messages = doc.get("channels", {}), doc.get("components", {}).get("messages", {})
    for name, op in doc.get("operations", {}).items():
        if op.get("action") not in ("send", "receive"):
            problems.append(f"operation {name}: action must be send or receive")
        if op["channel"]["$ref"].split("/")[-1] not in channels:
            problems.append(f"operation {name}: unknown channel")
        if "qos" not in op.get("bindings", {}).get("mqtt", {}):
            problems.append(f"operation {name}: no MQTT QoS")
    for name, channel in channels.items():
        for message in channel.get("messages", {}).values():
            if message["$ref"].split("/")[-1] not in messages:
                problems.append(f"channel {name}: unknown message {message['$ref']}")
    examples = os.listdir(os.path.join(ROOT, "examples"))
    for name, message in messages.items():
        ref = message["payload"]["$ref"]
        if ref.startswith("./"):
            path = os.path.join(ROOT, ref[2:])
            if not os.path.exists(path):
                problems.append(f"message {name}: missing schema {ref}")
                continue
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            jsonschema.validators.validator_for(schema).check_schema(schema)
            stem = os.path.basename(path)[: -len(".schema.json")]
            if not any(e.startswith(stem) for e in examples):
                problems.append(f"message {name}: no golden example {stem}*.json")
    for p in problems:
        print("asyncapi.yaml:", p)
    print(f"asyncapi.yaml: {len(channels)} channels, {len(doc.get('operations', {}))} operations, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Validates wire messages against the official VDA 5050 3.0 JSON Schemas and the coordinator's
own schemas in protocols/schemas.

Usage: validate.py SCHEMA_DIR PATH...   (a PATH is a .json file or a folder of them)

A file's schema is chosen by the start of its name: order*.json -> order.schema in SCHEMA_DIR,
and so on for instantActions, state, connection, factsheet, zoneSet, responses, visualization;
coordinator-<name>*.json -> protocols/schemas/coordinator-<name>.schema.json (the longest
matching name). Exits non-zero if any file does not validate, or if no file was checked.
"""
import json
import os
import sys

import jsonschema

TOPICS = ["instantActions", "order", "state", "connection", "factsheet", "zoneSet", "responses", "visualization"]


OWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "protocols", "schemas")


def load(path, cache, key):
    if key not in cache:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        cache[key] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return cache[key]


def schema_for(name, schema_dir, cache):
    if name.startswith("coordinator-"):
        own = sorted((n[: -len(".schema.json")] for n in os.listdir(OWN) if n.endswith(".schema.json")), key=len, reverse=True)
        for schema in own:
            if name.startswith(schema):
                return load(os.path.join(OWN, schema + ".schema.json"), cache, schema)
        return None
    for topic in sorted(TOPICS, key=len, reverse=True):
        if name.startswith(topic):
            return load(os.path.join(schema_dir, topic + ".schema"), cache, topic)
    return None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    schema_dir = sys.argv[1]
    files = []
    for path in sys.argv[2:]:
        if os.path.isdir(path):
            files += [os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".json")]
        elif os.path.exists(path):
            files.append(path)
    cache, failures, checked = {}, 0, 0
    for path in files:
        validator = schema_for(os.path.basename(path), schema_dir, cache)
        if validator is None:
            continue
        with open(path, encoding="utf-8") as f:
            message = json.load(f)
        errors = sorted(validator.iter_errors(message), key=lambda e: list(e.path))
        checked += 1
        for error in errors:
            failures += 1
            where = "/".join(str(p) for p in error.path) or "(root)"
            print(f"{path}: {where}: {error.message}")
    print(f"{checked} messages checked against the VDA 5050 schemas in {schema_dir} and protocols/schemas: {failures} problems")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

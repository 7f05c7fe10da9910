#!/usr/bin/env python3
"""Holds Package.swift and the sources to the module table of docs/architecture.md.

The table (between the `<!-- module table -->` markers) lists every target bottom-up with its
group and the modules it imports. The check fails when:
  - a target of Package.swift is not in the table, or the other way round;
  - a target's dependencies in Package.swift are not exactly the table's imports;
  - a target imports a target of a later row (an arrow pointing up) or of a group its own group
    may not import (the operators' tool and the service never import a simulator);
  - a source file imports a module its target's row does not list (a module reached through
    another's dependencies is still an arrow, and SwiftPM would let it through).

    python3 Tests/architecture/check_layers.py            # uses `swift package dump-package`
    python3 Tests/architecture/check_layers.py --self-test
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE_DOC = os.path.join(ROOT, "docs", "architecture.md")
# Modules of the platform, importable anywhere.
SYSTEM = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Glibc", "Musl", "Darwin", "Dispatch", "Synchronization",
    "Testing", "XCTest",
}
# Which groups a group may import (besides external packages and the platform).
ALLOWED = {
    "protocol": {"protocol"},
    "domain": {"domain"},
    "decision": {"domain", "protocol", "decision"},
    "service": {"domain", "protocol", "decision", "service"},
    "simulation": {"domain", "protocol", "simulation"},
    "test": {"domain", "protocol", "decision", "service", "simulation", "test"},
}
# Test targets may depend on an executable to have it built for the tests that run it.
EXECUTABLE_DEPENDENCIES = {"lane-coordinator", "lanectl", "lane-sim"}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_implementationOnly\s+)?(?:public\s+|package\s+|internal\s+|private\s+|fileprivate\s+)?import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?(\w+)", re.M)


def read_table(text):
    """Rows of the module table: (target, group, imports), bottom-up."""
    try:
        section = text.split("<!-- module table -->")[1]
    except IndexError:
        raise SystemExit(f"{TABLE_DOC}: no <!-- module table --> section")
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        target = cells[0].split("`")[1]
        imports = [m.strip().strip("`") for m in cells[3].split(",") if m.strip() and m.strip() != "—"]
        rows.append((target, cells[1], imports))
    return rows


def package_targets():
    """Each target of Package.swift: name, its dependencies' module names, its source folder."""
    dump = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=ROOT, stderr=subprocess.DEVNULL))
    targets = {}
    for t in dump["targets"]:
        deps = []
        for d in t.get("dependencies", []):
            kind, value = next(iter(d.items()))
            deps.append(value[0])
        default = "Tests" if t["type"] == "test" else "Sources"
        targets[t["name"]] = (deps, os.path.join(ROOT, t.get("path") or os.path.join(default, t["name"])))
    return targets


def source_imports(folder):
    """Every module a target's Swift files import, with a file that does."""
    found = {}
    for base, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".swift"):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8") as f:
                    for module in IMPORT.findall(f.read()):
                        found.setdefault(module, os.path.relpath(path, ROOT))
    return found


def check(rows, targets, imports_of):
    problems = []
    order = {name: i for i, (name, _, _) in enumerate(rows)}
    group = {name: g for name, g, _ in rows}
    for name, g, _ in rows:
        if g not in ALLOWED:
            problems.append(f"{name}: unknown group '{g}' (groups: {', '.join(ALLOWED)})")
    for name in sorted(set(targets) - set(order)):
        problems.append(f"{name}: a target of Package.swift that the module table does not list")
    for name in sorted(set(order) - set(targets)):
        problems.append(f"{name}: in the module table but not a target of Package.swift")
    for name, g, listed in rows:
        if name not in targets:
            continue
        deps, folder = targets[name]
        if sorted(deps) != sorted(listed):
            missing, extra = sorted(set(listed) - set(deps)), sorted(set(deps) - set(listed))
            problems.append(f"{name}: Package.swift's dependencies differ from the table (only in the table: {missing}; only in Package.swift: {extra})")
        for dep in deps:
            if dep in order:
                if order[dep] >= order[name]:
                    problems.append(f"{name} imports {dep}, which is not below it in the table")
                if group[dep] not in ALLOWED.get(g, set()):
                    problems.append(f"{name} ({g}) imports {dep} ({group[dep]}): a {g} target never imports a {group[dep]} one")
        imported = imports_of(folder)
        for module, where in sorted(imported.items()):
            if module not in SYSTEM and module not in listed and module != name:
                problems.append(f"{where}: imports {module}, which its target {name} does not list")
        for dep in deps:
            if dep not in imported and not name.startswith("lane-") and dep not in EXECUTABLE_DEPENDENCIES:
                problems.append(f"{name}: depends on {dep} but no file of it imports {dep} (an unused dependency)")
    return problems


def self_test():
    rows = [("Low", "domain", []), ("Tool", "service", ["Low"]), ("Sim", "simulation", ["Low"])]
    ok = {"Low": ([], "low"), "Tool": (["Low"], "tool"), "Sim": (["Low"], "sim")}
    none = lambda folder: {"tool": {"Low": "tool/A.swift"}, "sim": {"Low": "sim/A.swift"}}.get(folder, {})
    assert check(rows, ok, none) == [], check(rows, ok, none)
    upward = dict(ok, Low=(["Tool"], "low"))
    assert any("not below it" in p for p in check([("Low", "domain", ["Tool"])] + rows[1:], upward, none))
    sideways = dict(ok, Tool=(["Low", "Sim"], "tool"))
    rows2 = [rows[0], rows[2], ("Tool", "service", ["Low", "Sim"])]
    assert any("never imports a simulation" in p for p in check(rows2, sideways, none))
    assert any("differ from the table" in p for p in check(rows, dict(ok, Tool=([], "tool")), none))
    assert any("does not list" in p for p in check(rows, dict(ok, Extra=([], "x")), none))
    unused = lambda folder: {"sim": {"Low": "sim/A.swift"}}.get(folder, {})
    assert any("Tool: depends on Low but no file of it imports Low" in p for p in check(rows, ok, unused))
    hidden = lambda folder: {"Sim": "tool/File.swift"} if folder == "tool" else {}
    assert any("imports Sim, which its target Tool does not list" in p for p in check(rows, ok, hidden))
    assert IMPORT.findall("public import LaneCore\n@testable import X\nimport struct Y.Z\n") == ["LaneCore", "X", "Y"]
    print("check_layers self-test: each kind of fault is found")


def main():
    if "--self-test" in sys.argv:
        return self_test()
    with open(TABLE_DOC, encoding="utf-8") as f:
        rows = read_table(f.read())
    problems = check(rows, package_targets(), source_imports)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        raise SystemExit(f"{len(problems)} problems: Package.swift, the sources and the module table of docs/architecture.md disagree")
    print(f"module table: {len(rows)} targets, every import points down and is declared")


if __name__ == "__main__":
    main()

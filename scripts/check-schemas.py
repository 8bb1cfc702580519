#!/usr/bin/env python3
"""Check the Moments JSON Schemas, their examples, and (optionally) recorded outputs.

Usage:
    scripts/check-schemas.py SCHEMA_DIR [OUTPUTS.jsonl ...] [--events EVENTS.jsonl ...] [-v]

1. Every SCHEMA_DIR/*.schema.json must be a valid JSON Schema (draft 2020-12), and every
   $ref in it must resolve (schemas reference each other by $id through a registry).
2. Every SCHEMA_DIR/examples/<name>/*.json must be valid against <name>.schema.json and
   pass the contract checks below; every SCHEMA_DIR/examples/invalid/<name>/*.json must
   FAIL validation against <name>.schema.json.
3. Each line of each OUTPUTS.jsonl (CloudEvents produced by Moments) is validated against
   the schema named by its `type` (io.moments.alert.v1 -> alert.schema.json, ...); an
   unknown type is a failure. Lines after `--events` are input events, validated against
   event.schema.json instead. Blank lines are skipped.

Contract checks (rules JSON Schema cannot express, applied to valid examples and to
JSONL lines): the subject is the Kafka key the contract names (interaction_id, customer_id,
agent_id), ids are built from their parts (<moment id>:<rule id>, dlq:<origin>), the
alert's recovery ids belong to it, a dead letter's original_size matches its bytes.

Prints one line per failure ("file:line: message" for JSONL, "file: message" for whole
documents), then `schemas: N passed, M failed`; exits 1 on any failure, 2 on bad usage.
Needs Python 3.11 and jsonschema 4.x (with `referencing`).
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from pathlib import Path
from urllib.parse import urljoin

try:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import SchemaError, best_match
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012
except ImportError as e:  # pragma: no cover
    print(f"check-schemas: needs the jsonschema 4.x package ({e}); pip install 'jsonschema>=4.18'", file=sys.stderr)
    sys.exit(2)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# CloudEvents type -> schema name (file <name>.schema.json).
TYPES = {
    "io.moments.alert.v1": "alert",
    "io.moments.recovery.v1": "recovery",
    "io.moments.coaching.v1": "coaching",
    "io.moments.deadletter.v1": "deadletter",
}


class Checker:
    def __init__(self, schema_dir: Path, verbose: bool = False):
        self.dir = schema_dir
        self.verbose = verbose
        self.passed = 0
        self.failed = 0
        self.schemas: dict[str, dict] = {}  # name -> schema contents
        self.validators: dict[str, Draft202012Validator] = {}

    # --- reporting -------------------------------------------------------------------------

    def ok(self, where: str, note: str = "") -> None:
        self.passed += 1
        if self.verbose:
            print(f"{where}: ok{(' — ' + note) if note else ''}")

    def fail(self, where: str, message: str) -> None:
        self.failed += 1
        print(f"{where}: {message}")

    @staticmethod
    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    # --- 1. schemas ------------------------------------------------------------------------

    def load_schemas(self) -> None:
        files = sorted(self.dir.glob("*.schema.json"))
        if not files:
            self.fail(self.rel(self.dir), "no *.schema.json files found")
            return
        resources = []
        loaded: list[tuple[Path, str, dict]] = []
        for path in files:
            name = path.name.removesuffix(".schema.json")
            try:
                contents = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                self.fail(self.rel(path), f"cannot read schema: {e}")
                continue
            if not isinstance(contents, dict):
                self.fail(self.rel(path), "a schema must be a JSON object")
                continue
            uri = contents.get("$id") or path.resolve().as_uri()
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            resources.append((uri, resource))
            # Also reachable by file URI, so a schema without $id can be referenced relatively.
            resources.append((path.resolve().as_uri(), resource))
            loaded.append((path, name, contents))
        self.registry = Registry().with_resources(resources)

        for path, name, contents in loaded:
            problems = []
            declared = contents.get("$schema")
            if declared != DRAFT_2020_12:
                problems.append(f"$schema is {declared!r}, expected {DRAFT_2020_12!r}")
            try:
                Draft202012Validator.check_schema(contents)
            except SchemaError as e:
                problems.append(f"not a valid draft 2020-12 schema: {self.path_of(e.path)}: {e.message}")
            base = contents.get("$id") or path.resolve().as_uri()
            for ref, at in self.refs(contents, base, "$"):
                try:
                    self.registry.resolver(base_uri=at).lookup(ref)
                except Unresolvable as e:
                    problems.append(f"$ref {ref!r} does not resolve ({type(e).__name__})")
            if problems:
                for p in problems:
                    self.fail(self.rel(path), p)
                continue
            self.schemas[name] = contents
            self.validators[name] = Draft202012Validator(
                contents, registry=self.registry, format_checker=FormatChecker()
            )
            self.ok(self.rel(path), "valid schema, all $refs resolve")

    def refs(self, node, base: str, where: str):
        """Yields (ref, base uri) for every $ref, following nested $id."""
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                base = urljoin(base, node["$id"])
            ref = node.get("$ref")
            if isinstance(ref, str):
                yield ref, base
            for k, v in node.items():
                if k not in ("const", "enum", "examples", "default"):
                    yield from self.refs(v, base, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from self.refs(v, base, f"{where}[{i}]")

    # --- validation --------------------------------------------------------------------------

    @staticmethod
    def path_of(path) -> str:
        out = "$"
        for p in path:
            out += f"[{p}]" if isinstance(p, int) else f".{p}"
        return out

    def errors(self, name: str, doc) -> list[str]:
        """Schema errors of doc against <name>.schema.json, best first, as 'path: message'."""
        validator = self.validators[name]
        errs = list(validator.iter_errors(doc))
        if not errs:
            return []
        best = best_match(errs)
        ordered = [best] + [e for e in errs if e is not best]
        return [f"{e.json_path}: {self.clip(e.message)}" for e in ordered]

    @staticmethod
    def clip(s: str, n: int = 300) -> str:
        return s if len(s) <= n else s[:n] + "…"

    @staticmethod
    def contract(name: str, doc) -> list[str]:
        """Cross-field rules of the contract that JSON Schema cannot state. doc is schema-valid."""
        problems: list[str] = []
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
            return problems
        d, ident, subject = doc["data"], doc.get("id"), doc.get("subject")
        if name == "alert":
            if subject != d["interaction_id"]:
                problems.append(f"$.subject: {subject!r} is not data.interaction_id {d['interaction_id']!r}")
            prefix = f"{d['interaction_id']}:{d['moment']}:"
            if not ident.startswith(prefix) or not ident[len(prefix):].isdigit():
                problems.append(f"$.id: {ident!r} is not {prefix}<episode>")
            for i, r in enumerate(d["recovery"]):
                if not r.startswith(ident + ":"):
                    problems.append(f"$.data.recovery[{i}]: {r!r} is not {ident}:<recovery rule id>")
        elif name in ("recovery", "coaching"):
            key = "customer_id" if name == "recovery" else "agent_id"
            if subject != d[key]:
                problems.append(f"$.subject: {subject!r} is not data.{key} {d[key]!r}")
            expected = f"{d['moment_id']}:{d['rule']}"
            if ident != expected:
                problems.append(f"$.id: {ident!r} is not <moment_id>:<rule> {expected!r}")
            prefix = f"{d['interaction_id']}:{d['moment']}:"
            if not d["moment_id"].startswith(prefix):
                problems.append(f"$.data.moment_id: {d['moment_id']!r} does not start with {prefix!r}")
        elif name == "deadletter":
            # An output Kafka refused as too large names the output; an input, its origin.
            if ident.startswith("dlq:too-large:"):
                if f"output {ident[len('dlq:too-large:'):]} " not in d["reason"]:
                    problems.append(f"$.id: {ident!r} names an output its reason does not")
            elif ident != f"dlq:{subject}":
                problems.append(f"$.id: {ident!r} is not 'dlq:' + subject {subject!r}")
            o = d["origin"]
            if o["topic"] is not None and o["partition"] is not None and o["offset"] is not None:
                origin = f"{o['topic']}/{o['partition']}/{o['offset']}"
            else:
                origin = f"{o['file'] if o['file'] is not None else '-'}:{o['line'] if o['line'] is not None else 0}"
            if subject != origin:
                problems.append(f"$.subject: {subject!r} does not match data.origin ({origin!r})")
            try:
                size = len(base64.b64decode(d["original_base64"], validate=True))
                if d.get("original_truncated"):
                    # Cut originals keep their first 256 KiB; the size is the whole record's.
                    if not size < d["original_size"]:
                        problems.append(f"$.data.original_truncated: true but original_base64 holds all {size} bytes")
                elif size != d["original_size"]:
                    problems.append(f"$.data.original_size: {d['original_size']} but original_base64 holds {size} bytes")
            except (binascii.Error, ValueError) as e:
                problems.append(f"$.data.original_base64: not base64 ({e})")
        return problems

    def check_doc(self, where: str, name: str, doc) -> bool:
        errs = self.errors(name, doc)
        if not errs:
            errs = self.contract(name, doc)
        if errs:
            more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
            self.fail(where, f"{name}: {errs[0]}{more}")
            return False
        self.ok(where, name)
        return True

    # --- 2. examples -------------------------------------------------------------------------

    def read_json(self, path: Path):
        try:
            return True, json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            self.fail(self.rel(path), f"cannot read JSON: {e}")
            return False, None

    def check_examples(self) -> None:
        root = self.dir / "examples"
        if not root.is_dir():
            return
        for sub in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "invalid"):
            if not self.known_schema(sub, sub.name):
                continue
            files = sorted(sub.glob("*.json"))
            if not files:
                self.fail(self.rel(sub), "no *.json examples")
            for f in files:
                ok, doc = self.read_json(f)
                if ok:
                    self.check_doc(self.rel(f), sub.name, doc)
        invalid = root / "invalid"
        if not invalid.is_dir():
            return
        for sub in sorted(p for p in invalid.iterdir() if p.is_dir()):
            if not self.known_schema(sub, sub.name):
                continue
            for f in sorted(sub.glob("*.json")):
                ok, doc = self.read_json(f)
                if not ok:
                    continue
                errs = self.errors(sub.name, doc)
                if errs:
                    self.ok(self.rel(f), f"fails as expected: {errs[0]}")
                else:
                    self.fail(self.rel(f), f"{sub.name}: expected to fail validation, but it is valid")

    def known_schema(self, where: Path, name: str) -> bool:
        if name in self.validators:
            return True
        if (self.dir / f"{name}.schema.json").exists():
            self.fail(self.rel(where), f"{name}.schema.json is not usable (see above); examples not checked")
        else:
            self.fail(self.rel(where), f"no schema {name}.schema.json for these examples")
        return False

    # --- 3. JSON lines -----------------------------------------------------------------------

    def check_jsonl(self, path: Path, events: bool) -> None:
        try:
            lines = path.read_bytes().split(b"\n")
        except OSError as e:
            self.fail(self.rel(path), f"cannot read: {e}")
            return
        if events and "event" not in self.validators:
            self.fail(self.rel(path), "event.schema.json is not usable; events not checked")
            return
        seen = 0
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            seen += 1
            where = f"{self.rel(path)}:{n}"
            try:
                doc = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                self.fail(where, f"not JSON: {e}")
                continue
            if events:
                self.check_doc(where, "event", doc)
                continue
            if not isinstance(doc, dict):
                self.fail(where, f"expected a JSON object (a CloudEvent), found {type(doc).__name__}")
                continue
            kind = doc.get("type")
            name = TYPES.get(kind) if isinstance(kind, str) else None
            if name is None:
                known = ", ".join(TYPES)
                self.fail(where, f"unknown CloudEvents type {kind!r} (expected one of {known})")
                continue
            if name not in self.validators:
                self.fail(where, f"{name}.schema.json is not usable")
                continue
            self.check_doc(where, name, doc)
        if seen == 0:
            self.fail(self.rel(path), "no records")


def main(argv: list[str]) -> int:
    args = argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    verbose = False
    positional: list[tuple[str, bool]] = []
    events = False
    for a in args:
        if a in ("-v", "--verbose"):
            verbose = True
        elif a == "--events":
            events = True
        elif a.startswith("-") and a != "-":
            print(f"check-schemas: unknown option {a}", file=sys.stderr)
            return 2
        else:
            positional.append((a, events))
    if not positional or positional[0][1]:
        print("usage: check-schemas.py SCHEMA_DIR [OUTPUTS.jsonl ...] [--events EVENTS.jsonl ...] [-v]", file=sys.stderr)
        return 2
    schema_dir = Path(positional[0][0])
    if not schema_dir.is_dir():
        print(f"check-schemas: {schema_dir} is not a directory", file=sys.stderr)
        return 2

    checker = Checker(schema_dir, verbose=verbose)
    checker.load_schemas()
    checker.check_examples()
    for name, is_events in positional[1:]:
        checker.check_jsonl(Path(name), events=is_events)
    print(f"schemas: {checker.passed} passed, {checker.failed} failed")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

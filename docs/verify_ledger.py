#!/usr/bin/env python3
"""Recompute the OCOP ledger's hash chain, without the ledger's own code.

Usage:
  python3 verify_ledger.py EXPORT [--from POSITION:HASH]
  python3 verify_ledger.py --sqlite LEDGER.db [--from POSITION:HASH]

EXPORT is one of
  - JSON lines (`.jsonl`): one JSON object per event, in global-position order, with the
    fields of docs/ledger-canonical-form.md plus `hash` (the psql and sqlite3 exports of
    that document);
  - a JSON array of such objects (`[...]`);
  - CSV (`.csv`) with a header naming the columns of the `events` table: global_position,
    stream_id, version, event_id, event_type, schema_version, payload, actor_user,
    actor_role, actor_scope, command_id, correlation_id, causation_id, rules_version,
    occurred_on, recorded_at, prev_hash, hash (an empty optional column is null).
`payload` may be the stored text (a JSON string) or a JSON value.

--sqlite reads the `events` table of the embedded store's database file directly
(read-only), and also checks that the file's `ledger_head` row names the last event.

--from P:H is a digest kept earlier: the chain is recomputed from genesis as always, and the
hash recomputed at P must be H, which proves that nothing at or before P changed since the
digest was taken. A ledger that no longer reaches P fails.

Prints `ok: N events checked, head P:H` and exits 0, or `broken at position P: ...` and
exits 1; exits 2 on unusable input. Python 3 standard library only.
"""

import csv
import hashlib
import json
import sqlite3
import sys

GENESIS = "0" * 64
FIELDS = (
    "global_position", "stream_id", "version", "event_id", "event_type", "schema_version",
    "recorded_at", "actor", "command_id", "correlation_id", "causation_id", "rules_version",
    "occurred_on", "payload", "prev_hash",
)
TABLE_COLUMNS = (
    "global_position", "stream_id", "version", "event_id", "event_type", "schema_version",
    "payload", "actor_user", "actor_role", "actor_scope", "command_id", "correlation_id",
    "causation_id", "rules_version", "occurred_on", "recorded_at", "prev_hash", "hash",
)
OPTIONAL = ("correlation_id", "causation_id", "rules_version", "occurred_on")
INTEGERS = ("global_position", "version", "schema_version")


class Unusable(Exception):
    """The input cannot be read as a ledger export."""


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(row):
    obj = {key: row[key] for key in FIELDS}
    if isinstance(obj["payload"], str):
        obj["payload"] = json.loads(obj["payload"])
    obj["actor"] = {k: row["actor"][k] for k in ("user", "role", "scope")}
    return hashlib.sha256(canonical(obj).encode("utf-8")).hexdigest()


def from_table_row(row):
    """An event as the canonical form names it, from the columns of the events table."""
    event = {key: row[key] for key in TABLE_COLUMNS if key not in ("actor_user", "actor_role", "actor_scope")}
    event["actor"] = {"user": row["actor_user"], "role": row["actor_role"], "scope": row["actor_scope"]}
    for key in INTEGERS:
        event[key] = int(event[key])
    for key in OPTIONAL:
        if event[key] == "":
            event[key] = None
    if event["hash"] is None:
        raise Unusable(f"no hash at position {event['global_position']}")
    return event


def read_export(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    start = text.lstrip("\ufeff \t\r\n")[:1]
    if path.endswith(".csv"):
        reader = csv.DictReader(text.lstrip("\ufeff").splitlines(keepends=True))
        missing = set(TABLE_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise Unusable(f"the CSV lacks columns {sorted(missing)}")
        return [from_table_row(r) for r in reader]
    if start == "[":
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    # Rows with the table's flat actor columns are accepted as well.
    return [from_table_row(r) if "actor" not in r and "actor_user" in r else r for r in rows]


def read_sqlite(path):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = [
            from_table_row(dict(r))
            for r in conn.execute(
                f"SELECT {', '.join(TABLE_COLUMNS)} FROM events ORDER BY global_position"
            )
        ]
        head = conn.execute("SELECT position, hash FROM ledger_head WHERE id = 1").fetchone()
    finally:
        conn.close()
    return rows, (head["position"], head["hash"]) if head else None


def verify(rows, digest=None):
    """Recomputes the chain from genesis; with a digest (P, H) kept earlier, the hash
    recomputed at P must be H. Returns (ok, message, position, hash)."""
    if digest is not None and digest[0] == 0 and digest[1] != GENESIS:
        return False, "broken at position 0: the digest is not the genesis hash", 0, GENESIS
    position, prev = 0, GENESIS
    checked = 0
    for row in rows:
        at = row["global_position"]
        if at != position + 1:
            return False, f"broken at position {position + 1}: missing event", position, prev
        if row["prev_hash"] != prev:
            return False, f"broken at position {at}: prev_hash does not link to {position}", position, prev
        if event_hash(row) != row["hash"]:
            return False, f"broken at position {at}: hash does not match the content", position, prev
        if digest is not None and at == digest[0] and row["hash"] != digest[1]:
            return False, f"broken at position {at}: the chain no longer reaches the kept digest", position, prev
        position, prev = at, row["hash"]
        checked += 1
    if digest is not None and digest[0] > position:
        return False, f"broken at position {position + 1}: the ledger ends before the digest's position {digest[0]}", position, prev
    return True, f"ok: {checked} events checked, head {position}:{prev}", position, prev


def parse_digest(text):
    p, _, h = text.partition(":")
    if not p.isdigit() or len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
        raise Unusable(f"a digest is written POSITION:SHA256-HEX, got {text!r}")
    return int(p), h


def main(argv):
    args = argv[1:]
    digest = None
    sqlite_path = None
    export = None
    try:
        while args:
            arg = args.pop(0)
            if arg == "--from" and args:
                digest = parse_digest(args.pop(0))
            elif arg == "--sqlite" and args:
                sqlite_path = args.pop(0)
            elif not arg.startswith("--") and export is None:
                export = arg
            else:
                raise Unusable(f"unexpected argument {arg!r}")
        if (export is None) == (sqlite_path is None):
            raise Unusable("give either an export file or --sqlite DB")
        head = None
        if sqlite_path is not None:
            rows, head = read_sqlite(sqlite_path)
        else:
            rows = read_export(export)
    except (Unusable, OSError, ValueError, KeyError, sqlite3.Error) as e:
        print(f"unusable input: {e}", file=sys.stderr)
        print(__doc__, file=sys.stderr)
        return 2
    ok, message, position, prev = verify(rows, digest)
    if ok and head is not None and (head[0], head[1]) != (position, prev):
        ok = False
        message = (
            f"broken at position {min(head[0], position + 1)}: the ledger_head row names "
            f"{head[0]}:{head[1]} but the chain ends at {position}:{prev}"
        )
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

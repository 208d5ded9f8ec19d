#!/usr/bin/env python3
"""Recompute the OCOP ledger's hash chain from an export, without the ledger's own code.

Usage: python3 verify_ledger.py EXPORT.jsonl [--from POSITION:HASH]

EXPORT.jsonl has one JSON object per event, in global-position order, with the fields of
docs/ledger-canonical-form.md plus `hash`. `payload` may be the stored text (a JSON string,
as the psql and sqlite3 exports in that document produce) or a JSON value. Exit status 0
when every link and hash checks out, 1 at the first broken position, 2 on unusable input.
"""

import hashlib
import json
import sys

GENESIS = "0" * 64
FIELDS = (
    "global_position", "stream_id", "version", "event_id", "event_type", "schema_version",
    "recorded_at", "actor", "command_id", "correlation_id", "causation_id", "rules_version",
    "occurred_on", "payload", "prev_hash",
)


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(row):
    obj = {key: row[key] for key in FIELDS}
    if isinstance(obj["payload"], str):
        obj["payload"] = json.loads(obj["payload"])
    obj["actor"] = {k: row["actor"][k] for k in ("user", "role", "scope")}
    return hashlib.sha256(canonical(obj).encode("utf-8")).hexdigest()


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--from"):
        print(__doc__, file=sys.stderr)
        return 2
    position, prev = 0, GENESIS
    if len(argv) == 4:
        p, prev = argv[3].split(":", 1)
        position = int(p)
    checked = 0
    with open(argv[1], encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            at = row["global_position"]
            if at < position:
                continue
            if at == position:
                if row["hash"] != prev:
                    print(f"broken at position {at}: the stored hash is not the given digest")
                    return 1
                continue
            if at != position + 1:
                print(f"broken at position {position + 1}: missing event")
                return 1
            if row["prev_hash"] != prev:
                print(f"broken at position {at}: prev_hash does not link to {position}")
                return 1
            if event_hash(row) != row["hash"]:
                print(f"broken at position {at}: hash does not match the content")
                return 1
            position, prev = at, row["hash"]
            checked += 1
    print(f"ok: {checked} events checked, head {position}:{prev}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

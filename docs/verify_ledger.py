#!/usr/bin/env python3
"""Recompute the OCOP ledger's hash chain, without the ledger's own code.

Usage:
  python3 verify_ledger.py EXPORT [--from POSITION:HASH]
                           [--checkpoints FILE --public-key HEX [--public-key HEX ...]]
  python3 verify_ledger.py --sqlite LEDGER.db [--from ...] [--checkpoints ...]

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

--checkpoints FILE is a file of signed checkpoints kept earlier (a JSON list of them, or
one or more pages of GET /api/v1/ledger/checkpoints, `{"items": [...]}`), and
--public-key HEX the raw 32-byte Ed25519 public key (64 hex digits, GET
/api/v1/ledger/public-key) of each server that signed them. Each checkpoint's signature
is verified over its signed bytes (docs/ledger-verification.md, "Signed checkpoints");
one that does not verify, or whose key is not given, fails. Then the event the log holds
at each checkpoint's position must have the checkpoint's hash: this finds a suffix that
was rewritten, or cut off, after a checkpoint, even when its hashes were recomputed so
that the chain itself is whole.

Prints `ok: N events checked, head P:H` and exits 0, or `broken at position P: ...` and
exits 1 (with checkpoints, one line for each that fails); exits 2 on unusable input.
Python 3 standard library only (Ed25519 verification as in RFC 8032, section 6).
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


# --- Ed25519 signature verification, after RFC 8032 section 6 (reference code) ---------

ED_P = 2**255 - 19
ED_Q = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)


def _point_add(a, b):
    p = ED_P
    e1, e2 = (a[1] - a[0]) * (b[1] - b[0]) % p, (a[1] + a[0]) * (b[1] + b[0]) % p
    c, d = 2 * a[3] * b[3] * ED_D % p, 2 * a[2] * b[2] % p
    e, f, g, h = e2 - e1, d - c, d + c, e2 + e1
    return (e * f, g * h, f * g, e * h)


def _point_mul(s, point):
    acc = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            acc = _point_add(acc, point)
        point = _point_add(point, point)
        s >>= 1
    return acc


def _point_equal(a, b):
    p = ED_P
    return (a[0] * b[2] - b[0] * a[2]) % p == 0 and (a[1] * b[2] - b[1] * a[2]) % p == 0


def _recover_x(y, sign):
    p = ED_P
    if y >= p:
        return None
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, p - 2, p)
    if x2 % p == 0:
        return None if sign else 0
    x = pow(x2, (p + 3) // 8, p)
    if (x * x - x2) % p != 0:
        x = x * ED_SQRT_M1 % p
    if (x * x - x2) % p != 0:
        return None
    if (x & 1) != sign:
        x = p - x
    return x


def _decompress(s):
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % ED_P)


ED_GY = 4 * pow(5, ED_P - 2, ED_P) % ED_P
ED_G = (_recover_x(ED_GY, 0), ED_GY, 1, _recover_x(ED_GY, 0) * ED_GY % ED_P)


def ed25519_verify(public, message, signature):
    """True when `signature` (64 bytes) is `public`'s (32 bytes) Ed25519 signature of
    `message`."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= ED_Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % ED_Q
    return _point_equal(_point_mul(s, ED_G), _point_add(r, _point_mul(h, a)))


# --- Signed checkpoints ------------------------------------------------------------------

CHECKPOINT_FORMAT = "ocop-checkpoint-v1"


def checkpoint_bytes(c):
    """The bytes a checkpoint's signature is over."""
    return (
        f"{CHECKPOINT_FORMAT}\n{c['global_position']}\n{c['hash']}\n{c['signed_at']}\n{c['key_id']}\n"
    ).encode("utf-8")


def key_id(public):
    return hashlib.sha256(public).hexdigest()[:16]


def parse_public_key(text):
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise Unusable(f"a public key is 64 hex digits (the raw Ed25519 key), got {text!r}")
    return raw


def read_checkpoints(path):
    """Checkpoints from a JSON list, or from pages `{"items": [...]}` one after another."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    decoder, at, kept = json.JSONDecoder(), 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            break
        value, at = decoder.raw_decode(text, at)
        items = value.get("items", []) if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise Unusable(f"{path}: neither a list of checkpoints nor a page of them")
        for c in items:
            if not isinstance(c, dict) or any(
                k not in c for k in ("global_position", "hash", "signed_at", "key_id", "signature")
            ):
                raise Unusable(f"{path}: {c!r} is not a checkpoint")
            kept.append(c)
    if not kept:
        raise Unusable(f"{path} holds no checkpoints")
    return sorted(kept, key=lambda c: c["global_position"])


def check_checkpoints(checkpoints, public_keys, hashes, end):
    """Failures, one line each: a checkpoint whose signature does not verify with the key
    it names, or whose position the log (`hashes`: position -> stored hash, ending at
    `end`) no longer holds with the signed hash."""
    keys = {key_id(k): k for k in public_keys}
    failures, agrees = [], None
    for c in checkpoints:
        at = c["global_position"]
        key = keys.get(c["key_id"])
        try:
            signature = bytes.fromhex(c["signature"])
        except ValueError:
            signature = b""
        if key is None:
            failures.append(f"checkpoint at position {at}: signed by key {c['key_id']}, which is not among the keys given")
            continue
        if not ed25519_verify(key, checkpoint_bytes(c), signature):
            failures.append(f"checkpoint at position {at}: the signature does not verify; it is not the checkpoint signed")
            continue
        since = f"; the log agrees with the checkpoint at position {agrees}" if agrees is not None else ""
        stored = GENESIS if at == 0 else hashes.get(at)
        if stored is None:
            failures.append(f"truncated at position {min(end + 1, at)}: the log ends at {end}, before the checkpoint of position {at}{since}")
        elif stored != c["hash"]:
            failures.append(f"rewritten at position {at}: the event there has hash {stored}, the checkpoint signed {c['hash']}{since}")
        else:
            agrees = at
    return failures


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
    checkpoints_path = None
    public_keys = []
    try:
        while args:
            arg = args.pop(0)
            if arg == "--from" and args:
                digest = parse_digest(args.pop(0))
            elif arg == "--sqlite" and args:
                sqlite_path = args.pop(0)
            elif arg == "--checkpoints" and args:
                checkpoints_path = args.pop(0)
            elif arg == "--public-key" and args:
                public_keys.append(parse_public_key(args.pop(0)))
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
        checkpoints = None
        if checkpoints_path is not None:
            if not public_keys:
                raise Unusable("--checkpoints needs the --public-key of each server that signed them")
            checkpoints = read_checkpoints(checkpoints_path)
        elif public_keys:
            raise Unusable("--public-key is used with --checkpoints FILE")
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
    if checkpoints is not None:
        hashes = {row["global_position"]: row["hash"] for row in rows}
        end = max(hashes, default=0)
        failures = check_checkpoints(checkpoints, public_keys, hashes, end)
        for line in failures:
            print(line)
        if not failures:
            print(f"ok: {len(checkpoints)} signed checkpoints agree with the log")
        ok = ok and not failures
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

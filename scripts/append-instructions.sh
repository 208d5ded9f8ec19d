#!/usr/bin/env bash
# Counts the instructions PostgreSQL spends on one append batch of 8 events, with callgrind:
# a measure that repeats to a fraction of a percent where this machine's speed does not
# (docs/performance.md, event store, ninth round).
#
#   scripts/append-instructions.sh [BATCHES]      # default 200 batches per case
#
# It makes a throw-away cluster in a temporary folder (PostgreSQL's server binaries from
# `pg_config --bindir` or /usr/lib/postgresql/*/bin; valgrind), applies the store's
# migrations, fills the log with 80,000 events, then runs each case BATCHES times in a
# single-user backend under callgrind, every batch committed (`synchronous_commit=off`:
# the flush is the disk's, not instructions). Cases, one JSON line each:
#   checked    `ocop_append_batch` checking 8 streams and 8 command keys — the writer's
#              locked path, and its one-statement path before the ninth round;
#   unchecked  the same call checking none — the one-statement path on streams the writer
#              knows, keys held by the primary key;
#   baseline   the benchmark's baseline row, 8 of them in one INSERT: the bare-insert floor.
# Each is net of the harness's own work (building the arguments), counted alone.
set -euo pipefail
cd "$(dirname "$0")/.."

batches="${1:-200}"
bindir="$(pg_config --bindir 2>/dev/null || true)"
if [[ ! -x "$bindir/postgres" ]]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }

work="$(mktemp -d)"
# PostgreSQL refuses to run as root: the cluster belongs to `postgres` then.
run_as=()
if [[ "$(id -u)" == 0 ]]; then
  chown postgres "$work"
  run_as=(runuser -u postgres --)
fi
cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$work/data" -U root --auth=trust >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-c listen_addresses='' -k $work -c autovacuum=off -c synchronous_commit=off" start >/dev/null
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$work" -U root)
"${psql[@]}" -d postgres -c "CREATE DATABASE ledger"
cat eventstore/migrations/postgres/*.sql | "${psql[@]}" -d ledger
"${psql[@]}" -d ledger <<'SQL'
-- The benchmark's baseline table, as bench/src/store.rs creates it.
CREATE TABLE baseline_events (
    id          bigserial   PRIMARY KEY,
    stream_id   uuid        NOT NULL,
    version     bigint      NOT NULL,
    event_id    uuid        NOT NULL UNIQUE,
    event_type  text        NOT NULL,
    payload     jsonb       NOT NULL,
    actor_user  text        NOT NULL,
    command_id  uuid        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, version)
);

-- Time-ordered ids, as the service mints products, events and (by default) command keys
-- (`Uuid::now_v7`): they land at the right edge of their indexes, as in the benchmark.
CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT (lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
            || '7' || substr(md5(random()::text), 1, 3) || '8'
            || substr(md5(random()::text), 1, 15))::uuid
$$;

-- One batch of 8 new streams, one event each: `checked` and `unchecked` as the writer
-- sends it (every stream and key to check, or none), `baseline` as the baseline's INSERT,
-- `arguments` only builds the arguments (the harness's share, subtracted from the others).
CREATE FUNCTION one_batch(kind text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    head ledger_head%ROWTYPE;
    streams uuid[]; keys uuid[]; ids uuid[]; positions bigint[]; prev text[]; hashes text[];
    payload text := '{"commune":"00123","note":"bản ghi số 3 của sản phẩm 123","product":"Chè Shan tuyết Suối Giàng","producer":{"kind":"cooperative","name":"Hợp tác xã chè Suối Giàng","tax_code":"5200123456"},"province":"15","round":1,"scores":{"a":28,"b":19,"c":24}}';
    ones bigint[] := array_fill(1::bigint, ARRAY[8]);
    checked boolean := kind = 'checked';
BEGIN
    SELECT * INTO head FROM ledger_head WHERE id = 1;
    SELECT array_agg(uuid_v7()), array_agg(uuid_v7()), array_agg(uuid_v7()),
           array_agg(head.position + i), array_agg(md5(i::text) || md5((i + 1)::text)),
           array_agg(md5((i + 1)::text) || md5(i::text))
      INTO streams, keys, ids, positions, prev, hashes FROM generate_series(1, 8) AS i;
    CASE kind
    WHEN 'arguments' THEN
        RETURN;
    WHEN 'baseline' THEN
        INSERT INTO baseline_events (stream_id, version, event_id, event_type, payload,
                                     actor_user, command_id)
        SELECT streams[i], 1, ids[i], 'NoteAdded', payload::jsonb, 'thu.ky@yenbai', keys[i]
        FROM generate_subscripts(streams, 1) AS i;
    ELSE
        PERFORM ocop_append_batch(
            head.position, head.hash,
            CASE WHEN checked THEN streams ELSE '{}' END,
            CASE WHEN checked THEN array_fill(0::bigint, ARRAY[8]) ELSE '{}' END,
            CASE WHEN checked THEN keys ELSE '{}' END,
            now(), head.position + 8, hashes[8],
            keys, array_fill(repeat('a', 64), ARRAY[8]), streams, ones, ones, positions,
            positions, positions, streams, ones, ids, array_fill('NoteAdded'::text, ARRAY[8]),
            array_fill(1, ARRAY[8]), array_fill(payload, ARRAY[8]),
            array_fill('thu.ky@yenbai'::text, ARRAY[8]),
            array_fill('provincial_secretary'::text, ARRAY[8]),
            array_fill('province:15'::text, ARRAY[8]), keys, array_fill(NULL::uuid, ARRAY[8]),
            array_fill(NULL::uuid, ARRAY[8]), array_fill('qd148-2023'::text, ARRAY[8]),
            array_fill('2025-03-01'::date, ARRAY[8]), prev, hashes);
    END CASE;
END
$$;

CREATE PROCEDURE batches(kind text, n int) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. n LOOP
        PERFORM one_batch(kind);
        COMMIT;
    END LOOP;
END
$$;

CALL batches('checked', 5000);
CALL batches('baseline', 5000);
SQL
"${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" stop >/dev/null

# Instructions of one single-user backend running `CALL batches(kind, n)` on a copy of the
# filled cluster (every case starts from the same log).
count() {
  rm -rf "$work/run"
  cp -a "$work/data" "$work/run"
  echo "CALL batches('$1', $2)" | "${run_as[@]}" valgrind --tool=callgrind \
    --callgrind-out-file="$work/callgrind.out" "$bindir/postgres" --single -D "$work/run" \
    -c autovacuum=off -c synchronous_commit=off ledger >"$work/valgrind.log" 2>&1
  awk '/^(summary|totals):/ { print $2; exit }' "$work/callgrind.out"
}

start=$(count arguments 0)
arguments=$(count arguments "$batches")
for kind in checked unchecked baseline; do
  total=$(count "$kind" "$batches")
  echo "{\"case\":\"$kind\",\"batches\":$batches,\"events_per_batch\":8,\"instructions_per_batch\":$(( (total - arguments) / batches ))}"
done
echo "{\"case\":\"arguments\",\"batches\":$batches,\"instructions_per_batch\":$(( (arguments - start) / batches ))}"

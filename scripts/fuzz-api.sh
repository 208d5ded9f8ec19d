#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document with schemathesis: starts `ocop serve`
# on a fresh store, registers a product, then runs schemathesis once per role (each with a
# token of that role) over every operation of /api/openapi.json. Fails on any 5xx and on
# answers that break the document.
#
#   scripts/fuzz-api.sh [sqlite|postgres]      # default sqlite
#
# MAX_EXAMPLES (default 40) sets the examples per operation and phase; OCOP_BIN a prebuilt
# binary (otherwise `cargo build --release` builds one); SEED a schemathesis seed. Reports
# (JUnit, NDJSON) and the server's log are kept under target/fuzz-api/.
set -euo pipefail
cd "$(dirname "$0")/.."

store="${1:-sqlite}"
max_examples="${MAX_EXAMPLES:-40}"
out="$(pwd)/target/fuzz-api"
mkdir -p "$out"

if ! command -v schemathesis >/dev/null; then
  pip install --quiet 'schemathesis>=4,<5'
fi

if [[ -z "${OCOP_BIN:-}" ]]; then
  cargo build --release --quiet -p ocop-api --bin ocop
  OCOP_BIN="${CARGO_TARGET_DIR:-target}/release/ocop"
fi

data="$(mktemp -d)"
url_args=()
database=""
admin="${DATABASE_URL:-postgres://root@127.0.0.1:5432/postgres}"
if [[ "$store" == "postgres" ]]; then
  database="ocop_fuzz_$$"
  psql "$admin" -qc "CREATE DATABASE $database"
  url_args=(--database-url "${admin%/*}/$database")
elif [[ "$store" != "sqlite" ]]; then
  echo "usage: $0 [sqlite|postgres]" >&2
  exit 2
fi

server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  cp "$data/server.log" "$out/server-$store.log" 2>/dev/null || true
  if [[ -n "$database" ]]; then
    psql "$admin" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

ocop() { env -u DATABASE_URL "$OCOP_BIN" --data-dir "$data" "${url_args[@]}" "$@"; }

# Started directly (env execs the server), so that $! is the server's own id.
env -u DATABASE_URL "$OCOP_BIN" --data-dir "$data" "${url_args[@]}" \
  serve --listen 127.0.0.1:0 --no-timers >"$data/stdout" 2>"$data/server.log" &
server_pid=$!
base=""
for _ in $(seq 1 300); do
  base="$(sed -n 's/^ocop listening on //p' "$data/stdout" 2>/dev/null || true)"
  [[ -n "$base" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$base" ]] || { echo "the server did not start" >&2; exit 1; }
echo "fuzzing $base ($store), $max_examples examples per operation"

officer="$(ocop token --role commune_officer --scope province:68/commune:24730 --user fuzz-cb)"
# A product for the operations whose path names one to land on at least sometimes.
curl -fsS -o /dev/null -X POST "$base/api/v1/products" \
  -H "authorization: Bearer $officer" -H 'content-type: application/json' \
  -d '{"name":"Mật ong","producer":{"name":"HTX","kind":"cooperative","tax_code":null},
       "product_group":"food","product_set":"Mật ong","province":"68","commune":"24730",
       "district":null,"local_code":null,"registered_on":"2025-08-01"}'

export SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$(pwd)/scripts${PYTHONPATH:+:$PYTHONPATH}"
status=0
for who in "commune_officer province:68/commune:24730" \
           "provincial_secretary province:68" \
           "central_secretary national" \
           "inspector province:68" \
           "auditor national" \
           "admin national"; do
  read -r role scope <<<"$who"
  token="$(ocop token --role "$role" --scope "$scope" --user "fuzz-$role")"
  echo "== as $role ($scope)"
  # positive_data_acceptance is left out: a body valid by the schema is still refused (422)
  # when it breaks a rule of the lifecycle, which the schema cannot express.
  # A failure is an answer that breaks a check; schemathesis's own crashes on an operation
  # ("errors") are shown but do not fail the run.
  schemathesis run "$base/api/openapi.json" \
      --url "$base" \
      --header "Authorization: Bearer $token" \
      --checks all \
      --exclude-checks positive_data_acceptance \
      --max-examples "$max_examples" \
      --phases examples,coverage,fuzzing \
      --workers 2 \
      --generation-database ":memory:" \
      --no-color \
      --report junit,ndjson --report-dir "$out/$store-$role" \
      ${SEED:+--seed "$SEED"} 2>&1 | tee "$out/$store-$role.log" || true
  if grep -qE '[0-9]+ failures?\b|❌' "$out/$store-$role.log"; then
    status=1
  fi
done

# An internal error is logged as "request failed" with its cause (never shown to clients).
if grep -q 'request failed\|panicked' "$data/server.log"; then
  echo "the server logged internal errors; see $out/server-$store.log" >&2
  status=1
fi
exit "$status"

-- The append batch of migration 0004 without the cost of checks it is not given: the basis
-- checks become a statement of their own, run only when the writer names streams or keys to
-- check. Since the ninth round (docs/performance.md) the writer names only the streams whose
-- versions it does not know, and no key (the commands table's primary key refuses a key
-- already recorded), so most batches have nothing to check; in 0004 the empty checks were
-- still set up on every call, a tenth of the function's instructions
-- (scripts/append-instructions.sh). Never edit this file once applied: add a new migration.
--
-- Same signature, same contract: check the plan's basis, lock the head, write the plan or
-- write nothing and answer false. The checks now read the log with a snapshot taken before
-- the statement that moves the head, where 0004 read it in that statement. That is as
-- safe, for the reason 0004 gave: every append moves the head, and the `UPDATE` moves it
-- only if it is still at the basis when its lock is granted (under READ COMMITTED it waits
-- for a transaction holding the row and re-checks the newest version). If any append
-- committed after the checks' snapshot, the head is no longer the basis and nothing is
-- written; if none did, the checks saw every event. The unique indexes on
-- (stream_id, version), event_id and command_id remain the last line of defence.
CREATE OR REPLACE FUNCTION ocop_append_batch(
    p_base_position bigint,
    p_base_hash text,
    p_check_streams uuid[],
    p_check_versions bigint[],
    p_check_commands uuid[],
    p_recorded_at timestamptz,
    p_new_position bigint,
    p_new_hash text,
    c_command_id uuid[],
    c_request_hash text[],
    c_stream_id uuid[],
    c_first_version bigint[],
    c_last_version bigint[],
    c_first_position bigint[],
    c_last_position bigint[],
    e_global_position bigint[],
    e_stream_id uuid[],
    e_version bigint[],
    e_event_id uuid[],
    e_event_type text[],
    e_schema_version int4[],
    e_payload text[],
    e_actor_user text[],
    e_actor_role text[],
    e_actor_scope text[],
    e_command_id uuid[],
    e_correlation_id uuid[],
    e_causation_id uuid[],
    e_rules_version text[],
    e_occurred_on date[],
    e_prev_hash text[],
    e_hash text[]
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    written boolean;
BEGIN
    IF cardinality(p_check_streams) > 0 OR cardinality(p_check_commands) > 0 THEN
        -- Scalar sub-queries, one index look-up per element, never turned into joins (whose
        -- cached plan could be a sequential scan of a table without statistics).
        IF EXISTS (
               SELECT 1 FROM UNNEST(p_check_streams, p_check_versions) AS c(stream_id, version)
               WHERE COALESCE((SELECT MAX(e.version) FROM events e
                               WHERE e.stream_id = c.stream_id), 0) <> c.version)
           OR EXISTS (
               SELECT 1 FROM UNNEST(p_check_commands) AS k(command_id)
               WHERE (SELECT true FROM commands m WHERE m.command_id = k.command_id)) THEN
            RETURN false;
        END IF;
    END IF;
    WITH moved AS (
        UPDATE ledger_head SET position = p_new_position, hash = p_new_hash,
                               recorded_at = p_recorded_at
        WHERE id = 1 AND position = p_base_position AND hash = p_base_hash
        RETURNING 1
    ), command_rows AS (
        INSERT INTO commands (command_id, request_hash, stream_id, first_version,
                              last_version, first_position, last_position, recorded_at)
        SELECT c_command_id[i], c_request_hash[i], c_stream_id[i], c_first_version[i],
               c_last_version[i], c_first_position[i], c_last_position[i], p_recorded_at
        FROM generate_subscripts(c_command_id, 1) AS i
        WHERE EXISTS (SELECT 1 FROM moved)
    ), event_rows AS (
        INSERT INTO events (global_position, stream_id, version, event_id, event_type,
                            schema_version, payload, actor_user, actor_role, actor_scope,
                            command_id, correlation_id, causation_id, rules_version,
                            occurred_on, prev_hash, hash, recorded_at)
        SELECT e_global_position[i], e_stream_id[i], e_version[i], e_event_id[i],
               e_event_type[i], e_schema_version[i], e_payload[i], e_actor_user[i],
               e_actor_role[i], e_actor_scope[i], e_command_id[i], e_correlation_id[i],
               e_causation_id[i], e_rules_version[i], e_occurred_on[i], e_prev_hash[i],
               e_hash[i], p_recorded_at
        FROM generate_subscripts(e_global_position, 1) AS i
        WHERE EXISTS (SELECT 1 FROM moved)
    )
    SELECT EXISTS (SELECT 1 FROM moved) INTO written;
    RETURN written;
END
$$;

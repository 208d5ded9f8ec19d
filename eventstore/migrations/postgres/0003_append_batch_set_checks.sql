-- The append batch of migration 0002, a quarter cheaper inside PostgreSQL (2,000 batches
-- of 8 events called from one PL/pgSQL loop: 565 → 434 ms, the loop's own work ≈ 80 ms).
-- Never edit this file once applied: add a new migration instead.
--
-- Same signature, same contract: lock the head, check the plan's basis, write or answer
-- false. Two changes: the basis is checked by one statement instead of one per stream and
-- per command key, and the rows are inserted by subscript instead of by `UNNEST` over 17
-- arrays, which materialised each array as a set before joining them.
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
    head ledger_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM ledger_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND OR head.position <> p_base_position OR head.hash <> p_base_hash THEN
        RETURN false;
    END IF;
    -- The basis in one statement: each stream at the version the plan assumed, no command
    -- key recorded. Scalar sub-queries run once per element as index look-ups; PostgreSQL
    -- never turns them into joins, whose plan could be a sequential scan of a table
    -- without statistics.
    IF EXISTS (SELECT 1 FROM UNNEST(p_check_streams, p_check_versions) AS c(stream_id, version)
               WHERE COALESCE((SELECT MAX(e.version) FROM events e
                               WHERE e.stream_id = c.stream_id), 0) <> c.version)
       OR EXISTS (SELECT 1 FROM UNNEST(p_check_commands) AS k(command_id)
                  WHERE (SELECT true FROM commands m WHERE m.command_id = k.command_id)) THEN
        RETURN false;
    END IF;
    INSERT INTO commands (command_id, request_hash, stream_id, first_version, last_version,
                          first_position, last_position, recorded_at)
    SELECT c_command_id[i], c_request_hash[i], c_stream_id[i], c_first_version[i],
           c_last_version[i], c_first_position[i], c_last_position[i], p_recorded_at
    FROM generate_subscripts(c_command_id, 1) AS i;
    INSERT INTO events (global_position, stream_id, version, event_id, event_type,
                        schema_version, payload, actor_user, actor_role, actor_scope,
                        command_id, correlation_id, causation_id, rules_version,
                        occurred_on, prev_hash, hash, recorded_at)
    SELECT e_global_position[i], e_stream_id[i], e_version[i], e_event_id[i], e_event_type[i],
           e_schema_version[i], e_payload[i], e_actor_user[i], e_actor_role[i], e_actor_scope[i],
           e_command_id[i], e_correlation_id[i], e_causation_id[i], e_rules_version[i],
           e_occurred_on[i], e_prev_hash[i], e_hash[i], p_recorded_at
    FROM generate_subscripts(e_global_position, 1) AS i;
    UPDATE ledger_head SET position = p_new_position, hash = p_new_hash,
                           recorded_at = p_recorded_at
    WHERE id = 1;
    RETURN true;
END
$$;

-- One group-commit batch written by one statement, so that a batch costs one round trip.
-- Never edit this file once applied: add a new migration instead.
--
-- The writer plans a batch (positions, versions, hash chain) against a basis: the ledger
-- head, the versions of the batch's streams and the absence of its command keys. This
-- function locks the head row, checks that basis under the lock — each statement of a
-- PL/pgSQL function takes a fresh snapshot, so the checks see every commit before the
-- lock — and writes the batch only if the basis still holds. It returns false, having
-- written nothing, when the log has moved on; the writer then reads the log and plans
-- again. The head row lock is held until commit, as for every append.
CREATE FUNCTION ocop_append_batch(
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
    key uuid;
BEGIN
    SELECT * INTO head FROM ledger_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND OR head.position <> p_base_position OR head.hash <> p_base_hash THEN
        RETURN false;
    END IF;
    -- One look-up per stream and per key: plans PL/pgSQL caches for its statements are
    -- then index look-ups whatever the table statistics say.
    FOR i IN 1 .. COALESCE(array_length(p_check_streams, 1), 0) LOOP
        IF COALESCE((SELECT MAX(version) FROM events WHERE stream_id = p_check_streams[i]), 0)
           <> p_check_versions[i] THEN
            RETURN false;
        END IF;
    END LOOP;
    FOREACH key IN ARRAY p_check_commands LOOP
        IF EXISTS (SELECT 1 FROM commands WHERE command_id = key) THEN
            RETURN false;
        END IF;
    END LOOP;
    INSERT INTO commands (command_id, request_hash, stream_id, first_version, last_version,
                          first_position, last_position, recorded_at)
    SELECT u.*, p_recorded_at
    FROM UNNEST(c_command_id, c_request_hash, c_stream_id, c_first_version, c_last_version,
                c_first_position, c_last_position) AS u;
    INSERT INTO events (global_position, stream_id, version, event_id, event_type,
                        schema_version, payload, actor_user, actor_role, actor_scope,
                        command_id, correlation_id, causation_id, rules_version,
                        occurred_on, prev_hash, hash, recorded_at)
    SELECT u.*, p_recorded_at
    FROM UNNEST(e_global_position, e_stream_id, e_version, e_event_id, e_event_type,
                e_schema_version, e_payload, e_actor_user, e_actor_role, e_actor_scope,
                e_command_id, e_correlation_id, e_causation_id, e_rules_version,
                e_occurred_on, e_prev_hash, e_hash) AS u;
    UPDATE ledger_head SET position = p_new_position, hash = p_new_hash,
                           recorded_at = p_recorded_at
    WHERE id = 1;
    RETURN true;
END
$$;

//! Stored rows as both stores read them, their upcasting, and chain verification.

use async_trait::async_trait;
use uuid::Uuid;

use crate::canonical::HashedFields;
use crate::{
    DigestMismatch, GENESIS_HASH, LedgerDigest, RecordedEvent, StoreError, StreamRange, Upcaster,
    VerifyReport,
};

/// The columns of the events table, in the order every query selects them.
pub(crate) const EVENT_COLUMNS: &str = "global_position, stream_id, version, event_id, \
    event_type, schema_version, payload, actor_user, actor_role, actor_scope, command_id, \
    correlation_id, causation_id, rules_version, occurred_on, recorded_at, prev_hash, hash";

/// How many events a verification or replay reads per query.
pub(crate) const PAGE: i64 = 2_000;

/// An event row exactly as stored: the payload is still the stored text (what
/// [`crate::EventStore::read_all_stored`] returns).
pub(crate) type RawEvent = RecordedEvent<String>;

impl RecordedEvent<String> {
    /// The fields the hash covers, with the payload as the stored bytes.
    pub(crate) fn hashed(&self) -> HashedFields<'_> {
        HashedFields {
            global_position: self.global_position,
            stream_id: self.stream_id,
            version: self.version,
            event_id: self.event_id,
            event_type: &self.event_type,
            schema_version: self.schema_version,
            recorded_at: self.recorded_at,
            actor: &self.actor,
            command_id: self.command_id,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            rules_version: self.rules_version.as_deref(),
            occurred_on: self.occurred_on,
            payload: &self.payload,
            prev_hash: &self.prev_hash,
        }
    }

    /// Parses the payload and upcasts it to the current schema.
    pub(crate) fn into_recorded(self, upcaster: Upcaster) -> Result<RecordedEvent, StoreError> {
        let payload = serde_json::from_str(&self.payload).map_err(|e| StoreError::Corrupt {
            position: self.global_position,
            reason: format!("payload is not json: {e}"),
        })?;
        let (schema_version, payload) = upcaster(&self.event_type, self.schema_version, payload)
            .map_err(|reason| StoreError::Upcast {
                event_type: self.event_type.clone(),
                schema_version: self.schema_version,
                reason,
            })?;
        Ok(RecordedEvent {
            global_position: self.global_position,
            stream_id: self.stream_id,
            version: self.version,
            event_id: self.event_id,
            event_type: self.event_type,
            schema_version,
            payload,
            actor: self.actor,
            command_id: self.command_id,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            rules_version: self.rules_version,
            occurred_on: self.occurred_on,
            recorded_at: self.recorded_at,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// Parses and upcasts a page of rows; a large page is split in two halves parsed on two
/// threads, since parsing the payloads is most of the cost of a replay.
pub(crate) async fn into_recorded_all(
    mut raws: Vec<RawEvent>,
    upcaster: Upcaster,
) -> Result<Vec<RecordedEvent>, StoreError> {
    const SPLIT_ABOVE: usize = 512;
    let convert = move |raws: Vec<RawEvent>| -> Result<Vec<RecordedEvent>, StoreError> {
        raws.into_iter()
            .map(|r| r.into_recorded(upcaster))
            .collect()
    };
    if raws.len() <= SPLIT_ABOVE {
        return convert(raws);
    }
    let second = raws.split_off(raws.len() / 2);
    let second = tokio::task::spawn_blocking(move || convert(second));
    let mut out = convert(raws)?;
    out.extend(
        second
            .await
            .map_err(|e| StoreError::Unavailable(format!("decoding thread failed: {e}")))??,
    );
    Ok(out)
}

/// Raw access to the log: what each store reads its own way, under the reads and the
/// verification written once below.
#[async_trait]
pub(crate) trait RawLog: Sync {
    /// The stored rows at positions `after + 1 ..= after + limit`, by position: the next
    /// `limit` rows, or fewer at the head, since positions are gapless.
    async fn raw_page(&self, after: i64, limit: i64) -> Result<Vec<RawEvent>, StoreError>;
    /// A stream's stored rows in `range`, by version.
    async fn raw_stream(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RawEvent>, StoreError>;
    /// The ledger-head row.
    async fn raw_head(&self) -> Result<LedgerDigest, StoreError>;
    /// How the store upcasts what it reads.
    fn upcaster(&self) -> Upcaster;
}

/// [`crate::EventStore::read_stream`] of either store: the rows parsed and upcast.
pub(crate) async fn read_stream(
    log: &impl RawLog,
    stream_id: Uuid,
    range: StreamRange,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let upcaster = log.upcaster();
    log.raw_stream(stream_id, range)
        .await?
        .into_iter()
        .map(|e| e.into_recorded(upcaster))
        .collect()
}

/// [`crate::EventStore::read_stream_stored`] of either store: the rows as stored.
pub(crate) async fn read_stream_stored(
    log: &impl RawLog,
    stream_id: Uuid,
    range: StreamRange,
) -> Result<Vec<RecordedEvent<String>>, StoreError> {
    log.raw_stream(stream_id, range).await
}

/// [`crate::EventStore::read_all`] of either store: a page parsed and upcast.
pub(crate) async fn read_all(
    log: &impl RawLog,
    after_position: i64,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let page = log.raw_page(after_position, limit).await?;
    into_recorded_all(page, log.upcaster()).await
}

/// [`crate::EventStore::read_all_stored`] of either store: a page as stored.
pub(crate) async fn read_all_stored(
    log: &impl RawLog,
    after_position: i64,
    limit: usize,
) -> Result<Vec<RecordedEvent<String>>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    log.raw_page(after_position, limit).await
}

/// Recomputes the chain from genesis to the head read at the start, page by page. With a
/// digest `from` kept earlier, the hash recomputed at its position must also be the kept
/// one: then nothing at or before that position changed since the digest was taken — an
/// event edited in place breaks the chain at its own position, and a chain rewritten
/// consistently from some event on no longer reaches the kept hash.
pub(crate) async fn verify(
    log: &impl RawLog,
    from: Option<LedgerDigest>,
) -> Result<VerifyReport, StoreError> {
    let from = from.unwrap_or_else(LedgerDigest::genesis);
    let head = log.raw_head().await?;
    let broken = |checked: u64, good: LedgerDigest, at: i64| VerifyReport {
        ok: false,
        events_checked: checked,
        head: good,
        first_broken_position: Some(at),
        digest_mismatch: None,
    };
    // A kept digest the chain does not reach is reported apart from a broken chain, once
    // the chain has been checked to the head.
    let mut mismatch =
        (from.global_position == 0 && from.hash != GENESIS_HASH).then(|| DigestMismatch {
            global_position: 0,
            kept_hash: from.hash.clone(),
            recorded_hash: Some(GENESIS_HASH.to_owned()),
        });

    let mut good = LedgerDigest::genesis();
    let mut checked = 0u64;
    'pages: while good.global_position < head.global_position {
        let page = log.raw_page(good.global_position, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for event in page {
            if event.global_position > head.global_position {
                break 'pages;
            }
            let expected = good.global_position + 1;
            if event.global_position != expected {
                return Ok(broken(checked, good, expected));
            }
            if event.prev_hash != good.hash || event.hashed().hash() != event.hash {
                return Ok(broken(checked, good, expected));
            }
            if event.global_position == from.global_position && event.hash != from.hash {
                mismatch = Some(DigestMismatch {
                    global_position: from.global_position,
                    kept_hash: from.hash.clone(),
                    recorded_hash: Some(event.hash.clone()),
                });
            }
            checked += 1;
            good = LedgerDigest {
                global_position: event.global_position,
                hash: event.hash,
            };
        }
    }
    if good.global_position < head.global_position {
        let at = good.global_position + 1;
        return Ok(broken(checked, good, at));
    }
    if good.global_position == head.global_position && good.hash != head.hash {
        let at = head.global_position;
        return Ok(broken(checked, good, at));
    }
    if from.global_position > good.global_position {
        // The ledger no longer reaches the digest's position.
        mismatch = Some(DigestMismatch {
            global_position: from.global_position,
            kept_hash: from.hash.clone(),
            recorded_hash: None,
        });
    }
    Ok(VerifyReport {
        ok: mismatch.is_none(),
        events_checked: checked,
        head: good,
        first_broken_position: None,
        digest_mismatch: mismatch,
    })
}

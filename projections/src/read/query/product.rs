//! The one read path of a product for an actor: its current state, its state as recorded
//! at a time or after a version, or its recognition on a business date — from the read
//! model when it has caught up with the log, else from the log — refused outside the
//! actor's scope. The HTTP handlers and the web pages read a product through
//! [`ProductReader`] and nothing else.

use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::Actor;
use ocop_domain::authorization::{self, RecordedPlace};
use serde_json::Value;
use uuid::Uuid;

use super::ReadModels;
use crate::command::service::{CommandService, ServiceError, ValidOn};
use crate::db::ReadDb;
use crate::error::ProjectionError;

/// What is asked of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductAsk {
    /// Its current state.
    Now,
    /// Its state as recorded at this time: "what did we know then".
    AsOf(DateTime<Utc>),
    /// Its state after this version (1 or more).
    AtVersion(i64),
    /// Which recognition held on this business date, judged from everything recorded or,
    /// with `known_at`, from what was recorded by then.
    ValidOn {
        date: NaiveDate,
        known_at: Option<DateTime<Utc>>,
    },
}

/// A product's state at a version, as JSON (the shape of `ProductState`).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionedState {
    pub version: i64,
    pub state: Value,
}

/// The answer to a [`ProductAsk`].
#[derive(Debug, Clone, PartialEq)]
pub enum ProductAnswer {
    State(VersionedState),
    ValidOn(ValidOn),
}

/// Why a product read gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No such product, or none yet at the time or version asked.
    #[error("{0}")]
    NotFound(String),
    /// The product lies outside the actor's scope.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Reads products for actors: the read models, and the command service's loads of the log
/// (with the states it keeps) where the read side is behind or the past is asked for.
#[derive(Clone)]
pub struct ProductReader {
    models: ReadModels,
    service: CommandService,
}

impl std::fmt::Debug for ProductReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductReader")
            .field("models", &self.models)
            .finish_non_exhaustive()
    }
}

impl ProductReader {
    pub fn new(models: ReadModels, service: CommandService) -> Self {
        ProductReader { models, service }
    }

    /// The product's current state, when `actor` may read it (judged with the units in
    /// force `on`).
    pub async fn current(
        &self,
        actor: &Actor,
        product_id: Uuid,
        on: NaiveDate,
    ) -> Result<VersionedState, ReadError> {
        let current = self.current_state(product_id).await?;
        let place = RecordedPlace::of(&current.state);
        if !may_read(self.models.db(), actor, place.as_ref(), on).await? {
            let province = place.as_ref().map_or("?", |p| p.province.as_str());
            return Err(ReadError::Forbidden(format!(
                "{} in scope {} may not read a product of province {province}",
                actor.role.as_str(),
                actor.scope
            )));
        }
        Ok(current)
    }

    /// What `ask` asks of the product, when `actor` may read it (its current place
    /// decides: a product's place never changes).
    pub async fn product(
        &self,
        actor: &Actor,
        product_id: Uuid,
        ask: ProductAsk,
        on: NaiveDate,
    ) -> Result<ProductAnswer, ReadError> {
        let current = self.current(actor, product_id, on).await?;
        let service = &self.service;
        let loaded = match ask {
            ProductAsk::Now => return Ok(ProductAnswer::State(current)),
            ProductAsk::ValidOn { date, known_at } => {
                let answer = service
                    .recognition_valid_on(product_id, date, known_at)
                    .await?;
                if answer.as_of_version == 0 {
                    return Err(ReadError::NotFound(format!(
                        "product {product_id} was not recorded yet at that time"
                    )));
                }
                return Ok(ProductAnswer::ValidOn(answer));
            }
            ProductAsk::AsOf(t) => {
                let loaded = service.state_as_of(product_id, t).await?;
                if loaded.version == 0 {
                    return Err(ReadError::NotFound(format!(
                        "product {product_id} was not recorded yet at {t}"
                    )));
                }
                loaded
            }
            ProductAsk::AtVersion(v) => {
                let loaded = service.state_at_version(product_id, v).await?;
                if loaded.version < v {
                    return Err(ReadError::NotFound(format!(
                        "product {product_id} has {} versions, not {v}",
                        loaded.version
                    )));
                }
                loaded
            }
        };
        Ok(ProductAnswer::State(VersionedState {
            version: loaded.version,
            state: to_json(&loaded.state)?,
        }))
    }

    /// The current state and version: the read model's when it has applied the stream's
    /// last version (read in the same statement, ADR 0004), else the stream folded.
    async fn current_state(&self, product_id: Uuid) -> Result<VersionedState, ReadError> {
        if let (Some(view), log_version) = self.models.product_and_log_version(product_id).await? {
            if view.version >= log_version {
                return Ok(VersionedState {
                    version: view.version,
                    state: view.state,
                });
            }
        }
        let loaded = self.service.load(product_id).await?;
        if loaded.version == 0 {
            return Err(ReadError::NotFound(format!(
                "no such product: {product_id}"
            )));
        }
        Ok(VersionedState {
            version: loaded.version,
            state: to_json(&loaded.state)?,
        })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, ProjectionError> {
    serde_json::to_value(value).map_err(|e| ProjectionError::Corrupt(e.to_string()))
}

/// Whether `actor` may read a product recorded at `place` on the day `on`
/// ([`authorization::may_read`], the scope model of commands and reads alike): today's
/// units are those of the province succession and, for a commune's officer reading another
/// commune's record, of the commune succession an operator loaded. A record without a
/// valid place is for national scopes only.
pub async fn may_read(
    db: &ReadDb,
    actor: &Actor,
    place: Option<&RecordedPlace>,
    on: NaiveDate,
) -> Result<bool, ProjectionError> {
    if actor.scope == ocop_domain::Scope::National {
        return Ok(true);
    }
    let Some(place) = place else {
        return Ok(false);
    };
    let held_by =
        crate::import::units::held_by(db, &actor.scope, place.commune.as_ref(), on).await?;
    Ok(authorization::may_read(
        actor,
        &place.on(on, held_by.as_ref()),
    ))
}

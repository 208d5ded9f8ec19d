//! The pure OCOP lifecycle: events, commands, rule versions, `decide` and `evolve`.
//!
//! Every product (sản phẩm) has one stream. [`decide`] turns a command into events or a
//! [`DomainError`]; [`evolve`] folds an event into the [`ProductState`]. Both are pure:
//! no IO, no clock, no random ids — time, ids and the actor come in with the command.
//!
//! ```
//! use ocop_domain::commands::RegisterProduct;
//! use ocop_domain::events::{Producer, ProducerKind, ProductGroup};
//! use ocop_domain::{decide, fold_from, Actor, Command, CommandBody, CommandMeta, ProductState, Role, Scope, Status};
//! use uuid::Uuid;
//!
//! let officer = Actor::new("u1", Role::CommuneOfficer, Scope::parse("province:68/commune:24730")?);
//! let product_id = Uuid::from_u128(1); // ids come from outside (UUID v7 in the API)
//! let meta = CommandMeta::new(officer, "2025-08-01T02:00:00Z".parse()?, product_id, vec![Uuid::from_u128(2)]);
//! let body = CommandBody::RegisterProduct(RegisterProduct {
//!     name: "Mật ong hoa cà phê".into(),
//!     producer: Producer { name: "HTX Nông nghiệp Đắk Song".into(), kind: ProducerKind::Cooperative, tax_code: None },
//!     product_group: ProductGroup::Food,
//!     product_set: "Mật ong".into(),
//!     province: "68".parse()?,
//!     commune: Some("24730".parse()?),
//!     district: None,
//!     local_code: None,
//!     registered_on: "2025-08-01".parse()?,
//! });
//! let state = ProductState::default();
//! let events = decide(&state, &Command::new(meta, body))?;
//! assert_eq!(events[0].body.event_type(), "ProductRegistered");
//! let state = fold_from(state, &events);
//! assert_eq!(state.status, Status::Registered);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod actor;
pub mod audit;
pub mod authorization;
pub mod codes;
pub mod commands;
pub mod criteria;
mod decide;
pub mod error;
pub mod events;
mod evolve;
pub mod rules;
pub mod score;
pub mod state;
pub mod text;
pub mod timers;
pub mod units;
pub mod upcast;
pub mod validity;

pub use actor::{Actor, Role, Scope, ScopeError};
pub use codes::{CodeError, CommuneCode, DistrictCode, ProvinceCode, Sha256Hex};
pub use commands::{Command, CommandBody, CommandMeta};
pub use error::DomainError;
pub use events::{Event, EventBody};
pub use rules::{Level, RuleBook, RuleVersion, RulesVersionId};
pub use score::Mean;
pub use state::{ProductState, Stage, Status};

/// Decides a command on a state under the standard rule book.
pub fn decide(state: &ProductState, command: &Command) -> Result<Vec<Event>, DomainError> {
    decide::decide_with(RuleBook::standard(), state, command)
}

/// Decides a command under a given rule book (e.g. one with an operator-added version).
pub fn decide_with(
    rules: &RuleBook,
    state: &ProductState,
    command: &Command,
) -> Result<Vec<Event>, DomainError> {
    decide::decide_with(rules, state, command)
}

/// Applies one event; never fails, tolerating any event `decide` could emit and legacy ones.
pub fn evolve(state: ProductState, event: &Event) -> ProductState {
    evolve::evolve(state, event)
}

/// Folds events from the empty state.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> ProductState {
    fold_from(ProductState::default(), events)
}

/// Folds events onto a state.
pub fn fold_from<'a>(
    state: ProductState,
    events: impl IntoIterator<Item = &'a Event>,
) -> ProductState {
    events.into_iter().fold(state, evolve)
}

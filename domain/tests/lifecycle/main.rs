//! Given / when / then tests of every transition and rejection of the product lifecycle.

#[path = "../support/mod.rs"]
mod support;

use ocop_domain::commands::*;
use ocop_domain::events::*;
use ocop_domain::rules::{Level, RulesVersionId};
use ocop_domain::state::{RecognitionEndReason, RoundOutcome, Stage, Status};
use ocop_domain::{Actor, Command, CommandBody, DomainError, EventBody, Mean, Role, Scope};
use support::*;
use uuid::Uuid;

fn qd148() -> RulesVersionId {
    RulesVersionId::QD148_2023
}
fn qd1489() -> RulesVersionId {
    RulesVersionId::QD1489_2025
}

mod commune_assessment;
mod complaints;
mod conclusion;
mod corrections;
mod councils;
mod decisions;
mod future_facts;
mod legacy_import;
mod opening;
mod registration;
mod return_and_amend;
mod revocation;
mod rule_versions;
mod scorecards;
mod timers;
mod withdrawal;

// Bodies more than one section builds.
use complaints::complaint_body;
use corrections::correction_body;
use legacy_import::legacy_body;
use revocation::revocation_body;
use timers::expire;

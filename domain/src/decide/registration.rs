//! Registering a product and importing a legacy recognition: the commands that start a
//! stream.

use crate::authorization::{Grant, Place, require, require_national};
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::rules::{Level, RuleBook};
use crate::score::Mean;
use crate::state::ProductState;
use crate::validity;

use super::*;

pub(super) fn register(
    s: &ProductState,
    meta: &CommandMeta,
    c: &RegisterProduct,
) -> Result<EventBody, DomainError> {
    if let Some(product_id) = s.product_id {
        return Err(DomainError::AlreadyRegistered { product_id });
    }
    if c.commune.is_none() && c.district.is_none() {
        return Err(DomainError::LocationMissing);
    }
    let place = Place {
        on: meta.issued_on(),
        province: &c.province,
        commune: c.commune.as_ref(),
        district: c.district.as_ref(),
        held_by: None,
    };
    require(
        &meta.actor,
        &[Grant::CommuneOfficer, Grant::DistrictSecretary],
        &place,
        "register a product",
    )?;
    non_blank("name", &c.name)?;
    non_blank("producer.name", &c.producer.name)?;
    non_blank("product_set", &c.product_set)?;
    let mut producer = c.producer.clone();
    producer.tax_code = opt_text(&producer.tax_code);
    Ok(EventBody::ProductRegistered(ProductRegistered {
        product_id: meta.product_id,
        name: c.name.clone(),
        producer,
        product_group: c.product_group,
        product_set: c.product_set.clone(),
        province: c.province.clone(),
        commune: c.commune.clone(),
        district: c.district.clone(),
        local_code: opt_text(&c.local_code),
        registered_on: c.registered_on,
    }))
}

pub(super) fn import(
    rules: &RuleBook,
    s: &ProductState,
    meta: &CommandMeta,
    c: &ImportLegacyRecognition,
) -> Result<EventBody, DomainError> {
    require_national(&meta.actor, Grant::Admin, "import legacy recognitions")?;
    if let Some(product_id) = s.product_id {
        return Err(DomainError::AlreadyRegistered { product_id });
    }
    non_blank("product_name", &c.product_name)?;
    non_blank("producer_name", &c.producer_name)?;
    non_blank("decision_no", &c.decision_no)?;
    non_blank("authority", &c.authority)?;
    if !(3..=5).contains(&c.stars) {
        return Err(DomainError::StarsOutOfRange { stars: c.stars });
    }
    let score = match opt_text(&c.score) {
        None => None,
        Some(text) => {
            // Rule 12: a list's stars above its score's band are a fact of law as written;
            // the audit flags them (`stars_above_band`) on the record, never a refusal.
            let mean = Mean::parse_decimal(text.trim())
                .filter(|m| !m.at_least(101) && m.cmp_points(100).is_le())
                .ok_or(DomainError::InvalidScore {
                    value: text.clone(),
                })?;
            Some(mean)
        }
    };
    let local_code = opt_text(&c.local_code);
    let mut missing = Vec::new();
    if score.is_none() {
        missing.push("score".to_owned());
    }
    if c.valid_until.is_none() {
        missing.push("valid_until".to_owned());
    }
    if c.commune.is_none() {
        missing.push("commune".to_owned());
    }
    if local_code.is_none() {
        missing.push("local_code".to_owned());
    }
    Ok(EventBody::LegacyRecognitionImported(
        LegacyRecognitionImported {
            product_id: meta.product_id,
            name: c.product_name.clone(),
            producer: Producer {
                name: c.producer_name.clone(),
                kind: c.producer_kind,
                tax_code: None,
            },
            product_group: c.product_group,
            product_set: None,
            province: c.province.clone(),
            district: c.district.clone(),
            commune: c.commune.clone(),
            local_code,
            stars: c.stars,
            score,
            level: c.level.unwrap_or(if c.stars == 5 {
                Level::Central
            } else {
                Level::Provincial
            }),
            rules_version: rules.in_force_on(c.decided_on).ok().map(|v| v.id.clone()),
            decision_no: c.decision_no.clone(),
            decided_on: c.decided_on,
            authority: c.authority.clone(),
            valid_until: validity::valid_until(c.decided_on),
            stated_valid_until: c.valid_until,
            missing_evidence: missing,
            source: opt_text(&c.source),
            certificate_no: opt_text(&c.certificate_no),
            potential_five_star: c.potential_five_star,
        },
    ))
}

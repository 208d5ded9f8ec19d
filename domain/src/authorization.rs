//! Authorization as a domain rule: who may issue which command for which product.
//!
//! A grant pairs a role with the scope it must hold relative to the product:
//!
//! | grant | role | scope must be |
//! |---|---|---|
//! | commune officer | `commune_officer` | `province:P/commune:C` of the product |
//! | district secretary | `district_secretary` | `province:P/district:D` of the product |
//! | provincial secretary | `provincial_secretary` | `province:P` of the product |
//! | central secretary | `central_secretary` | `national` |
//! | inspector | `inspector` | `province:P` of the product or `national` |
//! | admin | `admin` | `national` |
//! | system | `system` | any |
//!
//! "Of the product" follows the 2025 merger ([`crate::units`]): from 1 Jul 2025 a
//! province's scope covers the records of the provinces it succeeded (`province:08`,
//! Tuyên Quang, covers a product recorded under `02`, Hà Giang), judged on the day the
//! command is issued. The districts were abolished that day and their records passed to
//! their province: from then on, a product recorded with a district and no commune has its
//! commune officer's work done by the provincial secretary of its province.
//!
//! Who may do what (the http-api role table, and decisions where it is silent):
//!
//! - **Register a product**: commune officer of its commune; district secretary of its
//!   district (records of rounds before 1 Jul 2025). *Decision*: districts registered
//!   products under the older procedures, so their secretaries may too.
//! - **Open an evaluation**: commune officer of the product's commune; district secretary
//!   of its district when the rules in force on `opened_on` have a district level.
//! - **Return the dossier**: the secretary (or, at the commune level, the commune officer)
//!   of the level the round is at. *Decision*: the reviewing level returns, as the
//!   lifecycle says; the http-api names the provincial secretary, the commonest case.
//! - **Amend the dossier**: commune officer of the product's commune (the producer files
//!   through the commune), district secretary of its district, or whoever may return it
//!   at the round's current level. *Decision*.
//! - **Record the commune assessment**: commune officer of the product's commune.
//! - **Convene a council, record scorecards, conclude, decide**: the secretary of that
//!   level — district (of the product's district), provincial (of its province) or
//!   central (national). Members never record their own cards; the secretary does.
//! - **Record a complaint or an inspection**: inspector (province of the product or
//!   national) and provincial secretary of its province. *Decision*: the provincial
//!   OCOP office receives complaints too.
//! - **Revoke**: the authority that recognised it — provincial secretary of the product's
//!   province for provincial awards and for district awards (the districts were
//!   abolished in 2025, the province took over their records); district secretary of its
//!   district for district awards; the central secretary for any award (the ministry may
//!   revoke, lifecycle rule 7). *Decision*: the ministry's power covers every level.
//! - **Withdraw**: commune officer of the product's commune or provincial secretary of its
//!   province, recording the producer's request. *Decision*.
//! - **Correct an entry**: provincial secretary of the product's province, the central
//!   secretary, or admin (who imported legacy rows). *Decision*: corrections are
//!   clerical and stay with the offices that keep the records.
//! - **Timers** (expiry notice, expiry): `system`, or `admin` running `ocop timers run`.
//! - **Import a legacy recognition**: admin.
//! - `auditor` writes nothing.

use chrono::NaiveDate;

use crate::actor::{Actor, Role, Scope};
use crate::codes::{CommuneCode, DistrictCode, ProvinceCode};
use crate::error::DomainError;
use crate::rules::Level;
use crate::units;

/// Where a product is, for scope checks, and the day the check is made on (which decides
/// the administrative units in force).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The day of the command (its issue date in Vietnam).
    pub on: NaiveDate,
    /// Province.
    pub province: &'a ProvinceCode,
    /// Commune.
    pub commune: Option<&'a CommuneCode>,
    /// District.
    pub district: Option<&'a DistrictCode>,
    /// The commune in force on `on` that holds the record, when a reorganisation of
    /// communes moved it ([`crate::CommandMeta::held_by`]).
    pub held_by: Option<&'a CommuneCode>,
}

impl Place<'_> {
    /// Whether the record is `commune`'s: recorded there, or held by it since a
    /// reorganisation of communes.
    pub fn is_in(&self, commune: &CommuneCode) -> bool {
        self.commune == Some(commune) || self.held_by == Some(commune)
    }
}

/// The place a product was recorded with, as its state (and every read model row built
/// from it) carries it: what a scope is checked against, with the units in force on the
/// day of the check ([`RecordedPlace::on`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPlace {
    /// Province.
    pub province: ProvinceCode,
    /// Commune, when the product was registered by one.
    pub commune: Option<CommuneCode>,
    /// District, for records of the rounds before 1 Jul 2025 filed by a district.
    pub district: Option<DistrictCode>,
}

impl RecordedPlace {
    /// The place read from a product's state (or anything with its `province`, `commune`
    /// and `district` fields) as [`RecordedPlace::parse`] reads a row's codes: the three
    /// fields looked up, not the whole state walked.
    pub fn of(value: &serde_json::Value) -> Option<RecordedPlace> {
        let field = |name: &str| value.get(name).and_then(serde_json::Value::as_str);
        RecordedPlace::parse(field("province")?, field("commune"), field("district"))
    }

    /// The place of a read model's row, from its codes; `None` without a valid province
    /// (a commune or district that is not a valid code is left out).
    pub fn parse(
        province: &str,
        commune: Option<&str>,
        district: Option<&str>,
    ) -> Option<RecordedPlace> {
        Some(RecordedPlace {
            province: ProvinceCode::parse(province).ok()?,
            commune: commune.and_then(|c| CommuneCode::parse(c).ok()),
            district: district.and_then(|d| DistrictCode::parse(d).ok()),
        })
    }

    /// This place as checked on `on`, held since by `held_by` when a reorganisation of
    /// communes moved it.
    pub fn on<'a>(&'a self, on: NaiveDate, held_by: Option<&'a CommuneCode>) -> Place<'a> {
        Place {
            on,
            province: &self.province,
            commune: self.commune.as_ref(),
            district: self.district.as_ref(),
            held_by,
        }
    }
}

/// A role with the scope it must hold relative to the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `commune_officer` of the product's commune.
    CommuneOfficer,
    /// `district_secretary` of the product's district.
    DistrictSecretary,
    /// `provincial_secretary` of the product's province.
    ProvincialSecretary,
    /// `central_secretary`, national.
    CentralSecretary,
    /// `inspector` of the product's province or national.
    Inspector,
    /// `admin`, national.
    Admin,
    /// `system`.
    System,
}

impl Grant {
    /// Every grant: who holds none of them for a product may not act on it at all.
    pub const ALL: [Grant; 7] = [
        Grant::CommuneOfficer,
        Grant::DistrictSecretary,
        Grant::ProvincialSecretary,
        Grant::CentralSecretary,
        Grant::Inspector,
        Grant::Admin,
        Grant::System,
    ];

    /// The grant that does council work (and decides) at a level.
    pub fn secretary_of(level: Level) -> Grant {
        match level {
            Level::Commune => Grant::CommuneOfficer,
            Level::District => Grant::DistrictSecretary,
            Level::Provincial => Grant::ProvincialSecretary,
            Level::Central => Grant::CentralSecretary,
        }
    }

    /// Who holds this grant for a product at `place`, in the contract's words (`None` for
    /// a grant no one can hold there, and for the engine's own `system`).
    pub fn holder(self, place: &Place<'_>) -> Option<String> {
        let province = place.province;
        match self {
            Grant::CommuneOfficer => match place.commune {
                Some(c) => Some(format!(
                    "commune_officer of province:{province}/commune:{c}"
                )),
                None if place.on >= units::MERGER_2025 => Some(format!(
                    "provincial_secretary of province:{} (the district's records passed to \
                     the province)",
                    units::province_on(province.as_str(), place.on)
                )),
                None => None,
            },
            Grant::DistrictSecretary => place
                .district
                .map(|d| format!("district_secretary of province:{province}/district:{d}")),
            Grant::ProvincialSecretary => Some(format!(
                "provincial_secretary of province:{}",
                units::province_on(province.as_str(), place.on)
            )),
            Grant::CentralSecretary => Some("central_secretary (national)".to_owned()),
            Grant::Inspector => Some(format!(
                "inspector of province:{} or national",
                units::province_on(province.as_str(), place.on)
            )),
            Grant::Admin => Some("admin (national)".to_owned()),
            Grant::System => None,
        }
    }

    /// Whether `actor` holds this grant for a product at `place`.
    pub fn allows(self, actor: &Actor, place: &Place<'_>) -> bool {
        let covers = |province: &ProvinceCode| {
            units::province_covers(province.as_str(), place.province.as_str(), place.on)
        };
        match (self, actor.role, &actor.scope) {
            (Grant::CommuneOfficer, Role::CommuneOfficer, Scope::Commune { province, commune }) => {
                covers(province)
                    && (place.commune == Some(commune) || place.held_by == Some(commune))
            }
            // A district's records passed to its province with the merger.
            (Grant::CommuneOfficer, Role::ProvincialSecretary, Scope::Province { province }) => {
                place.commune.is_none() && place.on >= units::MERGER_2025 && covers(province)
            }
            (
                Grant::DistrictSecretary,
                Role::DistrictSecretary,
                Scope::District { province, district },
            ) => province == place.province && place.district == Some(district),
            (
                Grant::ProvincialSecretary,
                Role::ProvincialSecretary,
                Scope::Province { province },
            ) => covers(province),
            (Grant::CentralSecretary, Role::CentralSecretary, Scope::National) => true,
            (Grant::Inspector, Role::Inspector, Scope::National) => true,
            (Grant::Inspector, Role::Inspector, Scope::Province { province }) => covers(province),
            (Grant::Admin, Role::Admin, Scope::National) => true,
            (Grant::System, Role::System, _) => true,
            _ => false,
        }
    }
}

/// Checks that `actor` holds one of `grants` for a product at `place`.
pub fn require(
    actor: &Actor,
    grants: &[Grant],
    place: &Place<'_>,
    what: &str,
) -> Result<(), DomainError> {
    if grants.iter().any(|g| g.allows(actor, place)) {
        Ok(())
    } else {
        let mut location = format!("province {}", place.province);
        if let Some(d) = place.district {
            location.push_str(&format!(", district {d}"));
        }
        if let Some(c) = place.commune {
            location.push_str(&format!(", commune {c}"));
        }
        let who = if grants == Grant::ALL {
            "this role and scope hold no grant for it".to_owned()
        } else {
            let mut holders: Vec<String> = Vec::new();
            for holder in grants.iter().filter_map(|g| g.holder(place)) {
                if !holders.contains(&holder) {
                    holders.push(holder);
                }
            }
            format!("it may be sent by {}", holders.join(" or "))
        };
        Err(DomainError::Forbidden {
            role: actor.role,
            scope: actor.scope.clone(),
            reason: format!("{what}: the product is in {location}; {who}"),
        })
    }
}

/// Whether `actor` may read a product at `place`: a national scope reads everything, the
/// others what lies in their scope — a province's scope covering, from the merger, the
/// records of the provinces it succeeded, as for commands.
pub fn may_read(actor: &Actor, place: &Place<'_>) -> bool {
    let covers =
        |p: &ProvinceCode| units::province_covers(p.as_str(), place.province.as_str(), place.on);
    match &actor.scope {
        Scope::National => true,
        Scope::Province { province } => covers(province),
        Scope::Commune { province, commune } => covers(province) && place.is_in(commune),
        Scope::District { province, district } => {
            province == place.province && place.district == Some(district)
        }
    }
}

/// The place filters of a list as asked (codes as given, unchecked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPlace {
    pub province: Option<String>,
    pub commune: Option<String>,
    pub district: Option<String>,
}

/// Narrows a list's place filters to `actor`'s scope on the day `on`, as [`may_read`]
/// judges one product: a filter left out is set to the scope's own place, a filter naming a
/// place outside the scope is refused with that place (`"province 02"`). A province's scope
/// lists the records of the provinces it succeeded too, and may be narrowed to one of them
/// (`province:08` with `province=02`).
pub fn confine_list(actor: &Actor, filter: &mut ListPlace, on: NaiveDate) -> Result<(), String> {
    fn pin(slot: &mut Option<String>, value: &str, what: &str) -> Result<(), String> {
        match slot {
            Some(given) if given != value => Err(format!("{what} {given}")),
            _ => {
                *slot = Some(value.to_owned());
                Ok(())
            }
        }
    }
    let pin_province = |slot: &mut Option<String>, scope: &ProvinceCode| match slot {
        Some(given) if units::province_covers(scope.as_str(), given, on) => Ok(()),
        _ => pin(slot, scope.as_str(), "province"),
    };
    match &actor.scope {
        Scope::National => {}
        Scope::Province { province } => pin_province(&mut filter.province, province)?,
        Scope::Commune { province, commune } => {
            pin_province(&mut filter.province, province)?;
            pin(&mut filter.commune, commune.as_str(), "commune")?;
        }
        Scope::District { province, district } => {
            pin(&mut filter.province, province.as_str(), "province")?;
            pin(&mut filter.district, district.as_str(), "district")?;
        }
    }
    Ok(())
}

/// Checks a command that has no product place (legacy import, before registration).
pub fn require_national(actor: &Actor, grant: Grant, what: &str) -> Result<(), DomainError> {
    let ok = match grant {
        Grant::Admin => actor.role == Role::Admin && actor.scope == Scope::National,
        Grant::System => actor.role == Role::System,
        Grant::CentralSecretary => {
            actor.role == Role::CentralSecretary && actor.scope == Scope::National
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::Forbidden {
            role: actor.role,
            scope: actor.scope.clone(),
            reason: what.to_owned(),
        })
    }
}

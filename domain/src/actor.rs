//! Who acts: the user, their role and the administrative scope they act in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::{CodeError, CommuneCode, DistrictCode, ProvinceCode};

/// The user behind a command, as named by their token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The user id.
    pub user: String,
    /// The one role the token grants.
    pub role: Role,
    /// The administrative scope the role is exercised in.
    pub scope: Scope,
}

impl Actor {
    /// Builds an actor.
    pub fn new(user: impl Into<String>, role: Role, scope: Scope) -> Self {
        Self {
            user: user.into(),
            role,
            scope,
        }
    }

    /// The engine's own actor for timers (`system`, national scope).
    pub fn system() -> Self {
        Self::new("system", Role::System, Scope::National)
    }
}

/// A role of the http-api role table, plus `system` for the engine's timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ xã: registers products, opens evaluations, records commune assessments.
    CommuneOfficer,
    /// Thư ký hội đồng huyện: district council work (rule versions with a district level).
    DistrictSecretary,
    /// Thư ký hội đồng tỉnh: provincial council work, decisions, revocations, inspections.
    ProvincialSecretary,
    /// Thư ký hội đồng trung ương: central council work, 5★ decisions and their revocation.
    CentralSecretary,
    /// Records complaints and inspections in scope.
    Inspector,
    /// Reads everything, writes nothing.
    Auditor,
    /// Legacy import, projection rebuild, timers.
    Admin,
    /// The engine's timer.
    System,
}

impl Role {
    /// The roles a token or an account may hold (every role but the engine's own).
    pub const OF_PEOPLE: [Role; 7] = [
        Role::CommuneOfficer,
        Role::DistrictSecretary,
        Role::ProvincialSecretary,
        Role::CentralSecretary,
        Role::Inspector,
        Role::Auditor,
        Role::Admin,
    ];

    /// The role's wire name, e.g. `provincial_secretary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CommuneOfficer => "commune_officer",
            Role::DistrictSecretary => "district_secretary",
            Role::ProvincialSecretary => "provincial_secretary",
            Role::CentralSecretary => "central_secretary",
            Role::Inspector => "inspector",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }

    /// Whether `scope` is of the kind the contract's role table gives this role: a commune
    /// for `commune_officer`, a district for `district_secretary`, a province for
    /// `provincial_secretary`, a province or national for `inspector`, national for the
    /// others.
    pub fn fits(self, scope: &Scope) -> bool {
        match self {
            Role::CommuneOfficer => matches!(scope, Scope::Commune { .. }),
            Role::DistrictSecretary => matches!(scope, Scope::District { .. }),
            Role::ProvincialSecretary => matches!(scope, Scope::Province { .. }),
            Role::Inspector => matches!(scope, Scope::Province { .. } | Scope::National),
            Role::CentralSecretary | Role::Auditor | Role::Admin | Role::System => {
                *scope == Scope::National
            }
        }
    }

    /// Parses a role's wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::OF_PEOPLE
            .into_iter()
            .chain([Role::System])
            .find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An administrative scope, written `national`, `province:68`,
/// `province:68/commune:24730` or `province:01/district:001`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// The whole country (ministry, central council, auditors, admin).
    National,
    /// One province.
    Province {
        /// The province.
        province: ProvinceCode,
    },
    /// One commune of a province.
    Commune {
        /// The province.
        province: ProvinceCode,
        /// The commune.
        commune: CommuneCode,
    },
    /// One district of a province (before 1 Jul 2025).
    District {
        /// The province.
        province: ProvinceCode,
        /// The district.
        district: DistrictCode,
    },
}

/// A scope string that is not one of the four forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// The string has none of the four shapes.
    #[error(
        "invalid scope {0:?}: expected national, province:NN, province:NN/commune:NNNNN or province:NN/district:NNN"
    )]
    Shape(String),
    /// A code inside the scope is invalid.
    #[error("invalid scope: {0}")]
    Code(#[from] CodeError),
}

impl Scope {
    /// Parses the http-api string form of a scope.
    pub fn parse(s: &str) -> Result<Scope, ScopeError> {
        if s == "national" {
            return Ok(Scope::National);
        }
        let shape = || ScopeError::Shape(s.to_owned());
        let rest = s.strip_prefix("province:").ok_or_else(shape)?;
        let (province, below) = match rest.split_once('/') {
            Some((p, b)) => (p, Some(b)),
            None => (rest, None),
        };
        let province = ProvinceCode::parse(province)?;
        match below {
            None => Ok(Scope::Province { province }),
            Some(b) => {
                if let Some(c) = b.strip_prefix("commune:") {
                    Ok(Scope::Commune {
                        province,
                        commune: CommuneCode::parse(c)?,
                    })
                } else if let Some(d) = b.strip_prefix("district:") {
                    Ok(Scope::District {
                        province,
                        district: DistrictCode::parse(d)?,
                    })
                } else {
                    Err(shape())
                }
            }
        }
    }

    /// The province of the scope, if any.
    pub fn province(&self) -> Option<&ProvinceCode> {
        match self {
            Scope::National => None,
            Scope::Province { province }
            | Scope::Commune { province, .. }
            | Scope::District { province, .. } => Some(province),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::National => f.write_str("national"),
            Scope::Province { province } => write!(f, "province:{province}"),
            Scope::Commune { province, commune } => {
                write!(f, "province:{province}/commune:{commune}")
            }
            Scope::District { province, district } => {
                write!(f, "province:{province}/district:{district}")
            }
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::parse(s)
    }
}

impl TryFrom<String> for Scope {
    type Error = ScopeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Scope::parse(&value)
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        scope.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_through_their_string_forms() {
        for s in [
            "national",
            "province:68",
            "province:68/commune:24730",
            "province:01/district:001",
        ] {
            let scope = Scope::parse(s).unwrap();
            assert_eq!(scope.to_string(), s);
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
        }
    }

    #[test]
    fn malformed_scopes_are_rejected() {
        for s in [
            "",
            "nation",
            "province:6",
            "province:68/commune:247",
            "province:68/ward:24730",
            "province:01/district:1",
            "commune:24730",
        ] {
            assert!(Scope::parse(s).is_err(), "{s} should be rejected");
        }
    }

    #[test]
    fn roles_use_snake_case_names() {
        assert_eq!(
            serde_json::to_string(&Role::ProvincialSecretary).unwrap(),
            "\"provincial_secretary\""
        );
        assert_eq!(Role::parse("system"), Some(Role::System));
        assert_eq!(Role::parse("minister"), None);
    }
}

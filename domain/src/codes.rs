//! Validated identifiers: administrative unit codes and document hashes.
//!
//! Administrative unit codes are the General Statistics Office codes, kept as strings
//! because leading zeros matter (`"01"` is Hà Nội):
//!
//! - [`ProvinceCode`]: exactly 2 ASCII digits (`"68"`, `"01"`);
//! - [`DistrictCode`]: exactly 3 ASCII digits (`"001"`), for records before 1 Jul 2025;
//! - [`CommuneCode`]: exactly 5 ASCII digits (`"24730"`).
//!
//! A record keeps the code it was made with; the 2025 merger of provinces is mapped in
//! queries, never by rewriting history, so no code is checked against a list of units.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that failed validation on construction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: expected {expected}")]
pub struct CodeError {
    /// What was being parsed, e.g. `province code`.
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// What a valid value looks like.
    pub expected: &'static str,
}

macro_rules! digit_code {
    ($(#[$doc:meta])* $name:ident, $len:expr, $kind:expr, $expected:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a code, accepting only the exact number of ASCII digits.
            pub fn parse(value: &str) -> Result<Self, CodeError> {
                if value.len() == $len && value.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(CodeError { kind: $kind, value: value.to_owned(), expected: $expected })
                }
            }

            /// The code as recorded.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

digit_code!(
    /// A province code: exactly 2 digits, e.g. `"68"`.
    ProvinceCode, 2, "province code", "2 digits"
);
digit_code!(
    /// A district code: exactly 3 digits, e.g. `"001"` (districts ended on 1 Jul 2025).
    DistrictCode, 3, "district code", "3 digits"
);
digit_code!(
    /// A commune code: exactly 5 digits, e.g. `"24730"`.
    CommuneCode, 5, "commune code", "5 digits"
);

/// A SHA-256 digest as 64 hexadecimal characters, stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Parses 64 hex digits (either case) and keeps them in lower case.
    pub fn parse(value: &str) -> Result<Self, CodeError> {
        if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(CodeError {
                kind: "sha256",
                value: value.to_owned(),
                expected: "64 hexadecimal characters",
            })
        }
    }

    /// The digest in lower-case hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Sha256Hex> for String {
    fn from(h: Sha256Hex) -> String {
        h.0
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_codes_are_exactly_two_digits() {
        assert!(ProvinceCode::parse("68").is_ok());
        assert!(ProvinceCode::parse("01").is_ok());
        assert!(ProvinceCode::parse("1").is_err());
        assert!(ProvinceCode::parse("681").is_err());
        assert!(ProvinceCode::parse("6a").is_err());
    }

    #[test]
    fn district_and_commune_codes_have_three_and_five_digits() {
        assert!(DistrictCode::parse("001").is_ok());
        assert!(DistrictCode::parse("01").is_err());
        assert!(CommuneCode::parse("24730").is_ok());
        assert!(CommuneCode::parse("2473").is_err());
    }

    #[test]
    fn codes_deserialize_only_when_valid() {
        let ok: Result<CommuneCode, _> = serde_json::from_str("\"24730\"");
        assert_eq!(ok.unwrap().as_str(), "24730");
        let bad: Result<CommuneCode, _> = serde_json::from_str("\"x4730\"");
        assert!(bad.is_err());
    }

    #[test]
    fn sha256_is_64_hex_kept_in_lower_case() {
        let upper = "AB".repeat(32);
        assert_eq!(Sha256Hex::parse(&upper).unwrap().as_str(), "ab".repeat(32));
        assert!(Sha256Hex::parse("abc").is_err());
        assert!(Sha256Hex::parse(&"g".repeat(64)).is_err());
    }

    #[test]
    fn code_errors_say_what_was_expected() {
        let err = ProvinceCode::parse("6").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid province code \"6\": expected 2 digits"
        );
    }
}

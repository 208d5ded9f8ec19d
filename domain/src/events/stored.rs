//! Parsing a stored payload straight into its event type.
//!
//! [`EventBody`] is internally tagged (`"type"` inside the object). serde reads such an enum
//! by buffering every field until it meets the tag — in canonical JSON, whose keys are
//! sorted, the tag comes after most of them — and then reading the buffer a second time.
//! The log stores each event's type beside its payload, so a reader that has it parses the
//! payload once, into the variant's own struct, and checks on the way that the tag inside
//! the payload says the same.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};

use super::EventBody;

/// The event body of a stored payload of type `event_type` (the envelope's column): the
/// same result as `serde_json::from_str::<EventBody>(payload)`, read in one pass. The
/// payload's own `"type"` must be present and equal `event_type`.
pub fn body_from_json(event_type: &str, payload: &str) -> Result<EventBody, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(payload);
    let tagged = Tagged {
        tag: event_type,
        inner: &mut json,
    };
    macro_rules! variants {
        ($($variant:ident),* $(,)?) => {
            match event_type {
                $(stringify!($variant) => EventBody::$variant(Deserialize::deserialize(tagged)?),)*
                other => return Err(de::Error::custom(format!("unknown event type {other}"))),
            }
        };
    }
    let body = variants!(
        ProductRegistered,
        EvaluationOpened,
        DossierReturned,
        DossierAmended,
        LocalAssessmentRecorded,
        CouncilConvened,
        ScorecardRecorded,
        ScoringConcluded,
        ScoringReopened,
        RecognitionDecided,
        RecognitionRefused,
        LegacyRecognitionImported,
        ExpiryNoticeIssued,
        RecognitionExpired,
        ComplaintReceived,
        InspectionRecorded,
        RecognitionRevoked,
        ProductWithdrawn,
        EntryCorrected,
    );
    json.end()?;
    Ok(body)
}

/// A deserializer of one JSON object that hides its `"type"` key from the struct reading
/// it, after checking its value.
struct Tagged<'t, D> {
    tag: &'t str,
    inner: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tagged<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(WithoutTag {
            tag: self.tag,
            visitor,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(
            name,
            fields,
            WithoutTag {
                tag: self.tag,
                visitor,
            },
        )
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The visitor of the object, handed the object's entries without the tag.
struct WithoutTag<'t, V> {
    tag: &'t str,
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for WithoutTag<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries {
            tag: self.tag,
            map,
            seen: false,
        })
    }
}

/// An object's entries with the tag checked and left out.
struct Entries<'t, A> {
    tag: &'t str,
    map: A,
    seen: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(Key(key)) = self.map.next_key::<Key<'de>>()? else {
                if !self.seen {
                    return Err(de::Error::missing_field("type"));
                }
                return Ok(None);
            };
            if key != "type" {
                return match key {
                    Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)),
                    Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)),
                }
                .map(Some);
            }
            if self.seen {
                return Err(de::Error::duplicate_field("type"));
            }
            let Key(tag) = self.map.next_value::<Key<'de>>()?;
            if tag != self.tag {
                return Err(de::Error::custom(format!(
                    "payload of type {tag} recorded as {}",
                    self.tag
                )));
            }
            self.seen = true;
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key or the tag's value, borrowed from the payload unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::body_from_json;
    use crate::events::EventBody;
    use serde_json::{Value, json};

    fn notice() -> Value {
        json!({
            "type": "ExpiryNoticeIssued",
            "decision_no": "12/QĐ-UBND",
            "valid_until": "2028-07-31",
            "due_on": "2028-07-01",
            "issued_on": "2028-07-02"
        })
    }

    #[test]
    fn a_payload_reads_as_serde_reads_it_wherever_its_tag_is() {
        let value = notice();
        let expected: EventBody = serde_json::from_value(value.clone()).unwrap();
        // Keys sorted (the tag last but one), and the tag first.
        let sorted = value.to_string();
        let first = format!(
            "{{\"type\":\"ExpiryNoticeIssued\",{}",
            &sorted[1..].replace(",\"type\":\"ExpiryNoticeIssued\"", "")
        );
        for text in [sorted, first] {
            assert_eq!(
                body_from_json("ExpiryNoticeIssued", &text).unwrap(),
                expected
            );
        }
    }

    #[test]
    fn a_tag_that_differs_from_the_recorded_type_is_refused() {
        let text = notice().to_string();
        let err = body_from_json("RecognitionExpired", &text).unwrap_err();
        assert!(err.to_string().contains("recorded as RecognitionExpired"));
    }

    #[test]
    fn a_missing_or_repeated_tag_or_trailing_text_is_refused_and_unknown_fields_as_serde_does() {
        let mut value = notice();
        value.as_object_mut().unwrap().remove("type");
        assert!(body_from_json("ExpiryNoticeIssued", &value.to_string()).is_err());
        let twice = notice()
            .to_string()
            .replacen('{', "{\"type\":\"ExpiryNoticeIssued\",", 1);
        assert!(body_from_json("ExpiryNoticeIssued", &twice).is_err());
        let mut value = notice();
        value["surprise"] = json!(1);
        let text = value.to_string();
        assert_eq!(
            body_from_json("ExpiryNoticeIssued", &text).is_ok(),
            serde_json::from_str::<EventBody>(&text).is_ok()
        );
        let registered = json!({"type": "ProductRegistered", "surprise": 1}).to_string();
        assert!(body_from_json("ProductRegistered", &registered).is_err());
        let trailing = format!("{} {{}}", notice());
        assert!(body_from_json("ExpiryNoticeIssued", &trailing).is_err());
        assert!(body_from_json("NoSuchEvent", &notice().to_string()).is_err());
    }
}

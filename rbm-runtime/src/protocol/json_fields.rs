//! Reading a JSON object's keys as bytes.
//!
//! serde's derived `Deserialize` asks serde_json for every key as a `str`,
//! so each key of every delivery is checked for UTF-8 (about a hundred
//! instructions per key, most of it the check's set-up on a short string).
//! A known key is ASCII and is recognised by its bytes alone; only a key
//! that matches none is checked, so that a body that is not UTF-8 is still
//! refused as before.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A JSON string's bytes, without the UTF-8 check of a `str` (borrowed
/// unless it has escapes, which are resolved).
pub(super) fn string_bytes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Cow<'de, [u8]>, D::Error> {
    struct StringBytes;
    impl<'de> Visitor<'de> for StringBytes {
        type Value = Cow<'de, [u8]>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_vec()))
        }

        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v.as_bytes()))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.as_bytes().to_vec()))
        }
    }
    deserializer.deserialize_bytes(StringBytes)
}

/// An object's key, as bytes.
pub(super) struct Key<'de>(pub(super) Cow<'de, [u8]>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        string_bytes(deserializer).map(Self)
    }
}

/// Reads the value of a known key into `slot`, refusing a key seen before
/// (as derived code does: `duplicate field`).
pub(super) fn take<'de, T, A>(
    seen: &mut bool,
    slot: &mut T,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    if std::mem::replace(seen, true) {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = map.next_value()?;
    Ok(())
}

/// Skips the value of a key that matches no field, once the key is known
/// to be UTF-8 (as derived code, which reads keys as `str`, requires).
pub(super) fn skip<'de, A: MapAccess<'de>>(key: &[u8], map: &mut A) -> Result<(), A::Error> {
    if std::str::from_utf8(key).is_err() {
        return Err(de::Error::custom("invalid unicode in an object key"));
    }
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// Declares a struct whose fields are all optional and its `Deserialize`,
/// which reads an object's keys as bytes: `field: Type = b"jsonName"`
/// gives `field: Option<Type>`, `None` when the key is absent or `null`.
macro_rules! optional_fields {
    (
        $(#[$meta:meta])*
        struct $name:ident {
            $($field:ident: $ty:ty = $key:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Default)]
        struct $name {
            $($field: Option<$ty>,)*
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> serde::de::Visitor<'de> for Fields {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$name, A::Error> {
                        #[derive(Default)]
                        struct Seen {
                            $($field: bool,)*
                        }
                        let mut value = $name::default();
                        let mut seen = Seen::default();
                        while let Some($crate::protocol::json_fields::Key(key)) = map.next_key()? {
                            match &*key {
                                $($key => $crate::protocol::json_fields::take(
                                    &mut seen.$field,
                                    &mut value.$field,
                                    &mut map,
                                    const {
                                        match std::str::from_utf8($key) {
                                            Ok(name) => name,
                                            Err(_) => panic!("a field name is UTF-8"),
                                        }
                                    },
                                )?,)*
                                other => $crate::protocol::json_fields::skip(other, &mut map)?,
                            }
                        }
                        Ok(value)
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }
    };
}
pub(super) use optional_fields;

#[cfg(test)]
mod tests {
    optional_fields! {
        /// Two fields, for the tests.
        #[derive(Debug)]
        struct Pair {
            first_name: String = b"firstName",
            count: u32 = b"count",
        }
    }

    fn parse(json: &[u8]) -> Result<Pair, serde_json::Error> {
        serde_json::from_slice(json)
    }

    #[test]
    fn known_keys_are_read_and_others_skipped() {
        let pair =
            parse(br#"{"x":[1,{"y":2}],"firstName":"Ada","count":3,"z":null}"#).expect("an object");
        assert_eq!(pair.first_name.as_deref(), Some("Ada"));
        assert_eq!(pair.count, Some(3));
        let empty = parse(br#"{"firstName":null}"#).expect("an object");
        assert_eq!((empty.first_name, empty.count), (None, None));
    }

    #[test]
    fn escaped_keys_match_as_their_text() {
        let pair = parse(br#"{"first\u004eame":"Ada"}"#).expect("an object");
        assert_eq!(pair.first_name.as_deref(), Some("Ada"));
    }

    #[test]
    fn refuses_what_derived_code_refuses() {
        let duplicate = parse(br#"{"count":1,"count":2}"#).expect_err("a duplicate");
        assert!(
            duplicate.to_string().contains("duplicate field `count`"),
            "{duplicate}"
        );
        let duplicate_null = parse(br#"{"count":null,"count":2}"#).expect_err("a duplicate");
        assert!(duplicate_null.to_string().contains("duplicate field"));
        assert!(
            parse(b"{\"n\xffme\":1}").is_err(),
            "a key that is not UTF-8"
        );
        assert!(
            parse(br#"{"count":"three"}"#).is_err(),
            "a value of the wrong type"
        );
        assert!(parse(br#"[1,2]"#).is_err(), "not an object");
    }
}

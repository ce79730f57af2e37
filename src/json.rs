//! Strict JSON parsing for untrusted input.
//!
//! `serde_json::Value` keeps the last of two members with the same name; two
//! parsers that disagree on which one wins let an attacker show the gateway
//! one claim and the origin another. RFC 7515 §5.2 and RFC 7519 §4 let a
//! validator refuse duplicate names, so we do, everywhere (headers, claims,
//! key sets, JSON-RPC bodies). Nesting is bounded so hostile input cannot
//! exhaust the stack.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// How deep arrays and objects may nest in a token or body.
pub const MAX_DEPTH: usize = 32;

/// Room made at once for the members of a document's outermost object.
const TOP_MEMBERS: usize = 8;

/// Why a document was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// Not well-formed UTF-8 JSON.
    Syntax,
    /// An object has the same member name twice.
    DuplicateMember,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Parses `input` as JSON, refusing duplicate member names and deep nesting.
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    let violation = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(input);
    let value = Strict { depth: MAX_DEPTH, violation: &violation }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match (value, violation.get()) {
        (Ok(v), None) => Ok(v),
        (_, Some(v)) => Err(v),
        (Err(_), None) => Err(JsonError::Syntax),
    }
}

/// The member `name` of `object`. serde_json's order-keeping map hashes
/// every name looked up with SipHash; a JOSE header or a claims set holds a
/// dozen members or so, and a token's are looked up about twenty times per
/// decision, so a small object is scanned instead (names differ mostly in
/// length, which is compared first). A large one is looked up by hash.
/// Never inlined: a copy of the scan in each caller made the npm wasm 2.3 KB
/// larger and was no faster.
#[inline(never)]
pub fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if object.len() > SCAN_MEMBERS {
        return object.get(name);
    }
    object.iter().find_map(|(k, v)| (k == name).then_some(v))
}

/// Most members of an object [`member`] scans.
const SCAN_MEMBERS: usize = 16;

/// Parses `input` as a JSON object (the shape of JOSE headers, claims sets and JWKs).
pub fn parse_object(input: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse(input)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::Syntax),
    }
}

struct Strict<'a> {
    depth: usize,
    violation: &'a Cell<Option<JsonError>>,
}

impl Strict<'_> {
    fn nested<E: serde::de::Error>(&self) -> Result<Self, E> {
        if self.depth == 0 {
            self.violation.set(Some(JsonError::TooDeep));
            return Err(E::custom("nesting too deep"));
        }
        Ok(Strict { depth: self.depth - 1, violation: self.violation })
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict { depth: inner.depth, violation: inner.violation })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.nested()?;
        // A document's own object (a JOSE header, a claims set) is grown
        // once, not at its 4th and 8th member.
        let mut out = if self.depth == MAX_DEPTH { Map::with_capacity(TOP_MEMBERS) } else { Map::new() };
        while let Some(key) = map.next_key::<String>()? {
            // One lookup per member: the slot found free is the one filled.
            let Entry::Vacant(slot) = out.entry(key) else {
                self.violation.set(Some(JsonError::DuplicateMember));
                return Err(A::Error::custom("duplicate member name"));
            };
            slot.insert(map.next_value_seed(Strict { depth: inner.depth, violation: inner.violation })?);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ordinary_json() {
        let v = parse(br#"{"a":[1,2.5,"x",null,true,{"b":{}}],"c":-3}"#).unwrap();
        assert_eq!(v["a"][1], 2.5);
        assert_eq!(v["c"], -3);
    }

    #[test]
    fn member_finds_what_get_finds_at_every_size() {
        for size in [0, 1, SCAN_MEMBERS, SCAN_MEMBERS + 1, 3 * SCAN_MEMBERS] {
            let object: Map<String, Value> = (0..size).map(|i| (format!("m{i}"), Value::from(i))).collect();
            for name in (0..=size).map(|i| format!("m{i}")).chain(["".to_owned(), "m".to_owned(), "m00".to_owned()]) {
                assert_eq!(member(&object, &name), object.get(&name), "{size} members, {name:?}");
            }
        }
    }

    #[test]
    fn refuses_duplicates_at_any_depth() {
        assert_eq!(parse(br#"{"a":1,"a":2}"#), Err(JsonError::DuplicateMember));
        assert_eq!(parse(br#"{"x":[{"a":1,"b":0,"a":2}]}"#), Err(JsonError::DuplicateMember));
        // Escapes decode to the same name: still a duplicate.
        assert_eq!(parse(br#"{"alg":1,"\u0061lg":2}"#), Err(JsonError::DuplicateMember));
    }

    #[test]
    fn bounds_nesting() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(deep.as_bytes()), Err(JsonError::TooDeep));
        let very_deep = "[".repeat(100_000);
        assert_eq!(parse(very_deep.as_bytes()), Err(JsonError::TooDeep));
    }

    #[test]
    fn refuses_bad_syntax_and_trailing_data() {
        for bad in [&b"{"[..], b"{} {}", b"\xff", b"{\"a\":1e309}", b"", b"{\"a\":\"\\ud800\"}"] {
            assert_eq!(parse(bad), Err(JsonError::Syntax), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_object(b"[1]"), Err(JsonError::Syntax));
    }
}

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
    let value = Strict::tree(MAX_DEPTH, &violation).deserialize(&mut de).and_then(|v| de.end().map(|()| v.into_value()));
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

/// Most members of an object [`member`] scans, and [`Object`] checks for a repeated name pairwise.
const SCAN_MEMBERS: usize = 16;

/// Parses `input` as a JSON object (the shape of JOSE headers, claims sets and JWKs).
pub fn parse_object(input: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse(input)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::Syntax),
    }
}

/// A JSON object read from untrusted input — a JOSE header (RFC 7515 §4), a
/// JWT Claims Set (RFC 7519 §2) — exactly as strictly as [`parse_object`]
/// reads it (UTF-8, no member name twice at any depth, bounded nesting), but
/// kept as the document's text with its members listed in order. A string
/// member, the common case, is where it sits in the text (unless it holds an
/// escape), not a copy; numbers, booleans and null need no allocation either,
/// so only arrays and objects become [`Value`] trees. A token's claims are
/// read a few dozen times per decision and dropped when the token leaves the
/// verified-token cache: as a [`Map`] they were most of a decision's
/// allocations and hashing.
#[derive(Clone, Default)]
pub struct Object {
    text: Box<str>,
    members: Vec<(Text, Slot)>,
}

/// A member name or string value: a span of the document's text, or its
/// own copy when its JSON form holds escapes.
#[derive(Clone)]
enum Text {
    At(usize, usize),
    Own(Box<str>),
}

/// A member's value as an [`Object`] keeps it.
#[derive(Clone)]
enum Slot {
    Str(Text),
    /// Any value but a string.
    Other(Value),
}

/// A member's value, as [`Object::get`] finds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Member<'a> {
    /// A string.
    Str(&'a str),
    /// Any other value (or a string inside an array or object).
    Value(&'a Value),
}

impl<'a> Member<'a> {
    /// The string, if this is one.
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Member::Str(s) => Some(s),
            Member::Value(v) => v.as_str(),
        }
    }

    /// The value as a tree, unless it is a string member.
    pub fn value(self) -> Option<&'a Value> {
        match self {
            Member::Str(_) => None,
            Member::Value(v) => Some(v),
        }
    }

    /// True if this is a string.
    pub fn is_string(self) -> bool {
        self.as_str().is_some()
    }

    /// True if this is a number.
    pub fn is_number(self) -> bool {
        self.value().is_some_and(Value::is_number)
    }

    /// True if this is `null`.
    pub fn is_null(self) -> bool {
        self.value().is_some_and(Value::is_null)
    }

    /// An owned [`Value`] of it.
    pub fn to_value(self) -> Value {
        match self {
            Member::Str(s) => Value::String(s.to_owned()),
            Member::Value(v) => v.clone(),
        }
    }
}

impl Object {
    /// Parses `input` as a JSON object, refusing what [`parse_object`] refuses.
    pub fn parse(input: Vec<u8>) -> Result<Object, JsonError> {
        let text = String::from_utf8(input).map_err(|_| JsonError::Syntax)?.into_boxed_str();
        let violation = Cell::new(None);
        let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
        let read = Strict { keep: Keep::Members(&text), ..Strict::tree(MAX_DEPTH, &violation) }.deserialize(&mut de).and_then(|m| de.end().map(|()| m));
        let members = match (read, violation.get()) {
            (Ok(Item::Members(m)), None) => m,
            (_, Some(v)) => return Err(v),
            // Not an object, or not JSON.
            (_, None) => return Err(JsonError::Syntax),
        };
        Object::indexed(text, members)
    }

    /// `map` (JSON the host parsed itself) read back as the core reads a
    /// document, nesting bounded likewise.
    pub fn from_map(map: &Map<String, Value>) -> Result<Object, JsonError> {
        Object::parse(serde_json::to_vec(map).map_err(|_| JsonError::Syntax)?)
    }

    /// The object, or why not: a name twice. A small object's names are
    /// compared pairwise; a large one's in name order, so that an attacker's
    /// thousand names cost a sort, not a million comparisons.
    fn indexed(text: Box<str>, members: Vec<(Text, Slot)>) -> Result<Object, JsonError> {
        let object = Object { text, members };
        let n = object.members.len();
        let duplicate = if n <= SCAN_MEMBERS {
            (1..n).any(|i| object.members[..i].iter().any(|(t, _)| object.is_named(t, object.name(i))))
        } else {
            let mut by_name: Vec<u32> = (0..n as u32).collect();
            heapsort(&mut by_name, |a, b| object.name(a as usize) < object.name(b as usize));
            by_name.windows(2).any(|w| object.name(w[0] as usize) == object.name(w[1] as usize))
        };
        if duplicate {
            return Err(JsonError::DuplicateMember);
        }
        Ok(object)
    }

    fn text_of<'a>(&'a self, t: &'a Text) -> &'a str {
        match t {
            Text::At(start, end) => self.text.get(*start..*end).unwrap_or_default(),
            Text::Own(s) => s,
        }
    }

    /// True if `t` is `name`: lengths first, as most names differ in length.
    fn is_named(&self, t: &Text, name: &str) -> bool {
        match t {
            Text::At(start, end) => end - start == name.len() && self.text.as_bytes().get(*start..*end) == Some(name.as_bytes()),
            Text::Own(s) => **s == *name,
        }
    }

    fn name(&self, i: usize) -> &str {
        self.text_of(&self.members[i].0)
    }

    fn member_at(&self, i: usize) -> Member<'_> {
        match &self.members[i].1 {
            Slot::Str(t) => Member::Str(self.text_of(t)),
            Slot::Other(v) => Member::Value(v),
        }
    }

    /// The member `name`, if present. Scanned, names compared by length
    /// first: a header or claims set holds a few dozen members at most, and
    /// before a token's signature is checked only a handful are looked up
    /// (the header's, `iss`, an issuer pattern's claim), so even an
    /// attacker's thousand members cost a handful of scans.
    pub fn get(&self, name: &str) -> Option<Member<'_>> {
        let i = self.members.iter().position(|(t, _)| self.is_named(t, name))?;
        Some(self.member_at(i))
    }

    /// True if the object has a member `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// How many members it has.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True if it has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members, in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Member<'_>)> {
        (0..self.members.len()).map(|i| (self.name(i), self.member_at(i)))
    }

    /// The object as a [`Map`].
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter().map(|(k, v)| (k.to_owned(), v.to_value())).collect()
    }
}

impl PartialEq for Object {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|((a, x), (b, y))| a == b && x.to_value() == y.to_value())
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.len()))?;
        for (name, member) in self.iter() {
            match member {
                Member::Str(v) => map.serialize_entry(name, v)?,
                Member::Value(v) => map.serialize_entry(name, v)?,
            }
        }
        map.end()
    }
}

/// `value` (an object) written out and read back as an [`Object`], for tests.
#[cfg(test)]
pub(crate) fn object(value: Value) -> Object {
    Object::parse(value.to_string().into_bytes()).expect("an object")
}

/// Sorts `items` by `less` in place, in O(n log n) whatever the input (an
/// attacker chooses the names) and without recursion. The standard
/// library's sort would be some 11 KB of wasm for this one use.
fn heapsort(items: &mut [u32], less: impl Fn(u32, u32) -> bool) {
    let sift_down = |items: &mut [u32], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(items[child], items[child + 1]) {
            child += 1;
        }
        if !less(items[root], items[child]) {
            return;
        }
        items.swap(root, child);
        root = child;
    };
    let n = items.len();
    for root in (0..n / 2).rev() {
        sift_down(items, root, n);
    }
    for end in (1..n).rev() {
        items.swap(0, end);
        sift_down(items, 0, end);
    }
}

/// Where `s` sits in `text`; `None` if it is not a slice of it (a string
/// serde_json decoded into a buffer of its own, having met an escape).
fn span(text: &str, s: &str) -> Option<Text> {
    let start = (s.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start.checked_add(s.len()).filter(|&end| end <= text.len())?;
    Some(Text::At(start, end))
}

/// What [`Strict`] read: a tree, or (reading an [`Object`]) its members and
/// their strings as spans of the document.
enum Item {
    Str(Text),
    /// Any value but a string read as a span.
    Other(Value),
    /// The members of the object [`Object::parse`] reads.
    Members(Vec<(Text, Slot)>),
}

impl Item {
    fn into_slot(self) -> Slot {
        match self {
            Item::Str(t) => Slot::Str(t),
            other => Slot::Other(other.into_value()),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Item::Other(v) => v,
            Item::Str(Text::Own(s)) => Value::String(s.into()),
            // Spans and member lists are only made where a document's text is given.
            Item::Str(Text::At(..)) | Item::Members(_) => Value::Null,
        }
    }
}

/// How [`Strict`] keeps what it reads.
#[derive(Clone, Copy)]
enum Keep<'a> {
    /// A [`Value`] tree.
    Tree,
    /// A member value of an [`Object`]: a string as a span of the document.
    Spans(&'a str),
    /// The [`Object`] itself: its members listed, not mapped.
    Members(&'a str),
}

/// The one reader of untrusted JSON (one copy of serde_json's parser in
/// the wasm builds): a [`Value`] tree, or an [`Object`]'s members with
/// strings as spans of the document.
struct Strict<'a> {
    depth: usize,
    violation: &'a Cell<Option<JsonError>>,
    keep: Keep<'a>,
}

impl<'a> Strict<'a> {
    fn tree(depth: usize, violation: &'a Cell<Option<JsonError>>) -> Self {
        Strict { depth, violation, keep: Keep::Tree }
    }

    fn nested<E: serde::de::Error>(&self) -> Result<Self, E> {
        if self.depth == 0 {
            self.violation.set(Some(JsonError::TooDeep));
            return Err(E::custom("nesting too deep"));
        }
        Ok(Strict::tree(self.depth - 1, self.violation))
    }

    fn string(&self, v: &str) -> Item {
        match self.keep {
            Keep::Tree => Item::Other(Value::String(v.to_owned())),
            Keep::Spans(text) | Keep::Members(text) => Item::Str(span(text, v).unwrap_or_else(|| Text::Own(v.into()))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Item;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Item, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Item, E> {
        Ok(Item::Other(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Item, E> {
        Ok(Item::Other(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Item, E> {
        Ok(Item::Other(v.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Item, E> {
        Number::from_f64(v).map(|n| Item::Other(Value::Number(n))).ok_or_else(|| E::custom("non-finite number"))
    }
    // Borrowed or not, a string is a span only if it lies in the document.
    fn visit_str<E>(self, v: &str) -> Result<Item, E> {
        Ok(self.string(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Item, E> {
        Ok(match self.keep {
            Keep::Tree => Item::Other(Value::String(v)),
            Keep::Spans(_) | Keep::Members(_) => Item::Str(Text::Own(v.into_boxed_str())),
        })
    }
    fn visit_unit<E>(self) -> Result<Item, E> {
        Ok(Item::Other(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item, A::Error> {
        let inner = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict::tree(inner.depth, inner.violation))? {
            items.push(item.into_value());
        }
        Ok(Item::Other(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let inner = self.nested()?;
        if let Keep::Members(text) = self.keep {
            // Names checked for repeats once all are read (Object::indexed).
            let mut members = Vec::with_capacity(TOP_MEMBERS);
            while let Some(name) = map.next_key_seed(Name(text))? {
                let value = Strict { keep: Keep::Spans(text), ..Strict::tree(inner.depth, inner.violation) };
                members.push((name, map.next_value_seed(value)?.into_slot()));
            }
            return Ok(Item::Members(members));
        }
        // A document's own object (a key set, a body) is grown once, not at its 4th and 8th member.
        let mut out = if self.depth == MAX_DEPTH { Map::with_capacity(TOP_MEMBERS) } else { Map::new() };
        while let Some(name) = map.next_key::<String>()? {
            // One lookup per member: the slot found free is the one filled.
            let Entry::Vacant(slot) = out.entry(name) else {
                self.violation.set(Some(JsonError::DuplicateMember));
                return Err(A::Error::custom("duplicate member name"));
            };
            slot.insert(map.next_value_seed(Strict::tree(inner.depth, inner.violation))?.into_value());
        }
        Ok(Item::Other(Value::Object(out)))
    }
}

/// A member name of an [`Object`]: a span of the document unless it has escapes.
struct Name<'t>(&'t str);

impl<'de> DeserializeSeed<'de> for Name<'_> {
    type Value = Text;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name<'_> {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Text, E> {
        Ok(span(self.0, v).unwrap_or_else(|| Text::Own(v.into())))
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

    /// The documents `Object::parse` reads: each as `parse_object` reads it.
    fn documents() -> Vec<Vec<u8>> {
        let mut docs: Vec<Vec<u8>> = [
            &br#"{"iss":"https://a.example","aud":["x","y"],"exp":1.5e9,"n":null,"t":true,"o":{"a":[1,{}]}}"#[..],
            br#" { "" : "" , "\u0061lg":"\n\u00e9\ud83d\ude00" } "#,
            br#"{"alg":1,"\u0061lg":2}"#,
            br#"{"a":1,"b":2,"a":3}"#,
            br#"{"x":[{"a":1,"b":0,"a":2}]}"#,
            br#"{"x":{"a":{"b":1,"b":1}}}"#,
            br#"{"a":"\ud800"}"#,
            br#"{"\ud800":1}"#,
            br#"{"a":1e309}"#,
            br#"{"a":-0,"b":18446744073709551615,"c":-9223372036854775808,"d":1e-400}"#,
            br#"{"a":1} {}"#,
            br#"{"a":1,}"#,
            br#"{"a" 1}"#,
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\xff\"}",
            b"{\"\xc3\xa9\":\"\xe2\x82\xac\"}",
            b"[1]",
            b"\"a\"",
            b"1",
            b"",
            b"{}",
        ]
        .iter()
        .map(|d| d.to_vec())
        .collect();
        // Nesting at the bound and past it, under a member.
        for depth in [MAX_DEPTH - 1, MAX_DEPTH] {
            docs.push(format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth)).into_bytes());
        }
        // Objects past the scanned size: one name twice (escaped or not), or each once.
        for size in [SCAN_MEMBERS, SCAN_MEMBERS + 1, 40] {
            let names: Vec<String> = (0..size).map(|i| format!("\"m{i}\":\"v{i}\"")).collect();
            docs.push(format!("{{{}}}", names.join(",")).into_bytes());
            docs.push(format!("{{{},\"m{}\":0}}", names.join(","), size / 2).into_bytes());
            docs.push(format!("{{{},\"\\u006d{}\":0}}", names.join(","), size - 1).into_bytes());
        }
        docs
    }

    #[test]
    fn an_object_accepts_and_reads_what_parse_object_does() {
        for doc in documents() {
            let text = String::from_utf8_lossy(&doc).into_owned();
            let want = parse_object(&doc);
            let got = Object::parse(doc);
            assert_eq!(got.as_ref().map(Object::to_map).ok(), want.clone().ok(), "{text}");
            if let (Ok(object), Ok(map)) = (&got, &want) {
                for (name, value) in map {
                    assert_eq!(object.get(name).map(Member::to_value).as_ref(), Some(value), "{text}: {name}");
                }
                for absent in ["", "m", "m00", "zz", "\u{e9}"] {
                    assert_eq!(object.get(absent).map(Member::to_value), map.get(absent).cloned(), "{text}: {absent}");
                }
                assert_eq!(serde_json::to_value(object).unwrap(), Value::Object(map.clone()));
            }
        }
    }

    #[test]
    fn an_object_refuses_a_name_twice_with_the_error_parse_gives() {
        assert_eq!(Object::parse(br#"{"a":1,"a":2}"#.to_vec()).map(|_| ()), Err(JsonError::DuplicateMember));
        assert_eq!(Object::parse(br#"{"alg":1,"\u0061lg":2}"#.to_vec()).map(|_| ()), Err(JsonError::DuplicateMember));
        assert_eq!(Object::parse(br#"{"x":[{"a":1,"a":2}]}"#.to_vec()).map(|_| ()), Err(JsonError::DuplicateMember));
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(Object::parse(deep.into_bytes()).map(|_| ()), Err(JsonError::TooDeep));
    }

    #[test]
    fn a_string_member_is_a_string_with_or_without_escapes() {
        let object = Object::parse(br#"{"plain":"a","\u0065scaped":"\n\u00e9","n":1}"#.to_vec()).unwrap();
        assert_eq!(object.get("plain"), Some(Member::Str("a")));
        assert_eq!(object.get("escaped"), Some(Member::Str("\n\u{e9}")));
        assert_eq!(object.get("n").and_then(Member::value), Some(&Value::from(1)));
    }

    #[test]
    fn heapsort_sorts_every_order() {
        for n in 0..9u32 {
            for seed in 0..50u32 {
                let mut items: Vec<u32> = (0..n).map(|i| (i * 7 + seed * 13) % (n + 3)).collect();
                let mut want = items.clone();
                want.sort();
                heapsort(&mut items, |a, b| a < b);
                assert_eq!(items, want);
            }
        }
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

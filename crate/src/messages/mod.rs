//! The message catalogue: every sentence the scanner puts in a report (evidence notes,
//! categories, finding titles that name a specific thing, error messages) has an id and
//! an English template with named arguments (`{name}`). A report carries each message as
//! `{id, args, text}`: `text` is the English rendering, for consumers that do not
//! localise; the CLI and the page render `id` + `args` in the reader's language.
//!
//! The English templates are [`en`]. The Turkish ones are [`tr::TR`], a table the
//! scanner never refers to: the CLI links it; the page's wasm does not, it fetches the
//! table as a language pack (`static/tr.json`, web/src/tr_pack.rs) when it is first shown
//! in Turkish. Arguments are data from the file (names, code, counts)
//! or nested messages (a category inside a note, a reader's error inside
//! `error.unreadable`), never English prose of their own: the readers' errors (zip,
//! HDF5, JSON, protobuf, marshal, bytecode) are messages too, the structure names they
//! pass around as `&str` are `term.*` entries ([`term`]), and location labels are read
//! back from the `location.*` templates ([`render_place`]). Only the text of the
//! operating system or of a panic is quoted as it is.

pub mod en;
pub mod tr;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

/// One catalogue entry: an id and its English template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub id: &'static str,
    pub en: &'static str,
}

/// An argument of a message: data (kept as is in every language) or a nested message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Msg(Message),
}

/// A rendered message: the catalogue id, its arguments by name, and the English text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
    /// The English rendering (also what `Display` shows).
    pub text: String,
}

/// Builds a [`Message`]: `msg!(en::NAME)` or `msg!(en::NAME, arg = value, …)`; a value
/// is anything [`ToArg`] (strings, numbers, a nested [`Message`]).
///
/// A site passes its arguments by reference, as `&dyn ToArg`, to one non-generic
/// constructor: ~150 sites, each only an array of pointers, instead of a `Vec` built and
/// filled inline at every site (the page's scanning worker was KBs larger that way).
#[macro_export]
macro_rules! msg {
    ($t:expr $(,)?) => {
        $crate::messages::Message::new($t, ::std::vec::Vec::new())
    };
    ($t:expr $(, $name:ident = $value:expr)+ $(,)?) => {
        $crate::messages::Message::from_refs($t, &[$((stringify!($name), &$value as &dyn $crate::messages::ToArg)),+])
    };
}

/// What a message argument can be copied from (the by-reference form of [`IntoArg`],
/// used by [`msg!`]).
pub trait ToArg {
    fn to_arg(&self) -> Arg;
}

impl ToArg for Message {
    fn to_arg(&self) -> Arg {
        Arg::Msg(self.clone())
    }
}
impl ToArg for Box<Message> {
    fn to_arg(&self) -> Arg {
        Arg::Msg((**self).clone())
    }
}
impl IntoArg for Box<Message> {
    fn into_arg(self) -> Arg {
        Arg::Msg(*self)
    }
}
impl ToArg for &Message {
    fn to_arg(&self) -> Arg {
        Arg::Msg((*self).clone())
    }
}
impl ToArg for Template {
    fn to_arg(&self) -> Arg {
        Arg::Msg(Message::new(*self, Vec::new()))
    }
}
impl ToArg for String {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.clone())
    }
}
impl ToArg for &String {
    fn to_arg(&self) -> Arg {
        Arg::Text((*self).clone())
    }
}
impl ToArg for &str {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.to_string())
    }
}
impl ToArg for &&str {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.to_string())
    }
}
impl ToArg for Arg {
    fn to_arg(&self) -> Arg {
        self.clone()
    }
}

/// What a message argument can be made from.
pub trait IntoArg {
    fn into_arg(self) -> Arg;
}

impl IntoArg for Message {
    fn into_arg(self) -> Arg {
        Arg::Msg(self)
    }
}
impl IntoArg for Template {
    fn into_arg(self) -> Arg {
        Arg::Msg(Message::new(self, Vec::new()))
    }
}
impl IntoArg for String {
    fn into_arg(self) -> Arg {
        Arg::Text(self)
    }
}
impl IntoArg for &String {
    fn into_arg(self) -> Arg {
        Arg::Text(self.clone())
    }
}
impl IntoArg for &str {
    fn into_arg(self) -> Arg {
        Arg::Text(self.to_string())
    }
}
impl IntoArg for &&str {
    fn into_arg(self) -> Arg {
        Arg::Text(self.to_string())
    }
}
impl IntoArg for Arg {
    fn into_arg(self) -> Arg {
        self
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl IntoArg for $t {
            fn into_arg(self) -> Arg {
                Arg::Text(self.to_string())
            }
        }
        impl ToArg for $t {
            fn to_arg(&self) -> Arg {
                Arg::Text(self.to_string())
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

impl Message {
    /// What [`msg!`] calls: one constructor for every site (never inlined into them).
    #[inline(never)]
    pub fn from_refs(t: Template, args: &[(&'static str, &dyn ToArg)]) -> Message {
        Message::new(t, args.iter().map(|(n, a)| (*n, a.to_arg())).collect())
    }

    pub fn new(t: Template, args: Vec<(&'static str, Arg)>) -> Message {
        let text = fill(t.en, &|name| {
            args.iter().find(|(n, _)| *n == name).map(|(_, a)| match a {
                Arg::Text(s) => s.clone(),
                Arg::Msg(m) => m.text.clone(),
            })
        });
        Message { id: t.id, args, text }
    }

    /// This message in the language of `lookup` (id → template); the English text for
    /// an id the lookup does not know.
    pub fn render(&self, lookup: &dyn Fn(&str) -> Option<&'static str>) -> String {
        let Some(template) = lookup(self.id) else { return self.text.clone() };
        fill(template, &|name| {
            self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| match a {
                Arg::Text(s) => s.clone(),
                Arg::Msg(m) => m.render(lookup),
            })
        })
    }

    /// Rendered in Turkish ([`tr::TR`]).
    pub fn turkish(&self) -> String {
        self.render(&tr::lookup)
    }
}

/// A term as a message argument: the catalogue's `term.*` entry whose English text is
/// `s` (a structure name a reader passes around as `&str`: `object header`, `fractal
/// heap`), so it renders in the reader's language; `s` as data when it is no term.
pub fn term(s: &str) -> Arg {
    match en::TERMS.iter().find(|t| t.en == s) {
        Some(t) => Arg::Msg(Message::new(*t, Vec::new())),
        None => Arg::Text(s.to_string()),
    }
}

/// A term as a message (see [`term`]); text that is no term is kept as data.
pub fn phrase(s: &str) -> Message {
    match term(s) {
        Arg::Msg(m) => m,
        text => Message::new(en::PHRASE, vec![("text", text)]),
    }
}

/// `parts` one after the other (a sentence built from optional pieces).
pub fn concat(parts: Vec<Message>) -> Message {
    chain(parts, en::LIST_CONCAT)
}

/// `items` separated by `, ` (a list whose items are messages, or data as [`en::TEXT`]).
pub fn join_comma(items: Vec<Message>) -> Message {
    chain(items, en::LIST_COMMA)
}

/// `items` separated by `; ` (an enumeration whose items are messages).
pub fn join(items: Vec<Message>) -> Message {
    chain(items, en::LIST_SEMICOLON)
}

fn chain(items: Vec<Message>, pair: Template) -> Message {
    let mut it = items.into_iter().rev();
    let Some(mut out) = it.next() else { return Message::new(en::TEXT, vec![("text", Arg::Text(String::new()))]) };
    for m in it {
        out = Message::new(pair, vec![("first", Arg::Msg(m)), ("rest", Arg::Msg(out))]);
    }
    out
}

/// A message that is only a place and a detail (`{place}: {detail}`): a reader error
/// wrapped with where it happened.
pub fn within(place: impl IntoArg, detail: impl IntoArg) -> Message {
    Message::new(en::DETAIL_IN, vec![("place", place.into_arg()), ("detail", detail.into_arg())])
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A message as the report's JSON holds it (`{id, args?, text}`), rendered with
/// `lookup` (id → template); its English `text` when an id in it is unknown (a newer
/// scanner's report) or the value is not a message.
pub fn render_json<'t>(v: &serde_json::Value, lookup: &dyn Fn(&str) -> Option<&'t str>) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        _ => {
            render_known(v, lookup).unwrap_or_else(|| v.get("text").and_then(|t| t.as_str()).unwrap_or("").to_string())
        }
    }
}

/// `v` rendered when `lookup` knows every id in it (arguments: strings or messages).
fn render_known<'t>(v: &serde_json::Value, lookup: &dyn Fn(&str) -> Option<&'t str>) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let template = o.get("id").and_then(Value::as_str).and_then(lookup)?;
            let args = o.get("args");
            let unknown = std::cell::Cell::new(false);
            let out = fill(template, &|name| {
                let r = args.and_then(|a| a.get(name)).and_then(|a| render_known(a, lookup));
                unknown.set(unknown.get() || r.is_none());
                r
            });
            (!unknown.get()).then_some(out)
        }
        _ => None,
    }
}

/// The location labels a report holds (`location.container`, an error's `location`),
/// which the core writes in English from the `location.*` templates, tried in order.
const PLACES: &[Template] = &[
    en::LOC_WHOLE_FILE,
    en::LOC_FILE,
    en::LOC_SCANNER,
    en::LOC_REPORT,
    en::LOC_READ_AS,
    en::LOC_READ_AS_ONLY,
    en::LOC_H5_ATTRIBUTE,
    en::LOC_H5_ATTRIBUTE_IN,
    en::LOC_SHADOWED,
    en::LOC_JSON_DECODED,
    en::LOC_ZIP_ENTRY_OPENED,
    en::LOC_ZIP_ENTRY,
    en::LOC_PB_NODE,
];

/// A location label in the language of `lookup` (id → template): the label is matched
/// against the `location.*` templates it was written from (a `{place}` inside is itself
/// a label); a label no template matches is data (a member name, an HDF5 path) and is
/// kept as it is. Labels are plain strings in the report, for its readers that do not
/// localise; their words come from the catalogue like every other sentence.
pub fn render_place<'t>(label: &str, lookup: &dyn Fn(&str) -> Option<&'t str>) -> String {
    render_place_at(label, lookup, 0)
}

fn render_place_at<'t>(label: &str, lookup: &dyn Fn(&str) -> Option<&'t str>, depth: usize) -> String {
    if depth > 8 {
        return label.to_string();
    }
    for t in PLACES {
        let Some(args) = match_template(t.en, label) else { continue };
        let Some(template) = lookup(t.id) else { return label.to_string() };
        return fill(template, &|name| {
            let v = args.iter().find(|(n, _)| *n == name)?.1;
            Some(if name == "place" { render_place_at(v, lookup, depth + 1) } else { v.to_string() })
        });
    }
    label.to_string()
}

/// The placeholder values that make `template` read `s`, if it can: the literal text
/// between placeholders is found left to right, the last one from the end (a name may
/// hold anything, so the split nearest the fixed suffix is the one the core wrote).
fn match_template<'s>(template: &'static str, s: &'s str) -> Option<Vec<(&'static str, &'s str)>> {
    let names = placeholders(template);
    let mut literals = Vec::with_capacity(names.len() + 1);
    let mut rest = template;
    for n in &names {
        let at = rest.find(&format!("{{{n}}}"))?;
        literals.push(&rest[..at]);
        rest = &rest[at + n.len() + 2..];
    }
    literals.push(rest);
    let mut s = s.strip_prefix(literals[0])?;
    if names.is_empty() {
        return s.is_empty().then(Vec::new);
    }
    let last = literals[names.len()];
    s = s.strip_suffix(last)?;
    let mut out = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let value = if i + 1 == names.len() {
            s
        } else {
            let sep = literals[i + 1];
            let at = if i + 2 == names.len() { s.rfind(sep)? } else { s.find(sep)? };
            let v = &s[..at];
            s = &s[at + sep.len()..];
            v
        };
        if value.is_empty() {
            return None;
        }
        out.push((*n, value));
    }
    Some(out)
}

/// The names of a template's `{name}` placeholders, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        match rest.find('}') {
            Some(j) if is_name(&rest[..j]) => {
                out.push(&rest[..j]);
                rest = &rest[j + 1..];
            }
            _ => {}
        }
    }
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// `template` with each `{name}` replaced by `arg(name)`; an unknown name stays as written.
fn fill(template: &str, arg: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let value = rest[1..].find('}').map(|j| &rest[1..1 + j]).filter(|n| is_name(n)).and_then(|n| {
            let v = arg(n)?;
            Some((v, n.len() + 2))
        });
        match value {
            Some((v, len)) => {
                out.push_str(&v);
                rest = &rest[len..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Serialize for Arg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Text(t) => s.serialize_str(t),
            // The outer message's text has the English rendering already.
            Arg::Msg(m) => Nested(m).serialize(s),
        }
    }
}

/// A message inside another: id and arguments, no text.
struct Nested<'a>(&'a Message);

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Message", 2)?;
        st.serialize_field("id", self.0.id)?;
        if self.0.args.is_empty() {
            st.skip_field("args")?;
        } else {
            st.serialize_field("args", &Args(&self.0.args))?;
        }
        st.end()
    }
}

struct Args<'a>(&'a [(&'static str, Arg)]);

impl Serialize for Args<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Message", 3)?;
        st.serialize_field("id", self.id)?;
        if self.args.is_empty() {
            st.skip_field("args")?;
        } else {
            st.serialize_field("args", &Args(&self.args))?;
        }
        st.serialize_field("text", &self.text)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_a_turkish_text_with_the_same_arguments() {
        let mut ids = std::collections::HashSet::new();
        for t in en::all() {
            assert!(ids.insert(t.id), "duplicate id {}", t.id);
            // docs/report.schema.json: `^[a-z0-9_]+\.[a-z0-9_]+$`.
            let parts: Vec<&str> = t.id.split('.').collect();
            let word = |p: &&str| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            };
            assert!(parts.len() == 2 && parts.iter().all(word), "{}: not a schema id", t.id);
            let tr = tr::lookup(t.id).unwrap_or_else(|| panic!("{}: no Turkish text", t.id));
            assert!(!tr.trim().is_empty(), "{}: empty Turkish text", t.id);
            let mut en_args = placeholders(t.en);
            let mut tr_args = placeholders(tr);
            for a in &tr_args {
                assert!(en_args.contains(a), "{}: the Turkish text uses {{{a}}}, the English one does not", t.id);
            }
            en_args.sort_unstable();
            tr_args.sort_unstable();
            tr_args.dedup();
            en_args.dedup();
            assert_eq!(en_args, tr_args, "{}: the Turkish text leaves out an argument", t.id);
        }
        for (id, _) in tr::TR {
            assert!(ids.contains(id), "Turkish text for {id}, which is not in the catalogue");
        }
        // `term` searches TERMS only: every term is there, and nothing else.
        assert!(en::TERMS.iter().all(|t| t.id.starts_with("term.")));
        assert!(en::MESSAGES.iter().all(|t| !t.id.starts_with("term.")));
    }

    #[test]
    fn location_labels_render_in_each_language_and_data_stays_as_it_is() {
        let tr = |l: &str| render_place(l, &tr::lookup);
        assert_eq!(tr("file"), "dosya");
        assert_eq!(tr("HDF5 attribute /model_config"), "HDF5 özniteliği /model_config");
        assert_eq!(
            tr("read as hdf5: a.h5 (entry 2, the one zipfile opens) HDF5 attribute /model_config"),
            "hdf5 olarak okunduğunda: a.h5 (2. girdi, zipfile'ın açtığı) HDF5 özniteliği /model_config"
        );
        assert_eq!(tr("config.json (entry 3)"), "config.json (3. girdi)");
        assert_eq!(tr("file (JSON string decoded 2×)"), "dosya (JSON dizgesi 2 kez çözüldü)");
        assert_eq!(
            tr("keras_metadata.pb node root (shadowed metadata value 1)"),
            "keras_metadata.pb, düğüm root (gölgelenmiş üst veri değeri 1)"
        );
        for data in ["config.json", "HDF5 /model_weights/x", "a.zip > b.npy", "", "read as "] {
            assert_eq!(tr(data), data);
        }
        // English is the identity.
        let en = |l: &str| render_place(l, &|id| en::all().find(|t| t.id == id).map(|t| t.en));
        for l in ["read as zip: config.json (entry 2)", "x node y", "file"] {
            assert_eq!(en(l), l);
        }
    }

    #[test]
    fn messages_render_nested_arguments_in_each_language() {
        let cat = msg!(en::CAT_CMD);
        let m = msg!(en::NOTE_CATEGORY, category = cat, what = "os.system('id')");
        assert_eq!(m.text, "command execution: os.system('id')");
        assert_eq!(m.turkish(), format!("{}: os.system('id')", tr::lookup("category.command_execution").unwrap()));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["id"], "note.category");
        assert_eq!(json["args"]["category"], serde_json::json!({"id": "category.command_execution"}));
        assert_eq!(json["args"]["what"], "os.system('id')");
        assert_eq!(render_json(&json, &|id| tr::lookup(id)), m.turkish());
        assert_eq!(render_json(&json, &|_| None), m.text);
        // An unknown nested id: the whole message in English, not a half-translation.
        assert_eq!(render_json(&json, &|id| tr::lookup(id).filter(|_| id == "note.category")), m.text);
        // A brace that is not a placeholder stays; data is never re-expanded.
        let m = msg!(en::NOTE_CATEGORY, category = "{what}", what = "{x}");
        assert_eq!(m.text, "{what}: {x}");
    }
}

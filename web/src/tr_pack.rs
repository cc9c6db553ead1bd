//! The Turkish language pack: the catalogue's Turkish templates (`messages::tr::TR`) as
//! `static/tr.json`, which the page fetches from its own origin when it is first shown in
//! Turkish, never in an English session. Linking the table into the page's wasm cost
//! ~10 KB gzipped of the start budget (issue 9) for text English readers never see; the
//! CLI keeps it compiled in.
//!
//! The pack names the catalogue it was made from ([`CATALOGUE`]: a hash of every English
//! id and template, computed at compile time, so the app carries one number, not the
//! list). [`parse`] refuses a pack of another catalogue (a stale cache, a half-updated
//! deploy), so the page never shows a Turkish sentence with the wrong arguments or English
//! where a newer id has no Turkish entry: it stays in English and says why.

use keras_sentinel::messages::{en, Template};
use serde_json::{Map, Value};

/// FNV-1a 64 over each English id and template (a 0 byte after each), messages then terms.
pub const CATALOGUE: u64 = {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let lists: [&[Template]; 2] = [en::MESSAGES, en::TERMS];
    let mut l = 0;
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            let parts = [lists[l][i].id.as_bytes(), lists[l][i].en.as_bytes()];
            let mut p = 0;
            while p < parts.len() {
                let mut j = 0;
                while j <= parts[p].len() {
                    let b = if j < parts[p].len() { parts[p][j] } else { 0 };
                    h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
                    j += 1;
                }
                p += 1;
            }
            i += 1;
        }
        l += 1;
    }
    h
};

/// [`CATALOGUE`] as the pack writes it (JSON numbers lose bits past 2^53 in JavaScript).
pub fn catalogue_text() -> String {
    format!("{CATALOGUE:016x}")
}

/// `static/tr.json`: `{"lang": "tr", "catalogue": "<hex>", "messages": {id: template}}`.
/// Only the test below and tools call it: the app must not (it would link the table).
pub fn json() -> String {
    use keras_sentinel::messages::tr;
    let messages: Map<String, Value> =
        tr::TR.iter().map(|(id, t)| (id.to_string(), Value::String(t.to_string()))).collect();
    let mut pack = Map::new();
    pack.insert("lang".into(), "tr".into());
    pack.insert("catalogue".into(), catalogue_text().into());
    pack.insert("messages".into(), messages.into());
    serde_json::to_string_pretty(&Value::Object(pack)).unwrap_or_default()
}

/// The templates of a pack (id → Turkish template), or why it cannot be used: not JSON,
/// not Turkish, made from another catalogue, or an entry that is not a string.
pub fn parse(text: &str) -> Result<Map<String, Value>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if v.get("lang").and_then(Value::as_str) != Some("tr") {
        return Err("not a Turkish language pack".into());
    }
    if v.get("catalogue").and_then(Value::as_str) != Some(catalogue_text().as_str()) {
        return Err("the pack is for another version of the message catalogue".into());
    }
    let Some(Value::Object(messages)) = v.get("messages") else { return Err("the pack has no messages".into()) };
    if messages.is_empty() || !messages.values().all(Value::is_string) {
        return Err("the pack's messages are not all texts".into());
    }
    Ok(messages.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keras_sentinel::messages::tr;

    /// `static/tr.json` is what the page fetches for Turkish: it must be the current
    /// table. `KS_BLESS=1 cargo test -p keras-sentinel-web --lib tr_pack` rewrites it.
    #[test]
    fn the_turkish_pack_is_the_current_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../static/tr.json");
        let want = json() + "\n";
        if std::env::var_os("KS_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "static/tr.json is stale: run KS_BLESS=1 cargo test -p keras-sentinel-web --lib tr_pack");
    }

    #[test]
    fn a_pack_parses_back_to_every_turkish_template() {
        let m = parse(&json()).unwrap();
        assert_eq!(m.len(), tr::TR.len());
        for (id, t) in tr::TR {
            assert_eq!(m.get(*id).and_then(Value::as_str), Some(*t), "{id}");
        }
        // Every English id has its Turkish template in the pack.
        for t in en::all() {
            assert!(m.contains_key(t.id), "{} has no Turkish template in the pack", t.id);
        }
    }

    #[test]
    fn a_pack_of_another_catalogue_or_shape_is_refused() {
        let good: Value = serde_json::from_str(&json()).unwrap();
        let with = |key: &str, v: Value| {
            let mut p = good.clone();
            p[key] = v;
            p.to_string()
        };
        assert!(parse(&with("catalogue", "0000000000000000".into())).unwrap_err().contains("another version"));
        assert!(parse(&with("lang", "en".into())).is_err());
        assert!(parse(&with("messages", serde_json::json!({}))).is_err());
        assert!(parse(&with("messages", serde_json::json!({"category.network": 1}))).is_err());
        assert!(parse(&with("messages", serde_json::json!(["x"]))).is_err());
        assert!(parse("<html>not found</html>").is_err());
        assert!(parse(&good.to_string()).is_ok());
    }

    #[test]
    fn the_catalogue_hash_changes_with_any_template() {
        // The same FNV-1a at run time over a changed template differs from CATALOGUE, and
        // over the real one equals it (so the const loop covers every entry).
        let hash = |change: Option<&str>| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for (k, t) in en::all().enumerate() {
                let en = if k == 3 { change.unwrap_or(t.en) } else { t.en };
                for part in [t.id, en] {
                    for b in part.bytes().chain([0]) {
                        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
                    }
                }
            }
            h
        };
        assert_eq!(hash(None), CATALOGUE);
        assert_ne!(hash(Some("changed")), CATALOGUE);
    }
}

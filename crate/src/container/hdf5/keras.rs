//! The Keras layer: root `model_config`, `training_config`, `keras_version`, `backend`,
//! with `load_attributes_from_hdf5_group` semantics for names split into `name0..N`.

use std::collections::HashMap;

use super::attribute::{self, RawAttributes};
use super::context::Ctx;
use super::messages::attribute as amsg;
use super::object_header::Message;
use super::{Hdf5Error, KerasH5, Result};

/// Root attributes by name (raw messages), built once.
struct Index {
    by_name: HashMap<String, Vec<u8>>,
}

impl Index {
    fn new(raw: RawAttributes, errors: &mut Vec<String>) -> Self {
        let mut by_name = HashMap::new();
        for m in raw.messages {
            match amsg::name(&m) {
                Ok(n) => {
                    by_name.entry(n).or_insert(m);
                }
                Err(e) => errors.push(format!("/: attribute: {}", e.0)),
            }
        }
        errors.extend(raw.errors.into_iter().map(|e| format!("/: {e}")));
        Index { by_name }
    }

    fn text(&self, ctx: &Ctx, name: &str) -> Result<String> {
        let raw = self.by_name.get(name).ok_or_else(|| Hdf5Error(format!("{name} missing")))?;
        let a = attribute::parse(ctx, raw)?;
        let parts = attribute::strings(ctx, &a)?;
        let bytes: Vec<u8> = parts.concat();
        String::from_utf8(bytes).map_err(|_| Hdf5Error(format!("attribute {name:?} is not valid UTF-8")))
    }

    /// `name`, or `name0`, `name1`, … concatenated until one is missing.
    fn load(&self, ctx: &Ctx, name: &str, limit: u64) -> Option<Result<String>> {
        if self.by_name.contains_key(name) {
            return Some(self.text(ctx, name));
        }
        let mut out = String::new();
        let mut i = 0u64;
        loop {
            let part = format!("{name}{i}");
            if !self.by_name.contains_key(&part) {
                break;
            }
            match self.text(ctx, &part) {
                Ok(t) => out.push_str(&t),
                Err(e) => return Some(Err(e)),
            }
            if out.len() as u64 > limit {
                return Some(Err(Hdf5Error(format!("attribute {name:?} larger than {limit} bytes"))));
            }
            i += 1;
        }
        (i > 0).then_some(Ok(out))
    }
}

pub fn read_root(ctx: &Ctx, root_msgs: &[Message], out: &mut KerasH5) {
    let raw = attribute::raw(ctx, root_msgs);
    let idx = Index::new(raw, &mut out.errors);
    let limit = ctx.limits.max_hdf5_attribute_bytes;
    let get = |name: &str, errors: &mut Vec<String>| match idx.load(ctx, name, limit) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            errors.push(format!("/: {}", e.0));
            None
        }
        None => None,
    };
    out.model_config = get("model_config", &mut out.errors);
    out.training_config = get("training_config", &mut out.errors);
    out.keras_version = get("keras_version", &mut out.errors);
    out.backend = get("backend", &mut out.errors);
    out.root_attributes = idx.by_name.keys().cloned().collect();
    out.root_attributes.sort();
}

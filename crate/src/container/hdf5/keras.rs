//! The Keras layer: root `model_config`, `training_config`, `keras_version`, `backend`,
//! each read as `f.attrs.get(name)` reads it (`h5py_view`), and with
//! `load_attributes_from_hdf5_group` semantics for names split into `name0..N`.
//! Root attributes h5py cannot see are reported.

use super::attribute;
use super::context::Ctx;
use super::h5py_view::{self, AttrView, HiddenAttribute};
use super::object_header::Header;
use super::{Hdf5Error, KerasH5, Result, StorageIssue, StorageIssueKind};
use crate::messages::{en, within, Message};
use crate::msg;

/// What h5py does not see of an attribute's value, by attribute name.
type Dropped = Vec<(String, attribute::Unseen)>;

fn text(ctx: &Ctx, view: &AttrView, name: &str, dropped: &mut Dropped) -> Result<String> {
    let raw = view.get(name).ok_or_else(|| Hdf5Error::new(msg!(en::H5_MISSING, name = name)))?;
    let a = attribute::parse(ctx, raw)?;
    let (parts, unseen) = attribute::strings_and_dropped(ctx, &a)?;
    dropped.extend(unseen.into_iter().map(|u| (name.to_string(), u)));
    // Most values are one string: it becomes the text without a copy.
    let mut parts = parts.into_iter();
    let mut bytes = parts.next().unwrap_or_default();
    parts.for_each(|p| bytes.extend_from_slice(&p));
    String::from_utf8(bytes).map_err(|_| Hdf5Error::new(msg!(en::H5_NOT_UTF8, name = format!("{name:?}"))))
}

/// `name`, or `name0`, `name1`, … concatenated until one is missing. (Keras applies the
/// split form to `layer_names`/`weight_names`; for `model_config` it is a conservative
/// extra reading: a config split that way is still scanned.)
fn load(ctx: &Ctx, view: &AttrView, name: &str, limit: u64, dropped: &mut Dropped) -> Option<Result<String>> {
    if let Some(e) = view.lookup_error(name) {
        return Some(Err(Hdf5Error::new(msg!(en::H5_H5PY_CANNOT_READ, name = format!("{name:?}"), detail = e))));
    }
    if view.contains(name) {
        return Some(text(ctx, view, name, dropped));
    }
    let mut out = String::new();
    let mut i = 0u64;
    while view.contains(&format!("{name}{i}")) {
        match text(ctx, view, &format!("{name}{i}"), dropped) {
            Ok(t) => out.push_str(&t),
            Err(e) => return Some(Err(e)),
        }
        if out.len() as u64 > limit {
            return Some(Err(Hdf5Error::new(msg!(en::H5_ATTR_TOO_LARGE, name = format!("{name:?}"), limit = limit))));
        }
        i += 1;
    }
    (i > 0).then_some(Ok(out))
}

/// Keras' `load_attributes_from_hdf5_group(group, name)`: the list stored under `name`,
/// or the lists under `name0`, `name1`, … joined until one is missing.
fn load_list(ctx: &Ctx, view: &AttrView, name: &str) -> Option<Result<Vec<String>>> {
    let one = |n: &str| -> Result<Vec<String>> {
        if let Some(e) = view.lookup_error(n) {
            return Err(Hdf5Error::new(msg!(en::H5_H5PY_CANNOT_READ, name = format!("{n:?}"), detail = e)));
        }
        let raw = view.get(n).ok_or_else(|| Hdf5Error::new(msg!(en::H5_MISSING, name = n)))?;
        let a = attribute::parse(ctx, raw)?;
        Ok(attribute::strings(ctx, &a)?.into_iter().map(|b| String::from_utf8_lossy(&b).into_owned()).collect())
    };
    if view.contains(name) || view.lookup_error(name).is_some() {
        return Some(one(name));
    }
    let mut out = Vec::new();
    let mut i = 0u64;
    while view.contains(&format!("{name}{i}")) {
        match one(&format!("{name}{i}")) {
            Ok(mut v) => out.append(&mut v),
            Err(e) => return Some(Err(e)),
        }
        i += 1;
    }
    (i > 0).then_some(Ok(out))
}

/// `layer_names` of `/model_weights` (legacy `.h5`), the list Keras loads weights by.
/// Read for the record and to apply the same precedence below the root; no loader
/// takes code from attributes below the root.
pub fn read_model_weights(ctx: &Ctx, addr: u64, out: &mut KerasH5) {
    let header = match super::object_header::read_header(ctx, addr) {
        Ok(h) => h,
        Err(e) => return out.errors.push(within("/model_weights", e.0)),
    };
    let view = h5py_view::attributes(ctx, &header);
    match load_list(ctx, &view, "layer_names") {
        Some(Ok(v)) => out.layer_names = Some(v),
        Some(Err(e)) => out.errors.push(within("/model_weights", e.0)),
        None => {}
    }
}

pub fn read_root(ctx: &Ctx, root: &Header, out: &mut KerasH5) {
    let view = h5py_view::attributes(ctx, root);
    out.errors.extend(view.errors.iter().map(|e| within("/", e.clone())));
    let limit = ctx.limits.max_hdf5_attribute_bytes;
    let mut dropped = Dropped::new();
    let mut get = |name: &str, errors: &mut Vec<Message>| match load(ctx, &view, name, limit, &mut dropped) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            errors.push(within("/", e.0));
            None
        }
        None => None,
    };
    out.model_config = get("model_config", &mut out.errors);
    out.training_config = get("training_config", &mut out.errors);
    out.keras_version = get("keras_version", &mut out.errors);
    out.backend = get("backend", &mut out.errors);
    out.root_attributes = view.names.clone();
    report_hidden(ctx, "/", &view, out);
    for (name, u) in dropped {
        out.issues.push(StorageIssue {
            kind: StorageIssueKind::HiddenAttribute,
            path: "/".to_string(),
            detail: msg!(
                en::H5_HIDDEN_ATTR_BYTES,
                name = format!("{name:?}"),
                count = u.bytes.len(),
                what = u.what,
                bytes = excerpt(&u.bytes)
            ),
        });
    }
}

fn excerpt(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(v);
    let cut: String = s.chars().take(EXCERPT).collect();
    let more = if cut.len() < s.len() { "…" } else { "" };
    format!("{cut:?}{more}")
}

/// Longest excerpt of a hidden value kept as evidence.
const EXCERPT: usize = 300;

/// One finding per attribute h5py cannot open, saying whether its value differs from
/// the one h5py reads under the same name.
pub fn report_hidden(ctx: &Ctx, path: &str, view: &AttrView, out: &mut KerasH5) {
    for h in &view.hidden {
        out.issues.push(StorageIssue {
            kind: StorageIssueKind::HiddenAttribute,
            path: path.to_string(),
            detail: describe(ctx, view, h),
        });
    }
}

fn describe(ctx: &Ctx, view: &AttrView, h: &HiddenAttribute) -> Message {
    let name = String::from_utf8_lossy(&h.name);
    let hidden = attribute::value_bytes(ctx, &h.raw);
    let compared = match (view.get(&name), &hidden) {
        (None, _) => msg!(en::H5_CMP_NONE),
        (Some(raw), Ok(hv)) => match attribute::value_bytes(ctx, raw) {
            Ok(v) if &v == hv => msg!(en::H5_CMP_SAME),
            Ok(v) => msg!(en::H5_CMP_DIFFERS, hidden = hv.len(), read = v.len()),
            Err(e) => msg!(en::H5_CMP_UNREADABLE, detail = e.0),
        },
        (Some(_), Err(_)) => msg!(en::H5_CMP_NOT),
    };
    let excerpt = match &hidden {
        Ok(v) => msg!(en::H5_HIDDEN_VALUE, value = excerpt(v)),
        Err(e) => msg!(en::H5_HIDDEN_VALUE_UNREADABLE, detail = e.0),
    };
    msg!(en::H5_HIDDEN_ATTR, name = format!("{name:?}"), why = h.why.describe(), compared = compared, excerpt = excerpt)
}

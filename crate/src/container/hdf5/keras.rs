//! The Keras layer: root `model_config`, `training_config`, `keras_version`, `backend`,
//! each read as `f.attrs.get(name)` reads it (`h5py_view`), and with
//! `load_attributes_from_hdf5_group` semantics for names split into `name0..N`.
//! Root attributes h5py cannot see are reported.

use super::attribute;
use super::context::Ctx;
use super::h5py_view::{self, AttrView, HiddenAttribute};
use super::object_header::Header;
use super::{Hdf5Error, KerasH5, Result, StorageIssue, StorageIssueKind};

/// What h5py does not see of an attribute's value, by attribute name.
type Dropped = Vec<(String, attribute::Unseen)>;

fn text(ctx: &Ctx, view: &AttrView, name: &str, dropped: &mut Dropped) -> Result<String> {
    let raw = view.get(name).ok_or_else(|| Hdf5Error(format!("{name} missing")))?;
    let a = attribute::parse(ctx, raw)?;
    let (parts, unseen) = attribute::strings_and_dropped(ctx, &a)?;
    dropped.extend(unseen.into_iter().map(|u| (name.to_string(), u)));
    let bytes: Vec<u8> = parts.concat();
    String::from_utf8(bytes).map_err(|_| Hdf5Error(format!("attribute {name:?} is not valid UTF-8")))
}

/// `name`, or `name0`, `name1`, … concatenated until one is missing. (Keras applies the
/// split form to `layer_names`/`weight_names`; for `model_config` it is a conservative
/// extra reading: a config split that way is still scanned.)
fn load(ctx: &Ctx, view: &AttrView, name: &str, limit: u64, dropped: &mut Dropped) -> Option<Result<String>> {
    if let Some(e) = view.lookup_error(name) {
        return Some(Err(Hdf5Error(format!("attribute {name:?}: h5py cannot read it: {e}"))));
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
            return Some(Err(Hdf5Error(format!("attribute {name:?} larger than {limit} bytes"))));
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
            return Err(Hdf5Error(format!("attribute {n:?}: h5py cannot read it: {e}")));
        }
        let raw = view.get(n).ok_or_else(|| Hdf5Error(format!("{n} missing")))?;
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
        Err(e) => return out.errors.push(format!("/model_weights: {}", e.0)),
    };
    let view = h5py_view::attributes(ctx, &header);
    match load_list(ctx, &view, "layer_names") {
        Some(Ok(v)) => out.layer_names = Some(v),
        Some(Err(e)) => out.errors.push(format!("/model_weights: {}", e.0)),
        None => {}
    }
}

pub fn read_root(ctx: &Ctx, root: &Header, out: &mut KerasH5) {
    let view = h5py_view::attributes(ctx, root);
    out.errors.extend(view.errors.iter().map(|e| format!("/: {e}")));
    let limit = ctx.limits.max_hdf5_attribute_bytes;
    let mut dropped = Dropped::new();
    let mut get = |name: &str, errors: &mut Vec<String>| match load(ctx, &view, name, limit, &mut dropped) {
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
    out.root_attributes = view.names.clone();
    report_hidden(ctx, "/", &view, out);
    for (name, u) in dropped {
        out.issues.push(StorageIssue {
            kind: StorageIssueKind::HiddenAttribute,
            path: "/".to_string(),
            detail: format!(
                "attribute {name:?}: {} bytes of {}, which h5py never returns; hidden bytes {}",
                u.bytes.len(),
                u.what,
                excerpt(&u.bytes)
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

fn describe(ctx: &Ctx, view: &AttrView, h: &HiddenAttribute) -> String {
    let name = String::from_utf8_lossy(&h.name);
    let hidden = attribute::value_bytes(ctx, &h.raw);
    let compared = match (view.get(&name), &hidden) {
        (None, _) => "h5py sees no attribute of that name".to_string(),
        (Some(raw), Ok(hv)) => match attribute::value_bytes(ctx, raw) {
            Ok(v) if &v == hv => "same value as the attribute h5py reads".to_string(),
            Ok(v) => format!("its value differs from the one h5py reads ({} bytes, h5py: {} bytes)", hv.len(), v.len()),
            Err(e) => format!("the attribute h5py reads is unreadable: {}", e.0),
        },
        (Some(_), Err(_)) => "value not compared".to_string(),
    };
    let excerpt = match &hidden {
        Ok(v) => format!("; hidden value {}", excerpt(v)),
        Err(e) => format!("; hidden value unreadable: {}", e.0),
    };
    format!("attribute {name:?} invisible to h5py: {}; {compared}{excerpt}", h.why.describe())
}

//! Containers: from a file's bytes to the Keras config documents inside it.
//!
//! Each reader is lenient the way its Python counterpart is and bounded by explicit
//! limits. The output is a list of JSON texts with the place each came from; what is in
//! them is the `keras` module's business.

pub mod hdf5;
pub mod json;
pub mod members;
pub mod pickle;
pub mod protobuf;
pub mod savedmodel;
pub mod zip;

use std::collections::HashMap;

use crate::limits::Limits;
use crate::messages::{en, join, IntoArg, Message, Template};
use crate::msg;
use crate::report::ScanError;
use crate::sniff::Format;
use crate::source::{read_vec, ByteSource};

/// What a config document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The model architecture (`config.json`, `model_config`, a `.json` model).
    Model,
    /// `training_config` of an `.h5` (losses and metrics may carry lambdas).
    Training,
    /// One node of `keras_metadata.pb`.
    SavedModelNode,
    /// Other JSON in an archive (`metadata.json`, a nested `config.json`): walked like
    /// any config, but not expected to hold a model.
    Other,
}

/// A JSON document found in the file.
#[derive(Debug, Clone)]
pub struct ConfigText {
    /// Where it came from: `config.json`, `HDF5 attribute /model_config`, …; empty for a
    /// bare JSON file.
    pub container: String,
    pub role: Role,
    pub text: String,
}

/// Everything the container stage hands on.
#[derive(Debug, Default)]
pub struct Extracted {
    pub docs: Vec<ConfigText>,
    pub keras_version: Option<String>,
    /// HDF5 storage features the rules report (external files, virtual datasets, links).
    pub hdf5_issues: Vec<(String, hdf5::StorageIssue)>,
    pub errors: Vec<ScanError>,
    /// Notes about the container itself (duplicates, prepended data, …): (place, note).
    pub notes: Vec<(String, Message)>,
    /// Facts worth showing that are not findings (graph sizes, …).
    pub notes_info: Vec<String>,
    /// Archive members that run code or escape the extraction directory.
    pub member_issues: Vec<members::MemberIssue>,
    /// SavedModel graph ops that touch files or run Python: (container, op).
    pub graph_ops: Vec<(String, savedmodel::GraphOp)>,
    /// Data offsets of the top-level archive's stored members (name, offset): another
    /// reading of the file that starts there is that member, not a hidden document.
    pub stored_members: Vec<(String, u64)>,
    /// The file is an HDF5 file with none of the layouts Keras writes (set for the
    /// file's own reading only, never for a member or a second reading).
    pub hdf5_not_keras: bool,
    /// Most errors kept (`Limits::max_errors`; `None`: all); the rest are counted.
    errors_cap: Option<usize>,
    errors_dropped: usize,
    errors_seen: std::collections::HashSet<(String, String)>,
}

impl Extracted {
    fn error(&mut self, location: impl Into<String>, message: impl IntoArg) {
        let e = ScanError::unreadable(location, message);
        // The same member may be met twice (read as a config, then inspected): one error.
        if !self.errors_seen.insert((e.location.clone(), e.message.text.clone())) {
            return;
        }
        if self.errors_cap.is_some_and(|cap| self.errors.len() >= cap) {
            self.errors_dropped += 1;
            return;
        }
        self.errors.push(e);
    }
}

impl Extracted {
    /// Appends another reading of the same file (see `sniff::readings`), every place
    /// in it prefixed with `reading` so the report says which reading it came from.
    pub fn merge_reading(&mut self, other: Extracted, reading: &str) {
        let at = |place: String| if place.is_empty() { reading.to_string() } else { format!("{reading}: {place}") };
        self.docs.extend(other.docs.into_iter().map(|d| ConfigText { container: at(d.container), ..d }));
        if self.keras_version.is_none() {
            self.keras_version = other.keras_version;
        }
        self.hdf5_issues.extend(other.hdf5_issues.into_iter().map(|(c, i)| (at(c), i)));
        self.errors.extend(other.errors.into_iter().map(|e| ScanError { location: at(e.location), ..e }));
        self.notes.extend(other.notes.into_iter().map(|(p, n)| (at(p), n)));
        self.notes_info.extend(other.notes_info.into_iter().map(&at));
        self.member_issues
            .extend(other.member_issues.into_iter().map(|i| members::MemberIssue { member: at(i.member), ..i }));
        self.graph_ops.extend(other.graph_ops.into_iter().map(|(c, o)| (at(c), o)));
        self.stored_members.extend(other.stored_members);
    }
}

/// Decodes JSON bytes as Keras 3's `json.loads(zip_member_bytes)` does: UTF-8 (a BOM
/// stripped), UTF-16 or UTF-32 detected from the first bytes (see `json::encoding`).
fn json_text(bytes: Vec<u8>, location: &str, out: &mut Extracted) -> Option<String> {
    match json::decode_bytes(&bytes) {
        Ok(d) => {
            for n in d.notes() {
                out.notes.push((location.to_string(), n));
            }
            Some(d.text)
        }
        Err(e) => {
            out.error(location, Message::from(&e));
            None
        }
    }
}

/// Runs the container reader for `format`.
pub fn extract(src: &dyn ByteSource, format: Format, limits: &Limits) -> Extracted {
    let mut out = Extracted { errors_cap: Some(limits.max_errors), ..Extracted::default() };
    match format {
        Format::Json => match read_vec(src, 0, src.len(), limits.max_json_bytes) {
            Ok(b) => {
                if let Some(text) = json_text(b, "file", &mut out) {
                    out.docs.push(ConfigText { container: String::new(), role: Role::Model, text });
                }
            }
            Err(e) => out.error("file", e.message()),
        },
        Format::Zip => extract_zip(src, limits, &mut out),
        Format::Hdf5 { superblock } => extract_hdf5(src, superblock, "", limits, &mut out),
        Format::KerasMetadataPb => extract_keras_metadata(src, "keras_metadata.pb", limits, &mut out),
        Format::SavedModelPb => extract_saved_model(src, "saved_model.pb", limits, &mut out),
        Format::Unknown => out.errors.push(ScanError::new("file", msg!(en::ERR_NOT_MODEL_FILE))),
    }
    if out.errors_dropped > 0 {
        let what = msg!(en::LIM_ERRORS, count = out.errors_dropped);
        out.errors.push(ScanError {
            location: "file".into(),
            message: msg!(en::ERR_LIMIT, what = what, limit = "max_errors", value = limits.max_errors),
            limit: Some("max_errors"),
        });
    }
    out
}

fn extract_hdf5(src: &dyn ByteSource, superblock: u64, prefix: &str, limits: &Limits, out: &mut Extracted) {
    let here = |what: &str| if prefix.is_empty() { what.to_string() } else { format!("{prefix} {what}") };
    match hdf5::read_keras(src, superblock, limits) {
        Ok(h) => {
            if prefix.is_empty() && !h.has_keras_structure() {
                out.hdf5_not_keras = true;
            }
            if let Some(t) = h.model_config {
                out.docs.push(ConfigText {
                    container: here("HDF5 attribute /model_config"),
                    role: Role::Model,
                    text: t,
                });
            }
            if let Some(t) = h.training_config {
                out.docs.push(ConfigText {
                    container: here("HDF5 attribute /training_config"),
                    role: Role::Training,
                    text: t,
                });
            }
            if out.keras_version.is_none() {
                out.keras_version = h.keras_version;
            }
            for i in h.issues {
                out.hdf5_issues.push((here("HDF5"), i));
            }
            for e in h.errors {
                out.error(here("HDF5"), e);
            }
        }
        Err(e) => out.error(here("HDF5"), Message::from(e)),
    }
}

fn extract_keras_metadata(src: &dyn ByteSource, name: &str, limits: &Limits, out: &mut Extracted) {
    let buf = match read_vec(src, 0, src.len(), limits.max_json_bytes) {
        Ok(b) => b,
        Err(e) => return out.error(name, e.message()),
    };
    match savedmodel::parse(&buf, limits.max_pb_nodes) {
        Ok(nodes) => {
            for n in nodes {
                let path = if n.path.is_empty() { "root".to_string() } else { n.path };
                push_shadowed(out, &format!("{name} node {path}"), n.shadowed);
                if n.metadata.is_empty() {
                    continue;
                }
                out.docs.push(ConfigText {
                    container: format!("{name} node {path}"),
                    role: Role::SavedModelNode,
                    text: n.metadata,
                });
            }
        }
        Err(e) => out.error(name, Message::from(e)),
    }
}

/// Metadata values a protobuf holds but Python's parse drops (an earlier copy of the
/// field, a cleared `oneof` member): scanned like the rest, and reported.
fn push_shadowed(out: &mut Extracted, place: &str, shadowed: Vec<String>) {
    if shadowed.is_empty() {
        return;
    }
    out.notes.push((place.to_string(), msg!(en::NOTE_SHADOWED_METADATA, count = shadowed.len())));
    for (i, text) in shadowed.into_iter().enumerate() {
        out.docs.push(ConfigText {
            container: format!("{place} (shadowed metadata value {})", i + 1),
            role: Role::SavedModelNode,
            text,
        });
    }
}

/// Reads `saved_model.pb`: the Keras metadata TF 2.0 – 2.4 stored in its object graph,
/// and the graph ops, keeping the dangerous ones.
fn extract_saved_model(src: &dyn ByteSource, name: &str, limits: &Limits, out: &mut Extracted) {
    let buf = match read_vec(src, 0, src.len(), limits.max_json_bytes) {
        Ok(b) => b,
        Err(e) => return out.error(name, e.message()),
    };
    // TF 2.0 – 2.4 kept the Keras metadata here rather than in keras_metadata.pb.
    match savedmodel::user_object_metadata(&buf, limits.max_pb_nodes) {
        Ok(nodes) => {
            for n in nodes {
                let place = format!("{name} {} ({})", n.path, n.identifier);
                push_shadowed(out, &place, n.shadowed);
                if !n.metadata.is_empty() {
                    out.docs.push(ConfigText { container: place, role: Role::SavedModelNode, text: n.metadata });
                }
            }
        }
        Err(e) => out.error(name, Message::from(e)),
    }
    match savedmodel::graph_ops(&buf, limits.max_pb_nodes) {
        Ok(ops) => {
            out.notes_info.push(format!("{name}: {} graph ops", ops.len()));
            for op in ops.into_iter().filter(|o| savedmodel::DANGEROUS_OPS.contains(&o.op.as_str())) {
                out.graph_ops.push((name.to_string(), op));
            }
        }
        Err(e) => out.error(name, Message::from(e)),
    }
}

fn extract_zip(src: &dyn ByteSource, limits: &Limits, out: &mut Extracted) {
    let archive = match zip::list(src, limits) {
        Ok(a) => a,
        Err(e) => return out.error("zip", Message::from(e)),
    };
    if archive.concat > 0 {
        out.notes.push(("zip".into(), msg!(en::NOTE_ZIP_PREFIX, count = archive.concat)));
    } else if archive.concat < 0 {
        out.notes.push(("zip".into(), msg!(en::NOTE_ZIP_OFFSET, count = -archive.concat)));
    }
    if archive.announced != archive.members.len() as u64 {
        out.notes.push((
            "zip".into(),
            msg!(en::NOTE_ZIP_COUNT, announced = archive.announced, held = archive.members.len()),
        ));
    }
    // What `zf.open(name)` opens: the last entry of each name (NameToInfo). Linear.
    let last = zip::python_zipfile::name_to_info(&archive.members);
    let mut count: HashMap<&str, usize> = HashMap::with_capacity(archive.members.len());
    for m in &archive.members {
        *count.entry(m.name.as_str()).or_default() += 1;
    }
    // One note per kind of oddity, whatever the number of members (a crafted archive may
    // have thousands: they must not crowd the findings out).
    let (mut nul_cut, mut local_differs, mut duplicated) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (m, local)) in archive.members.iter().zip(&archive.local).enumerate() {
        if m.method == 0 {
            if let Ok(l) = local {
                out.stored_members.push((m.name.clone(), l.data_offset));
            }
        }
        if m.orig_name != m.name {
            nul_cut.push(msg!(en::ZIP_NUL_ITEM, name = format!("{:?}", m.orig_name), cut = format!("{:?}", m.name)));
        }
        if let Ok(zip::LocalHeader { name_differs: Some(local), .. }) = local {
            local_differs.push(msg!(
                en::ZIP_LOCAL_ITEM,
                name = format!("{:?}", m.orig_name),
                local = format!("{local:?}")
            ));
        }
        if count[m.name.as_str()] > 1 && last.get(m.name.as_str()) == Some(&i) {
            duplicated.push(msg!(
                en::ZIP_DUPLICATE_ITEM,
                name = format!("{:?}", m.name),
                count = count[m.name.as_str()],
                entry = i + 1
            ));
        }
    }
    let mut note = |what: Template, mut items: Vec<Message>| {
        if items.is_empty() {
            return;
        }
        let total = items.len();
        items.truncate(5);
        let shown = join(items);
        let n = if total > 5 {
            msg!(en::NOTE_ZIP_LIST_MORE, what = what, items = shown, count = total - 5)
        } else {
            msg!(en::NOTE_ZIP_LIST, what = what, items = shown)
        };
        out.notes.push(("zip".into(), n));
    };
    note(en::ZIP_NUL_CUT, nul_cut);
    note(en::ZIP_LOCAL_DIFFERS, local_differs);
    note(en::ZIP_DUPLICATED, duplicated);
    // One finding per archive: a bomb has thousands of overlapping entries.
    let overlaps = archive.overlaps();
    if let Some(&(first, _)) = overlaps.first() {
        let head = if overlaps.len() == 1 { en::ZIP_OVERLAP_ONE } else { en::ZIP_OVERLAP_MANY };
        let mut parts = vec![msg!(head, count = overlaps.len())];
        for &(i, other) in overlaps.iter().take(5) {
            let with = match other {
                Some(j) => msg!(en::ZIP_OVERLAP_LOCAL, name = format!("{:?}", archive.members[j].name), entry = j + 1),
                None => msg!(en::ZIP_OVERLAP_CD),
            };
            let m = &archive.members[i];
            let name = format!("{:?}", m.name);
            parts.push(msg!(en::ZIP_OVERLAP_ENTRY, entry = i + 1, name = name, bytes = m.compressed_size, with = with));
        }
        if overlaps.len() > 5 {
            parts.push(msg!(en::ZIP_OVERLAP_MORE, count = overlaps.len() - 5));
        }
        let detail = join(parts);
        out.member_issues.push(members::MemberIssue {
            member: archive.members[first].name.clone(),
            kind: members::IssueKind::OverlappingEntries,
            detail,
            imports: vec![],
        });
    }
    let mut budget = zip::Budget::new(limits);
    let mut found_config = false;
    for (i, m) in archive.members.iter().enumerate() {
        let base = m.name.rsplit('/').next().unwrap_or(&m.name);
        let dup = count[m.name.as_str()] > 1;
        let label = if dup {
            let loaded = if last.get(m.name.as_str()) == Some(&i) { ", the one zipfile opens" } else { "" };
            format!("{} (entry {}{loaded})", m.name, i + 1)
        } else {
            m.name.clone()
        };
        let is_keras_config = m.name == "config.json";
        let is_metadata = m.name == "metadata.json";
        let is_other_json = !is_keras_config && !is_metadata && (base == "model.json" || base == "config.json");
        if is_keras_config || is_metadata || is_other_json {
            match zip::read_member_with(src, &archive, i, limits, limits.max_json_bytes, &mut budget) {
                Ok(bytes) => {
                    let Some(text) = json_text(bytes, &label, out) else { continue };
                    if is_metadata {
                        if let Ok(p) = json::parse(&text, limits.max_json_depth) {
                            if let Some(v) = p.value.get_str("keras_version") {
                                out.keras_version = Some(v.to_string());
                            }
                        }
                        // metadata.json is attacker-controlled too: walk it like any config.
                    }
                    found_config |= is_keras_config || is_other_json;
                    let role = if is_keras_config { Role::Model } else { Role::Other };
                    out.docs.push(ConfigText { container: label, role, text });
                }
                Err(e) => out.error(label, Message::from(e)),
            }
        } else if base == "saved_model.pb"
            || base == "keras_metadata.pb"
            || base.ends_with(".h5")
            || base.ends_with(".hdf5")
        {
            let data = match zip::open_with(src, &archive, i, limits, &mut budget) {
                Ok(d) => d,
                Err(e) => {
                    out.error(label, Message::from(e));
                    continue;
                }
            };
            if base == "saved_model.pb" {
                found_config = true;
                extract_saved_model(data.source(), &label, limits, out);
            } else if base == "keras_metadata.pb" {
                found_config = true;
                extract_keras_metadata(data.source(), &label, limits, out);
            } else {
                match crate::sniff::find_hdf5_superblock(data.source()) {
                    Some(sb) => extract_hdf5(data.source(), sb, &label, limits, out),
                    None => out.error(label, msg!(en::CONT_NOT_HDF5)),
                }
            }
        }
    }
    let mut issues = std::mem::take(&mut out.member_issues);
    members::inspect(src, &archive, "", 0, limits, &mut budget, out, &mut issues);
    out.member_issues = issues;
    if !found_config {
        out.error("zip", msg!(en::CONT_NO_CONFIG));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::zip::tests::build_stored;

    #[test]
    fn errors_are_capped_by_name_and_repeats_kept_once() {
        let names: Vec<String> = (0..10).map(|i| format!("m{i}.pkl")).collect();
        let members: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let mut z = build_stored(&members);
        // Encrypt every member (flag bit 0 in each local and central header): each is an error.
        for at in 0..z.len() - 4 {
            if z[at..at + 4] == *b"PK\x03\x04" {
                z[at + 6] |= 1;
            } else if z[at..at + 4] == *b"PK\x01\x02" {
                z[at + 8] |= 1;
            }
        }
        let limits = Limits { max_errors: 3, ..Limits::default() };
        let out = extract(&z, Format::Zip, &limits);
        assert_eq!(out.errors.len(), 4, "{:?}", out.errors);
        assert!(
            out.errors[3].message.text.contains("8 more errors were not listed (limit max_errors"),
            "{:?}",
            out.errors[3]
        );
        let all = extract(&z, Format::Zip, &Limits::default());
        assert_eq!(all.errors.len(), 11, "one per member (not one per reader that met it) + no config");
    }
}

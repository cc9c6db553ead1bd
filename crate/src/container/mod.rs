//! Containers: from a file's bytes to the Keras config documents inside it.
//!
//! Each reader is lenient the way its Python counterpart is and bounded by explicit
//! limits. The output is a list of JSON texts with the place each came from; what is in
//! them is the `keras` module's business.

pub mod hdf5;
pub mod json;
pub mod members;
pub mod pickle;
pub mod savedmodel;
pub mod zip;

use crate::limits::Limits;
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
    /// Notes about the container itself (duplicates, prepended data, …).
    pub notes: Vec<String>,
    /// Facts worth showing that are not findings (graph sizes, …).
    pub notes_info: Vec<String>,
    /// Archive members that run code or escape the extraction directory.
    pub member_issues: Vec<members::MemberIssue>,
    /// SavedModel graph ops that touch files or run Python: (container, op).
    pub graph_ops: Vec<(String, savedmodel::GraphOp)>,
}

impl Extracted {
    fn error(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ScanError::new(location, message));
    }
}

/// Decodes JSON bytes as Python's `json.load` would: UTF-8, with a UTF-8 BOM refused
/// by `json.loads` on text but read by `json.load` on a file opened as utf-8-sig — we read
/// it and say so.
fn json_text(bytes: Vec<u8>, location: &str, out: &mut Extracted) -> Option<String> {
    let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => {
            out.notes.push(format!("{location}: starts with a UTF-8 byte-order mark"));
            rest.to_vec()
        }
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) => {
            out.error(location, format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()));
            None
        }
    }
}

/// Runs the container reader for `format`.
pub fn extract(src: &dyn ByteSource, format: Format, limits: &Limits) -> Extracted {
    let mut out = Extracted::default();
    match format {
        Format::Json => match read_vec(src, 0, src.len(), limits.max_json_bytes) {
            Ok(b) => {
                if let Some(text) = json_text(b, "file", &mut out) {
                    out.docs.push(ConfigText { container: String::new(), role: Role::Model, text });
                }
            }
            Err(e) => out.error("file", e.to_string()),
        },
        Format::Zip => extract_zip(src, limits, &mut out),
        Format::Hdf5 { superblock } => extract_hdf5(src, superblock, "", limits, &mut out),
        Format::KerasMetadataPb => extract_keras_metadata(src, "keras_metadata.pb", limits, &mut out),
        Format::SavedModelPb => extract_saved_model(src, "saved_model.pb", limits, &mut out),
        Format::Unknown => out.error(
            "file",
            "not a Keras model file: no HDF5 signature, zip archive, JSON document or Keras SavedModel metadata",
        ),
    }
    out
}

fn extract_hdf5(src: &dyn ByteSource, superblock: u64, prefix: &str, limits: &Limits, out: &mut Extracted) {
    let here = |what: &str| if prefix.is_empty() { what.to_string() } else { format!("{prefix} {what}") };
    match hdf5::read_keras(src, superblock, limits) {
        Ok(h) => {
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
        Err(e) => out.error(here("HDF5"), e.to_string()),
    }
}

fn extract_keras_metadata(src: &dyn ByteSource, name: &str, limits: &Limits, out: &mut Extracted) {
    let buf = match read_vec(src, 0, src.len(), limits.max_json_bytes) {
        Ok(b) => b,
        Err(e) => return out.error(name, e.to_string()),
    };
    match savedmodel::parse(&buf, limits.max_pb_nodes) {
        Ok(nodes) => {
            for n in nodes {
                if n.metadata.is_empty() {
                    continue;
                }
                let path = if n.path.is_empty() { "root".to_string() } else { n.path };
                out.docs.push(ConfigText {
                    container: format!("{name} node {path}"),
                    role: Role::SavedModelNode,
                    text: n.metadata,
                });
            }
        }
        Err(e) => out.error(name, e.to_string()),
    }
}

/// Reads `saved_model.pb`: the Keras metadata TF 2.0 – 2.4 stored in its object graph,
/// and the graph ops, keeping the dangerous ones.
fn extract_saved_model(src: &dyn ByteSource, name: &str, limits: &Limits, out: &mut Extracted) {
    let buf = match read_vec(src, 0, src.len(), limits.max_json_bytes) {
        Ok(b) => b,
        Err(e) => return out.error(name, e.to_string()),
    };
    // TF 2.0 – 2.4 kept the Keras metadata here rather than in keras_metadata.pb.
    match savedmodel::user_object_metadata(&buf, limits.max_pb_nodes) {
        Ok(nodes) => {
            for n in nodes {
                out.docs.push(ConfigText {
                    container: format!("{name} {} ({})", n.path, n.identifier),
                    role: Role::SavedModelNode,
                    text: n.metadata,
                });
            }
        }
        Err(e) => out.error(name, e.to_string()),
    }
    match savedmodel::graph_ops(&buf, limits.max_pb_nodes) {
        Ok(ops) => {
            out.notes_info.push(format!("{name}: {} graph ops", ops.len()));
            for op in ops.into_iter().filter(|o| savedmodel::DANGEROUS_OPS.contains(&o.op.as_str())) {
                out.graph_ops.push((name.to_string(), op));
            }
        }
        Err(e) => out.error(name, e.to_string()),
    }
}

fn extract_zip(src: &dyn ByteSource, limits: &Limits, out: &mut Extracted) {
    let archive = match zip::list(src, limits) {
        Ok(a) => a,
        Err(e) => return out.error("zip", e.to_string()),
    };
    if archive.prepended > 0 {
        out.notes.push(format!("{} bytes precede the zip archive", archive.prepended));
    }
    let mut found_config = false;
    for (i, m) in archive.members.iter().enumerate() {
        let base = m.name.rsplit('/').next().unwrap_or(&m.name);
        let dup = archive.members.iter().filter(|o| o.name == m.name).count() > 1;
        let label = if dup { format!("{} (entry {})", m.name, i + 1) } else { m.name.clone() };
        if dup && archive.members.iter().position(|o| o.name == m.name) == Some(i) {
            out.notes.push(format!(
                "member {:?} appears more than once; Python's zipfile loads the last one, all are scanned",
                m.name
            ));
        }
        let is_keras_config = m.name == "config.json";
        let is_metadata = m.name == "metadata.json";
        let is_other_json = !is_keras_config && !is_metadata && (base == "model.json" || base == "config.json");
        if is_keras_config || is_metadata || is_other_json {
            match zip::read_member(src, m, limits, limits.max_json_bytes) {
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
                    out.docs.push(ConfigText { container: label, role: Role::Model, text });
                }
                Err(e) => out.error(label, e.to_string()),
            }
        } else if base == "saved_model.pb" {
            match zip::open(src, m, limits) {
                Ok(data) => {
                    found_config = true;
                    extract_saved_model(data.source(), &label, limits, out);
                }
                Err(e) => out.error(label, e.to_string()),
            }
        } else if base == "keras_metadata.pb" {
            match zip::open(src, m, limits) {
                Ok(data) => {
                    found_config = true;
                    extract_keras_metadata(data.source(), &label, limits, out);
                }
                Err(e) => out.error(label, e.to_string()),
            }
        } else if base.ends_with(".h5") || base.ends_with(".hdf5") {
            match zip::open(src, m, limits) {
                Ok(data) => match crate::sniff::find_hdf5_superblock(data.source()) {
                    Some(sb) => extract_hdf5(data.source(), sb, &label, limits, out),
                    None => out.error(label, "named like HDF5 but has no HDF5 signature"),
                },
                Err(e) => out.error(label, e.to_string()),
            }
        }
    }
    let mut issues = Vec::new();
    members::inspect(src, &archive, "", 0, limits, out, &mut issues);
    out.member_issues = issues;
    if !found_config {
        out.error(
            "zip",
            "the archive holds no Keras config (config.json, model.json, keras_metadata.pb or saved_model.pb)",
        );
    }
}

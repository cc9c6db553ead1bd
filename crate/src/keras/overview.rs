//! The model overview: the layer tree as Keras would build it (models, wrappers, nested
//! models, shared layers), recorded by the config walk that finds the lambdas (one
//! reading, [`super::walk::walk_into`]), with each finding placed on its node.
//!
//! It is display, never evidence: the verdict does not read it. It is bounded by
//! `max_overview_nodes`; past that the nodes are counted in `omitted`, and the report
//! says so, without an error (a truncated picture changes nothing that was checked).

use std::collections::HashMap;

use serde::Serialize;

use crate::container::json::Json;
use crate::report::{truncate, Finding};

/// Longest name or class name kept in a node (a layer name is the file's text).
const MAX_NODE_TEXT: usize = 256;
/// Longest document name shown on a root.
const MAX_CONTAINER_TEXT: usize = 1024;
/// Bytes of keys built while placing findings on nodes (see [`Builder::finish`]).
const MAX_PLACING_BYTES: usize = 64 << 20;

/// What a node is, as the reviewer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A container of layers: Sequential, Functional, Model (also nested ones).
    Model,
    /// A layer holding another layer: TimeDistributed, Bidirectional, RNN cell wrappers.
    Wrapper,
    /// A `Lambda` layer: Keras runs the function it stores.
    Lambda,
    /// A class Keras cannot build by itself: its code comes from the loading process.
    Custom,
    Layer,
}

/// One layer or model of the tree.
#[derive(Debug, Clone, Serialize)]
pub struct ModelNode {
    /// Index of the enclosing node; absent for the root of a config document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    pub name: String,
    pub class_name: String,
    pub kind: NodeKind,
    /// The config document (as in findings' `location.container`); on roots only,
    /// children are in their root's document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// JSON pointer of the layer's object in its document.
    pub pointer: String,
    /// How many times the layer is called in its model (`inbound_nodes`), when more than once.
    #[serde(skip_serializing_if = "is_at_most_one")]
    pub calls: u64,
    /// The same layer object is used at several places: called more than once, or
    /// marked by Keras 3 as one object referenced again (`shared_object_id`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// Functions stored as code in this layer's own config (not in nested layers).
    #[serde(skip_serializing_if = "is_zero")]
    pub lambdas: u64,
    /// Indices into the file's `findings` that sit on this node (its own config, not a
    /// nested layer's), including the places listed in a finding's `also_at`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<usize>,
}

fn is_at_most_one(n: &u64) -> bool {
    *n <= 1
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The layer trees of one file: every config document's, in reading order; nodes are
/// in pre-order, each after its parent.
#[derive(Debug, Clone, Serialize)]
pub struct ModelOverview {
    pub nodes: Vec<ModelNode>,
    /// Layers not listed because the tree reached `max_overview_nodes`.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: u64,
    /// Places of findings (from `also_at`) not marked on the tree for the same limit.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted_marks: u64,
    /// The limit that cut the tree, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<&'static str>,
}

/// Records the tree while the walk goes; [`Builder::finish`] places the findings.
#[derive(Debug)]
pub struct Builder {
    max: usize,
    nodes: Vec<ModelNode>,
    /// Document (index into `parts`) of each node.
    part_of: Vec<usize>,
    /// The documents that have nodes (a file can have a million metadata documents).
    parts: Vec<String>,
    /// The document being walked, and its index in `parts` once it has a node.
    current: Option<(String, Option<usize>)>,
    /// The layers around the walk's position; `None` for one not listed.
    open: Vec<Option<usize>>,
    omitted: u64,
    /// The current document's `shared_object_id`s mean shared objects (see [`Builder::document`]).
    ids_mean_sharing: bool,
    /// Per document (index in `parts`), where it holds a copy of the model at its root.
    copies: Vec<(usize, String)>,
}

impl Builder {
    pub fn new(max_nodes: usize) -> Self {
        Builder {
            max: max_nodes,
            nodes: Vec::new(),
            part_of: Vec::new(),
            parts: Vec::new(),
            current: None,
            open: Vec::new(),
            omitted: 0,
            ids_mean_sharing: true,
            copies: Vec::new(),
        }
    }

    /// The walk starts a config document; `container` is what its findings' locations say.
    /// `ids_mean_sharing`: Keras writes `shared_object_id` on an object serialized twice in
    /// one saving scope, which in a model config means a layer used in two places; a
    /// SavedModel's metadata serializes every layer again (node metadata, `model_config`),
    /// so there the id says nothing.
    pub fn document(&mut self, container: &str, ids_mean_sharing: bool) {
        self.open.clear();
        self.ids_mean_sharing = ids_mean_sharing;
        self.current = Some((container.to_string(), None));
    }

    /// The walk enters the layer or model `v` (named `name`) at `pointer`.
    pub(super) fn open(&mut self, v: &Json, name: &str, pointer: &str) {
        let Some((container, part)) = self.current.as_mut().filter(|_| self.nodes.len() < self.max) else {
            self.omitted += 1;
            self.open.push(None);
            return;
        };
        let part = *part.get_or_insert_with(|| {
            self.parts.push(std::mem::take(container));
            self.parts.len() - 1
        });
        let parent = self.open.last().copied().flatten();
        let class = v.get_str("class_name").unwrap_or_default();
        let calls = v.get("inbound_nodes").and_then(Json::as_arr).map_or(0, |a| a.len() as u64);
        self.nodes.push(ModelNode {
            parent,
            name: truncate(name, MAX_NODE_TEXT),
            class_name: truncate(&class, MAX_NODE_TEXT),
            kind: kind(v, &class),
            // Display text: bounded (a zip member's name can be 64 KiB, on every root).
            container: parent.is_none().then(|| truncate(&self.parts[part], MAX_CONTAINER_TEXT)),
            pointer: super::walk::bounded_pointer(pointer),
            calls,
            shared: calls > 1 || (self.ids_mean_sharing && v.get("shared_object_id").is_some()),
            lambdas: 0,
            findings: Vec::new(),
        });
        self.part_of.push(part);
        self.open.push(Some(self.nodes.len() - 1));
    }

    /// The walk found at `pointer` of the current document a copy of the model at its
    /// root (a SavedModel node's `model_config`): not a node of its own; what is found in
    /// it is marked on the root's nodes.
    pub(super) fn root_copy_at(&mut self, pointer: &str) {
        if let Some((_, Some(part))) = &self.current {
            self.copies.push((*part, pointer.to_string()));
        }
    }

    /// The walk leaves the layer it entered last.
    pub(super) fn close(&mut self) {
        self.open.pop();
    }

    /// The walk found a function stored as code inside the innermost open layer.
    pub(super) fn lambda_here(&mut self) {
        if let Some(Some(i)) = self.open.last() {
            self.nodes[*i].lambdas += 1;
        }
    }

    /// The tree with each finding on the node whose config holds it (the node with the
    /// longest pointer that is a prefix of the finding's, in the same document); `None`
    /// when the file had no layer at all. At most `max_nodes` marks come from `also_at`.
    pub fn finish(mut self, findings: &[Finding]) -> Option<ModelOverview> {
        if self.nodes.is_empty() && self.omitted == 0 {
            return None;
        }
        // Keyed by document and pointer in one string (`HashMap<String, _>` is already
        // in the worker's wasm; a new key type would add its code).
        let key = |part: &str, pointer: &str| format!("{part}\u{0}{pointer}");
        let mut at: HashMap<String, usize> = HashMap::new();
        let mut copy_of: Vec<Option<&str>> = vec![None; self.parts.len()];
        for (part, pointer) in &self.copies {
            copy_of[*part] = Some(pointer);
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let part = self.part_of[i];
            at.entry(key(&self.parts[part], &n.pointer)).or_insert(i);
            // The same node again where the document's copy of its root model holds it.
            if let Some(copy) = copy_of[part] {
                at.entry(key(&self.parts[part], &format!("{copy}{}", n.pointer))).or_insert(i);
            }
        }
        // A finding sits on the node with the longest pointer that is a prefix of its own:
        // each step up builds and hashes a key, so the bytes spent are counted. A file can
        // hold 10,000 findings under 500-level pointers in a long-named document; past
        // `MAX_PLACING_BYTES` the remaining marks are left out and counted (display only).
        let mut spent = 0usize;
        let mut place = |container: &str, pointer: &str| -> Result<Option<usize>, ()> {
            let mut p = pointer;
            loop {
                spent += container.len() + p.len() + 1;
                if spent > MAX_PLACING_BYTES {
                    return Err(());
                }
                if let Some(&i) = at.get(&key(container, p)) {
                    return Ok(Some(i));
                }
                let Some(up) = p.rfind('/') else { return Ok(None) };
                p = &p[..up];
            }
        };
        let (mut also_marks, mut omitted_marks) = (0usize, 0u64);
        for (fi, f) in findings.iter().enumerate() {
            let places = std::iter::once(&f.location).chain(f.evidence.also_at.iter().map(|o| &o.location));
            for (k, loc) in places.enumerate() {
                if k > 0 && also_marks >= self.max {
                    omitted_marks += 1;
                    continue;
                }
                let n = match place(&loc.container, &loc.pointer) {
                    Ok(Some(n)) => n,
                    Ok(None) => continue,
                    Err(()) => {
                        omitted_marks += 1;
                        continue;
                    }
                };
                if k > 0 {
                    also_marks += 1;
                }
                // Findings come in order: a repeat of `fi` on a node is its last entry.
                let list = &mut self.nodes[n].findings;
                if list.last() != Some(&fi) {
                    list.push(fi);
                }
            }
        }
        let cut = self.omitted > 0 || omitted_marks > 0;
        Some(ModelOverview {
            nodes: self.nodes,
            omitted: self.omitted,
            omitted_marks,
            limit: cut.then_some("max_overview_nodes"),
        })
    }
}

/// The kind of a layer object: what the reviewer must know first wins (a `Lambda`
/// runs stored code, a custom class runs the loader's code), then its structure.
fn kind(v: &Json, class: &str) -> NodeKind {
    let config = v.get("config");
    if class == "Lambda" {
        NodeKind::Lambda
    } else if !super::is_known_class_name(class) {
        NodeKind::Custom
    } else if matches!(config, Some(Json::Arr(_)))
        || config.is_some_and(|c| c.get("layers").is_some())
        || matches!(class, "Sequential" | "Functional" | "Model")
    {
        NodeKind::Model
    } else if config.is_some_and(|c| c.get("layer").is_some() || c.get("cell").is_some()) {
        NodeKind::Wrapper
    } else {
        NodeKind::Layer
    }
}

#[cfg(test)]
mod tests {
    use crate::limits::Limits;
    use crate::report::{FileReport, Verdict};

    use super::*;

    // A real 3.11 lambda header (argcount 1) padded so it passes the code-object check,
    // base64 of e3 01 00 00 00 + 55 zero bytes.
    const CODE: &str = "4wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    fn scan(json: &str, max_nodes: &str) -> FileReport {
        let mut l = Limits::default();
        l.set("max_overview_nodes", max_nodes).unwrap();
        crate::scan(&json.replace("CODE", CODE).into_bytes(), "t.json", &l)
    }

    fn names(m: &ModelOverview) -> Vec<(Option<usize>, &str, NodeKind)> {
        m.nodes.iter().map(|n| (n.parent, n.name.as_str(), n.kind)).collect()
    }

    const NESTED: &str = r#"{"class_name": "Functional", "config": {"name": "outer", "layers": [
        {"class_name": "InputLayer", "name": "in", "config": {"name": "in"}, "inbound_nodes": []},
        {"class_name": "TimeDistributed", "config": {"name": "td", "trainable": true,
          "layer": {"class_name": "Sequential", "config": {"name": "inner", "layers": [
            {"class_name": "Lambda", "config": {"name": "lam", "trainable": true,
              "function": {"class_name": "__lambda__", "config": {"code": "CODE"}}}}]}}},
          "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Dense", "config": {"name": "d", "trainable": true,
          "activation": {"class_name": "__lambda__", "config": {"code": "CODE"}}},
          "inbound_nodes": [[["td", 0, 0, {}]], [["d", 0, 0, {}]]]},
        {"class_name": "MyBlock", "config": {"name": "mine", "trainable": true}, "inbound_nodes": []}]}}"#;

    #[test]
    fn nested_models_wrappers_lambdas_shared_and_custom_layers_at_their_place() {
        let r = scan(NESTED, "4096");
        let m = r.model.as_ref().expect("a tree");
        assert_eq!(
            names(m),
            [
                (None, "outer", NodeKind::Model),
                (Some(0), "in", NodeKind::Layer),
                (Some(0), "td", NodeKind::Wrapper),
                (Some(2), "inner", NodeKind::Model),
                (Some(3), "lam", NodeKind::Lambda),
                (Some(0), "d", NodeKind::Layer),
                (Some(0), "mine", NodeKind::Custom),
            ]
        );
        assert_eq!(m.nodes[0].container.as_deref(), Some(""));
        assert_eq!(m.nodes[4].pointer, "/config/layers/1/config/layer/config/layers/0");
        assert_eq!((m.nodes[5].calls, m.nodes[5].shared, m.nodes[2].shared), (2, true, false));
        assert_eq!((m.nodes[4].lambdas, m.nodes[5].lambdas, m.nodes[3].lambdas), (1, 1, 0));
        // The lambda (same code, other place: one finding with `also_at`) sits on both
        // layers; the custom class finding on its own layer; no finding on the wrappers.
        let lam = m.nodes[4].findings.clone();
        assert_eq!(lam.len(), 1);
        assert_eq!(r.findings[lam[0]].layer, "outer > td > inner > lam");
        assert_eq!(m.nodes[5].findings, lam, "the also_at place is marked too");
        assert_eq!(r.findings[m.nodes[6].findings[0]].layer, "outer > mine");
        assert!(m.nodes[..4].iter().all(|n| n.findings.is_empty()));
        let placed: usize = m.nodes.iter().map(|n| n.findings.len()).sum();
        assert_eq!(placed, r.findings.len() + 1, "every finding placed, plus the also_at place");
        assert!(m.limit.is_none());
    }

    #[test]
    fn the_node_limit_cuts_the_tree_says_so_and_changes_no_verdict() {
        let full = scan(NESTED, "4096");
        let cut = scan(NESTED, "3");
        let m = cut.model.as_ref().unwrap();
        assert_eq!(m.nodes.len(), 3);
        assert_eq!((m.omitted, m.limit), (4, Some("max_overview_nodes")));
        assert!(m.nodes.iter().all(|n| n.parent.is_none_or(|p| p < 3)));
        assert_eq!(cut.verdict, full.verdict);
        assert_eq!(cut.findings.len(), full.findings.len());
        assert!(cut.errors.is_empty(), "a display limit is not an error: {:?}", cut.errors);
        let none = scan(NESTED, "0");
        assert_eq!((none.model.as_ref().unwrap().nodes.len(), none.verdict), (0, full.verdict));
    }

    #[test]
    fn each_document_is_a_root_and_files_without_layers_have_no_tree() {
        assert!(scan(r#"{"a": [1, 2, {"b": "c"}]}"#, "4096").model.is_none());
        let r = scan(
            r#"{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "trainable": true}}]}"#,
            "4096",
        );
        let m = r.model.unwrap();
        assert_eq!(names(&m), [(None, "Sequential", NodeKind::Model), (Some(0), "d", NodeKind::Layer)]);
        assert_eq!(r.verdict, Verdict::Clean);
    }

    #[test]
    fn a_keras3_shared_object_is_marked_and_names_are_bounded() {
        let long = "n".repeat(10_000);
        let r = scan(
            &format!(
                r#"{{"class_name": "Functional", "config": {{"name": "{long}", "layers": [
                  {{"class_name": "Dense", "config": {{"name": "d", "trainable": true}}, "shared_object_id": 7, "inbound_nodes": [{{}}]}}]}}}}"#
            ),
            "4096",
        );
        let m = r.model.unwrap();
        assert!(m.nodes[0].name.len() <= MAX_NODE_TEXT + 3);
        assert!(m.nodes[1].shared && m.nodes[1].calls == 1);
    }

    #[test]
    fn a_chain_of_hundreds_of_nested_models_stays_within_the_limit() {
        // 300 models are 900 JSON levels, under `max_json_depth`.
        let n = 300;
        let mut doc = String::new();
        for i in 0..n {
            doc.push_str(&format!(r#"{{"class_name": "Sequential", "config": {{"name": "m{i}", "layers": ["#));
        }
        doc.push_str(&"]}}".repeat(n));
        let r = scan(&doc, "100");
        let m = r.model.unwrap();
        assert_eq!((m.nodes.len(), m.omitted), (100, 200));
        assert_eq!(m.nodes[99].parent, Some(98));
    }

    #[test]
    fn placing_findings_is_bounded_and_what_is_left_out_is_counted() {
        use crate::report::{Evidence, Location, Severity};
        // A 60 KB document name and 500-level pointers with no node on the way: each
        // finding walks 500 steps with a 60 KB key (30 MB); 300 of them would be 9 GB.
        let long = format!("{}config.json", "d/".repeat(30_000));
        let v =
            crate::container::json::parse(r#"{"class_name": "Dense", "config": {"name": "d", "trainable": true}}"#, 10)
                .unwrap()
                .value;
        let mut b = Builder::new(10);
        b.document(&long, true);
        b.open(&v, "d", "/layers/0");
        b.close();
        let deep = "/x".repeat(500);
        let f = |pointer: &str| Finding {
            code: "X",
            severity: Severity::High,
            title: None,
            layer: String::new(),
            location: Location { container: long.clone(), pointer: pointer.to_string() },
            evidence: Evidence::default(),
        };
        let mut findings: Vec<Finding> = (0..300).map(|_| f(&deep)).collect();
        findings.push(f("/layers/0/config"));
        let m = b.finish(&findings).unwrap();
        assert!(m.omitted_marks >= 290, "{}", m.omitted_marks);
        assert_eq!(m.limit, Some("max_overview_nodes"));
    }

    #[test]
    fn long_document_names_are_cut_on_roots_and_still_place_findings() {
        use crate::report::{Evidence, Location, Severity};
        let long = format!("{}config.json", "d/".repeat(30_000));
        let v =
            crate::container::json::parse(r#"{"class_name": "Dense", "config": {"name": "d", "trainable": true}}"#, 10)
                .unwrap()
                .value;
        let mut b = Builder::new(10);
        for _ in 0..3 {
            b.document(&long, true);
            b.open(&v, "d", "");
            b.close();
        }
        let f = Finding {
            code: "X",
            severity: Severity::High,
            title: None,
            layer: String::new(),
            location: Location { container: long.clone(), pointer: "/config/x".into() },
            evidence: Evidence::default(),
        };
        let m = b.finish(&[f]).unwrap();
        assert_eq!(m.nodes.len(), 3);
        assert!(m.nodes.iter().all(|n| n.container.as_ref().unwrap().len() <= MAX_CONTAINER_TEXT + 3));
        assert_eq!(m.nodes[0].findings, [0], "placed by the full document name");
    }
}

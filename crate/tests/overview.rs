//! The model overview on models made by the real Keras producers
//! (`fixtures/generate_overview.py`): a Functional model holding a TimeDistributed
//! wrapper around a nested model, a Bidirectional wrapper, a layer shared between the
//! outer and the inner model and called twice in the outer one, and a Lambda.
//! Each file's `model` is compared with a golden JSON next to it (`KS_BLESS=1` rewrites
//! them; review the diff), after structural checks that do not depend on the golden.

use std::path::Path;

use keras_sentinel::keras::overview::{ModelOverview, NodeKind};
use keras_sentinel::limits::Limits;
use keras_sentinel::report::{FileReport, Verdict};
use keras_sentinel::source::FileSource;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/overview");

fn scan(name: &str) -> FileReport {
    let path = Path::new(DIR).join(name);
    let src = FileSource::open(&path).unwrap();
    keras_sentinel::scan(&src, name, &Limits::default())
}

/// `(depth, name, class, kind)` per node, in order.
fn outline(m: &ModelOverview) -> Vec<(usize, String, String, NodeKind)> {
    let mut depth = vec![0usize; m.nodes.len()];
    m.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            depth[i] = n.parent.map_or(0, |p| depth[p] + 1);
            (depth[i], n.name.clone(), n.class_name.clone(), n.kind)
        })
        .collect()
}

fn check(name: &str, bi_children: &[&str]) {
    let r = scan(name);
    assert_eq!(r.verdict, Verdict::Lambda, "{name}: {:?} {:?}", r.findings, r.errors);
    let m = r.model.as_ref().unwrap_or_else(|| panic!("{name}: no model overview"));
    let o = outline(m);
    let at = |n: &str| o.iter().position(|x| x.1 == n).unwrap_or_else(|| panic!("{name}: no node {n}"));
    use NodeKind::*;
    assert_eq!((o[0].0, o[0].1.as_str(), o[0].3), (0, "outer", Model), "{name}");
    let td = at("td");
    assert_eq!((o[td].0, o[td].2.as_str(), o[td].3), (1, "TimeDistributed", Wrapper));
    // The nested model sits inside the wrapper, its Lambda inside it.
    assert_eq!((o[td + 1].0, o[td + 1].1.as_str(), o[td + 1].3), (2, "inner", Model));
    let lam = at("double");
    assert_eq!((o[lam].0, o[lam].3), (3, Lambda));
    assert_eq!(m.nodes[lam].parent, Some(td + 1));
    let bi = at("bi");
    assert_eq!(o[bi].3, Wrapper);
    let kids: Vec<&str> = (0..o.len()).filter(|&i| m.nodes[i].parent == Some(bi)).map(|i| o[i].1.as_str()).collect();
    assert_eq!(kids, bi_children, "{name}");
    // `shared_dense` is in both models; the outer one is called at two nodes.
    let shared: Vec<(usize, bool, u64)> = (0..o.len())
        .filter(|&i| o[i].1 == "shared_dense")
        .map(|i| (o[i].0, m.nodes[i].shared, m.nodes[i].calls))
        .collect();
    assert_eq!(shared, [(3, false, 1), (1, true, 2)], "{name}");
    // The one finding (the Lambda's code) is on the Lambda's node, and only there.
    assert_eq!(r.findings.len(), 1, "{name}: {:?}", r.findings);
    assert_eq!(r.findings[0].code, "PAIT-KERAS-100");
    for (i, n) in m.nodes.iter().enumerate() {
        assert_eq!(n.findings, if i == lam { vec![0] } else { vec![] }, "{name}: node {}", n.name);
    }
    assert_eq!(m.nodes[lam].lambdas, 1);
    assert_eq!(m.omitted, 0);

    let got = serde_json::to_string_pretty(m).unwrap() + "\n";
    let golden = Path::new(DIR).join(format!("{name}.model.json"));
    if std::env::var_os("KS_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(got, want, "{name}: the overview differs from {} (KS_BLESS=1 rewrites it)", golden.display());
}

#[test]
fn keras3_nested_model_with_wrappers_and_a_shared_layer() {
    check("nested_shared.keras", &["forward_lstm", "backward_lstm"]);
}

#[test]
fn tf_keras_h5_nested_model_with_wrappers_and_a_shared_layer() {
    // tf.keras 2.15 writes no backward layer config for a plain Bidirectional.
    check("nested_shared.h5", &["lstm"]);
}

#[test]
fn a_small_node_limit_lists_the_first_layers_and_counts_the_rest() {
    let limits = Limits { max_overview_nodes: 4, ..Limits::default() };
    let path = Path::new(DIR).join("nested_shared.keras");
    let r = keras_sentinel::scan(&FileSource::open(&path).unwrap(), "x", &limits);
    let m = r.model.unwrap();
    assert_eq!(m.nodes.len(), 4);
    assert_eq!((m.omitted, m.limit), (9, Some("max_overview_nodes")), "13 layers in all");
    assert_eq!(r.verdict, Verdict::Lambda, "the tree's limit changes no verdict");
    assert!(r.errors.is_empty());
}

#[test]
fn savedmodel_metadata_each_node_document_is_a_root_and_object_ids_are_not_sharing() {
    // tf.keras 2.15 SavedModel (fixtures/generate_models.py): the root node's metadata
    // holds the model config (and again under `model_config`), each layer node its own.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models/tf215/savedmodel_getattr/keras_metadata.pb");
    let r = keras_sentinel::scan(&FileSource::open(&path).unwrap(), "keras_metadata.pb", &Limits::default());
    let m = r.model.unwrap();
    let roots: Vec<(&str, &str)> = m
        .nodes
        .iter()
        .filter(|n| n.parent.is_none())
        .map(|n| (n.container.as_deref().unwrap_or(""), n.name.as_str()))
        .collect();
    assert_eq!(
        roots,
        [
            ("keras_metadata.pb node root", "tf_sm"),
            ("keras_metadata.pb node root.layer-1", "lam_getattr"),
            ("keras_metadata.pb node root.layer_with_weights-0", "dense")
        ]
    );
    // The root's `model_config` is the same model again: not a model inside itself, in the
    // tree or in a finding's layer path.
    assert!(!m.nodes.iter().any(|n| n.name == "tf_sm" && n.parent.is_some()), "{:?}", m.nodes);
    let paths: Vec<&str> = r
        .findings
        .iter()
        .flat_map(|f| std::iter::once(f.layer.as_str()).chain(f.evidence.also_at.iter().map(|o| o.layer.as_str())))
        .collect();
    assert!(paths.contains(&"tf_sm > lam_getattr") && !paths.iter().any(|p| p.contains("tf_sm > tf_sm")), "{paths:?}");
    // Every layer carries a `shared_object_id` there (metadata serializes each layer
    // again): none is called shared.
    assert!(m.nodes.iter().all(|n| !n.shared));
    // The one malicious lambda (one finding, its other places in `also_at`) is marked on
    // the Lambda in every document that holds it, and on nothing else.
    let marked: Vec<&str> = m.nodes.iter().filter(|n| !n.findings.is_empty()).map(|n| n.name.as_str()).collect();
    assert!(marked.len() >= 2 && marked.iter().all(|n| *n == "lam_getattr"), "{marked:?}");
    assert_eq!(r.findings[m.nodes.iter().find(|n| !n.findings.is_empty()).unwrap().findings[0]].code, "PAIT-KERAS-101");
}

/// A config whose root repeats `model_config` (duplicate keys, each a copy of the root
/// model holding a Lambda): every copy is scanned, none becomes a node, and each copy's
/// finding is marked on the root's Lambda, in time linear in the input.
#[test]
fn many_copies_of_the_root_model_stay_one_tree() {
    let lambda = r#"{"class_name":"Lambda","config":{"name":"lam","trainable":true,"function":["4wAAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAQAAAHIBAAAA+gE8bGFtYmRhPgEAAADzAAAAAA==",null,null],"function_type":"lambda"}}"#;
    let model = format!(r#"{{"class_name":"Sequential","config":{{"name":"m","layers":[{lambda}]}}}}"#);
    let copies = 20_000;
    let mut text = format!(r#"{{"class_name":"Sequential","config":{{"name":"m","layers":[{lambda}]}}"#);
    for _ in 0..copies {
        text.push_str(&format!(r#","model_config":{model}"#));
    }
    text.push('}');
    let r = keras_sentinel::scan(&text.into_bytes(), "config.json", &Limits::default());
    let m = r.model.as_ref().expect("a tree");
    let names: Vec<&str> = m.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["m", "lam"], "{:?}", r.errors);
    assert!(!r.findings.is_empty() && m.nodes[1].findings.contains(&0), "{:?}", m.nodes);
}

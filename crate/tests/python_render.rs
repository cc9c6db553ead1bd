//! Golden test of the reconstructed source shown to reviewers (issue 12, "Faithful source").
//!
//! For every fixture lambda (techniques, constructs, payload families of every CPython version, and
//! the lambdas inside the real-producer model fixtures) the analysis' `source` is compared
//! with `tests/data/lambda_render/rendered_sources.json` (its own folder: the
//! families test reads every JSON file in tests/data/lambdas). That file is written by this test
//! with `KS_BLESS=1` and then checked by CPython: `python3 fixtures/lambdas/render_check.py`
//! compiles every rendering and, where the original source is known, compares its AST
//! with the original's (names and constants kept). The test fails when a rendering
//! changed, or when an entry was not marked valid Python by that check.
//!
//! Bless: KS_BLESS=1 cargo test -p keras-sentinel --test python_render
//!        && python3 fixtures/lambdas/render_check.py

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keras_sentinel::limits::Limits;
use keras_sentinel::python::payload::a2b_base64;
use keras_sentinel::python::tables::KerasLine;
use keras_sentinel::python::{analyze_for, FunctionInput};
use keras_sentinel::source::FileSource;
use serde_json::{json, Value};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data")
}

fn golden_path() -> PathBuf {
    data().join("lambda_render").join("rendered_sources.json")
}

fn to_json(v: &Value) -> Option<keras_sentinel::container::json::Json<'static>> {
    if v.is_null() {
        return None;
    }
    Some(keras_sentinel::parse_json(&serde_json::to_string(v).unwrap()).expect("fixture value parses"))
}

fn lines(tag: &str) -> &'static [KerasLine] {
    match tag {
        "keras3" => &[KerasLine::Keras3],
        "tfkeras2" => &[KerasLine::TfKeras2],
        _ => &KerasLine::ALL,
    }
}

/// One rendering: id → (original source if known, our rendering).
type Rendered = BTreeMap<String, (Option<String>, String)>;

fn render_techniques(out: &mut Rendered) {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(data().join("lambda_techniques/cpython-3.11.json")).unwrap())
            .unwrap();
    for e in doc["entries"].as_array().unwrap() {
        let code = a2b_base64(e["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
        let input =
            FunctionInput { code: &code, defaults: None, closure: None, arguments: None, module: e["module"].as_str() };
        let a = analyze_for(&input, lines(e["line"].as_str().unwrap()), &Limits::default());
        let id = format!("techniques-3.11/{}", e["name"].as_str().unwrap());
        out.insert(id, (e["src"].as_str().map(String::from), a.source.unwrap_or_default()));
    }
}

/// Benign lambdas, one per construct (fixtures/lambdas/render_constructs.py), with the
/// defaults Keras stores next to the code.
fn render_constructs(out: &mut Rendered) {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(data().join("lambda_render/constructs-3.11.json")).unwrap())
            .unwrap();
    for e in doc["entries"].as_array().unwrap() {
        let code = a2b_base64(e["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
        let defaults = to_json(&e["defaults"]);
        let input =
            FunctionInput { code: &code, defaults: defaults.as_ref(), closure: None, arguments: None, module: None };
        let a = analyze_for(&input, &KerasLine::ALL, &Limits::default());
        let id = format!("constructs-3.11/{}", e["name"].as_str().unwrap());
        out.insert(id, (e["src"].as_str().map(String::from), a.source.unwrap_or_default()));
    }
}

fn render_families(out: &mut Rendered) {
    let dir = data().join("lambdas");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("cpython-")))
        .collect();
    files.sort();
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy().trim_start_matches("cpython-").to_string();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for e in doc["entries"].as_array().unwrap() {
            let code = a2b_base64(e["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
            let (d, c, a) = (to_json(&e["defaults"]), to_json(&e["closure"]), to_json(&e["arguments"]));
            let input = FunctionInput {
                code: &code,
                defaults: d.as_ref(),
                closure: c.as_ref(),
                arguments: a.as_ref(),
                module: None,
            };
            let r = analyze_for(&input, &KerasLine::ALL, &Limits::default());
            let id = format!("families-{stem}/{}", e["name"].as_str().unwrap());
            out.insert(id, (e["src"].as_str().map(String::from), r.source.unwrap_or_default()));
        }
    }
}

/// Lambdas inside the model fixtures, as the scanner reports them (no original source).
fn render_models(out: &mut Rendered) {
    let root = data().join("models");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap()).unwrap();
    for fx in manifest["fixtures"].as_array().unwrap() {
        let rel = fx["path"].as_str().unwrap();
        let Ok(src) = FileSource::open(&root.join(rel)) else { continue };
        let report = keras_sentinel::scan(&src, rel, &Limits::default());
        let mut n = 0;
        for f in &report.findings {
            if let Some(s) = &f.evidence.source {
                n += 1;
                out.insert(format!("models/{rel}#{n}"), (None, s.clone()));
            }
        }
    }
}

fn render_all() -> Rendered {
    let mut out = Rendered::new();
    render_techniques(&mut out);
    render_constructs(&mut out);
    render_families(&mut out);
    render_models(&mut out);
    out
}

#[test]
fn rendered_sources_match_the_golden_file_and_are_valid_python() {
    let rendered = render_all();
    let path = golden_path();
    let old: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({"entries": {}}));
    let old_entries = old["entries"].as_object().cloned().unwrap_or_default();

    if std::env::var_os("KS_BLESS").is_some() {
        let mut entries = serde_json::Map::new();
        for (id, (orig, src)) in &rendered {
            // The original source stays in the fixture files (render_check.py reads it there).
            let _ = orig;
            let mut e = json!({"rendered": src, "check": null});
            // A rendering that did not change keeps its CPython check.
            if let Some(prev) = old_entries.get(id) {
                if prev["rendered"].as_str() == Some(src) {
                    e["check"] = prev["check"].clone();
                }
            }
            entries.insert(id.clone(), e);
        }
        let doc = json!({
            "about": "Reconstructed sources of the fixture lambdas (crate/tests/python_render.rs, KS_BLESS=1) \
                      checked by CPython (fixtures/lambdas/render_check.py).",
            "entries": entries,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        println!(
            "wrote {} renderings to {}; now run python3 fixtures/lambdas/render_check.py",
            rendered.len(),
            path.display()
        );
        return;
    }

    let mut problems = Vec::new();
    for (id, (_, src)) in &rendered {
        match old_entries.get(id) {
            None => problems.push(format!("{id}: not in the golden file")),
            Some(e) => {
                if e["rendered"].as_str() != Some(src) {
                    problems.push(format!(
                        "{id}: rendering changed\n  golden: {:?}\n  now:    {src:?}",
                        e["rendered"].as_str().unwrap_or("")
                    ));
                } else if e["check"]["valid"].as_bool() != Some(true) {
                    problems.push(format!("{id}: not marked valid Python by render_check.py: {}", e["check"]));
                }
            }
        }
    }
    for id in old_entries.keys() {
        if !rendered.contains_key(id) {
            problems.push(format!("{id}: in the golden file but no longer rendered"));
        }
    }
    let same = old_entries.values().filter(|e| e["check"]["same_ast"].as_bool() == Some(true)).count();
    let known = rendered.values().filter(|(orig, _)| orig.is_some()).count();
    println!("{} renderings; AST equal to the original for {same} of {known} with a known original", rendered.len());
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

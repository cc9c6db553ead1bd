//! Crafted HDF5 files on which a naive reader and libhdf5 disagree about names
//! (`fixtures/parsers/hdf5_cases.py`): shadowed and duplicate attributes, a broken name
//! index hash, committed datatypes, a hidden link. For each, our reader must return
//! exactly what h5py returned when the generator ran (recorded in `expected.json`), and
//! the scan must give the recorded verdict and rule codes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use keras_sentinel::container::hdf5::{list_group, read_keras, KerasH5};
use keras_sentinel::limits::Limits;
use keras_sentinel::sniff::find_hdf5_superblock;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parsers/hdf5")
}

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap()
}

/// h5py's answer for one attribute: a string, `None` (absent), or an error h5py raised.
fn attr_matches(name: &str, case: &str, want: &Value, got: &Option<String>, ours: &KerasH5) {
    match want {
        Value::String(s) => assert_eq!(got.as_deref(), Some(s.as_str()), "{case}: {name}"),
        Value::Null => assert_eq!(got, &None, "{case}: {name} (h5py: absent)"),
        // h5py could not read it: we may read it (a superset is conservative) only if
        // the file is then flagged as unreadable somewhere.
        Value::Object(_) => assert!(got.is_none() || !ours.errors.is_empty(), "{case}: {name}: h5py failed ({want})"),
        other => panic!("{case}: unexpected expectation {other}"),
    }
}

#[test]
fn our_reading_equals_h5py_on_crafted_files() {
    let exp = expected();
    let cases = exp["cases"].as_object().unwrap();
    assert!(cases.len() >= 9, "expected.json lists {} cases", cases.len());
    for (case, want) in cases {
        let data = std::fs::read(dir().join(format!("{case}.h5"))).unwrap();
        let sb = find_hdf5_superblock(&data).unwrap();
        let limits = Limits::default();
        let ours = read_keras(&data, sb, &limits).unwrap_or_else(|e| panic!("{case}: {e}"));
        if want["verdict"] != "error" {
            assert!(ours.errors.is_empty(), "{case}: errors {:?}", ours.errors);
        }
        let h5 = &want["h5py"];
        assert!(h5.get("crash").is_none() && h5.get("open_error").is_none(), "{case}: h5py {h5}");
        attr_matches("model_config", case, &h5["model_config"], &ours.model_config, &ours);
        attr_matches("keras_version", case, &h5["keras_version"], &ours.keras_version, &ours);
        attr_matches("backend", case, &h5["backend"], &ours.backend, &ours);
        attr_matches("training_config", case, &h5["training_config"], &ours.training_config, &ours);
        if let Some(names) = h5["model_weights_layer_names"].as_array() {
            let want: Vec<&str> = names.iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(ours.layer_names.as_deref().unwrap_or_default(), want, "{case}: model_weights layer_names");
        }
        if let Some(names) = h5["attribute_names"].as_array() {
            let want: Vec<&str> = names.iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(ours.root_attributes, want, "{case}: attrs.keys()");
        }
        for (key, group) in [("root_members", "/"), ("model_weights_members", "/model_weights")] {
            if let Some(members) = h5[key].as_array() {
                let mut got = list_group(&data, sb, &limits, group).unwrap_or_else(|e| panic!("{case}: {e}"));
                got.sort();
                let want: Vec<&str> = members.iter().map(|v| v.as_str().unwrap()).collect();
                assert_eq!(got, want, "{case}: members of {group}");
            }
        }
    }
}

#[test]
fn crafted_files_get_the_expected_verdict_and_codes() {
    let exp = expected();
    for (case, want) in exp["cases"].as_object().unwrap() {
        let path = dir().join(format!("{case}.h5"));
        let src = keras_sentinel::source::FileSource::open(&path).unwrap();
        let report = keras_sentinel::scan(&src, &format!("{case}.h5"), &Limits::default());
        let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code).collect();
        let want_codes: BTreeSet<&str> =
            want["codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(report.verdict.as_str(), want["verdict"].as_str().unwrap(), "{case}: verdict ({:?})", report.errors);
        assert_eq!(codes, want_codes, "{case}: codes");
    }
}

#[test]
fn shadowed_copy_is_reported_with_its_value() {
    let data = std::fs::read(dir().join("shadow_benign_visible.h5")).unwrap();
    let got = read_keras(&data, find_hdf5_superblock(&data).unwrap(), &Limits::default()).unwrap();
    assert!(!got.model_config.as_deref().unwrap().contains("Lambda"), "h5py's benign config");
    let hidden: Vec<_> = got.issues.iter().filter(|i| i.detail.text.contains("invisible to h5py")).collect();
    assert_eq!(hidden.len(), 1, "{:?}", got.issues);
    assert!(
        hidden[0].detail.text.contains("differs") && hidden[0].detail.text.contains("Lambda"),
        "{}",
        hidden[0].detail
    );
}

//! Differential test: our HDF5 reader against an independent pure-Rust one
//! (`hdf5-reader`, a dev-dependency only), on every real and generated `.h5` we have.
//!
//! For each file both readers must agree on the root attribute `model_config` (the
//! text the scanner analyses) and on the members of the root group and of
//! `/model_weights`. A file the other reader cannot open or read is counted, not
//! compared; the test fails if it reads too few files for the comparison to mean
//! anything, or on any disagreement.

mod common;

use std::path::{Path, PathBuf};

use hdf5_reader::Hdf5File;
use keras_sentinel::container::hdf5;
use keras_sentinel::limits::Limits;
use keras_sentinel::sniff::find_hdf5_superblock;

/// The files to compare, and whether the shared corpus was there.
fn files() -> (Vec<PathBuf>, bool) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = here.join("../../shared/corpus");
    let has_shared = shared.join("wild/labels.json").exists();
    if !has_shared {
        common::skip(&format!(
            "its {} part, not found: committed fixtures only (see README, Test data)",
            shared.display()
        ));
    }
    let mut out = Vec::new();
    for dir in [
        shared.join("wild/benign-binary"),
        shared.join("wild/malicious"),
        shared.join("hdf5-writers/h5py210"),
        here.join("tests/data/hdf5"),
        here.join("tests/data/models/tf215"),
        here.join("tests/data/models/keras3"),
    ] {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "h5") {
                out.push(p);
            }
        }
    }
    out.sort();
    (out, has_shared)
}

/// The other reader's view: model_config (fixed or variable-length string) and member names.
/// model_config, root members, /model_weights members.
type View = (Option<String>, Vec<String>, Option<Vec<String>>);

fn theirs(bytes: Vec<u8>) -> Result<View, String> {
    let f = Hdf5File::from_vec(bytes).map_err(|e| e.to_string())?;
    let root = f.root_group().map_err(|e| e.to_string())?;
    let read = |name: &str| -> Result<Option<String>, String> {
        match root.attribute(name) {
            Ok(a) => Ok(Some(match a.read_string() {
                Ok(s) => s,
                Err(_) => {
                    let data = root.file_data().map_err(|e| e.to_string())?;
                    a.read_vlen_string(&data, root.offset_size()).map_err(|e| e.to_string())?
                }
            })),
            Err(_) => Ok(None),
        }
    };
    // Keras' load_attributes_from_hdf5_group: `name`, else `name0`, `name1`, … joined.
    let config = match read("model_config")? {
        Some(s) => Some(s),
        None => {
            let mut parts = Vec::new();
            while let Some(p) = read(&format!("model_config{}", parts.len()))? {
                parts.push(p);
            }
            (!parts.is_empty()).then(|| parts.concat())
        }
    };
    let names = |g: &hdf5_reader::group::Group| -> Result<Vec<String>, String> {
        let (groups, datasets) = g.member_names().map_err(|e| e.to_string())?;
        let mut all: Vec<String> = groups.into_iter().chain(datasets).collect();
        all.sort();
        Ok(all)
    };
    let root_names = names(&root)?;
    let weights = match root.group("model_weights") {
        Ok(g) => Some(names(&g)?),
        Err(_) => None,
    };
    Ok((config, root_names, weights))
}

#[test]
fn our_hdf5_reader_agrees_with_hdf5_reader() {
    let limits = Limits::default();
    let (mut compared, mut skipped) = (0, Vec::new());
    let mut disagreements = Vec::new();
    let (files, has_shared) = files();
    for path in files {
        let name = path.display().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let Some(sb) = find_hdf5_superblock(&bytes) else { continue };
        let other = match std::panic::catch_unwind(|| theirs(bytes.clone())) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                skipped.push(format!("{name}: {e}"));
                continue;
            }
            Err(_) => {
                skipped.push(format!("{name}: the other reader panicked"));
                continue;
            }
        };
        compared += 1;
        let ours = hdf5::read_keras(&bytes, sb, &limits).expect("our reader opens what the other one opens");
        if ours.model_config != other.0 {
            disagreements.push(format!(
                "{name}: model_config differs (ours {:?} bytes, theirs {:?} bytes)",
                ours.model_config.as_ref().map(String::len),
                other.0.as_ref().map(String::len)
            ));
        }
        let mut root = hdf5::list_group(&bytes, sb, &limits, "/").expect("list /");
        root.sort();
        if root != other.1 {
            disagreements.push(format!("{name}: root members differ: ours {root:?}, theirs {:?}", other.1));
        }
        if let Some(theirs_w) = other.2 {
            let mut w = hdf5::list_group(&bytes, sb, &limits, "/model_weights").expect("list /model_weights");
            w.sort();
            if w != theirs_w {
                disagreements.push(format!("{name}: /model_weights members differ: ours {w:?}, theirs {theirs_w:?}"));
            }
        }
    }
    println!("compared {compared} files; the other reader could not read {}:", skipped.len());
    for s in &skipped {
        println!("  {s}");
    }
    let enough = if has_shared { 40 } else { 10 };
    assert!(compared >= enough, "only {compared} files compared; skipped: {skipped:#?}");
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}

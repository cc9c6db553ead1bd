//! The HDF5 reader against real files: the wild corpus (every `.h5` must give the
//! `model_config` extracted by h5py, byte for byte), the h5py 2.10 writer files, and
//! the libhdf5 CVE reproducers (each must return: error or partial result, no panic).

use std::path::{Path, PathBuf};

use keras_sentinel::container::hdf5::{list_group, read_keras};
use keras_sentinel::limits::Limits;
use keras_sentinel::sniff::find_hdf5_superblock;

mod common;

/// The shared folder, or `None` (with one printed line naming the test) when this
/// checkout has none.
fn shared() -> Option<PathBuf> {
    common::shared_or_skip("corpus")?;
    Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

fn files(dir: &Path, ext: Option<&str>) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)))
        .collect();
    v.sort();
    v
}

fn read(path: &Path) -> (Vec<u8>, u64) {
    let data = std::fs::read(path).unwrap();
    let sb = find_hdf5_superblock(&data).unwrap_or_else(|| panic!("{}: no HDF5 signature", path.display()));
    (data, sb)
}

#[test]
fn hdf5_wild_corpus_model_configs_match_h5py_byte_for_byte() {
    let Some(shared) = shared() else { return };
    let wild = shared.join("corpus/wild");
    let mut checked = 0;
    let mut h5 = 0;
    for sub in ["benign-binary", "malicious"] {
        for path in files(&wild.join(sub), Some("h5")) {
            h5 += 1;
            let (data, sb) = read(&path);
            let got = read_keras(&data, sb, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(got.errors.is_empty(), "{}: errors {:?}", path.display(), got.errors);
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let expected = wild.join("benign-extracted").join(format!("{name}.model_config.json"));
            if expected.exists() {
                let want = std::fs::read(&expected).unwrap();
                let cfg = got.model_config.unwrap_or_else(|| panic!("{name}: no model_config"));
                assert!(
                    cfg.as_bytes() == want.as_slice(),
                    "{name}: model_config differs ({} vs {} bytes)",
                    cfg.len(),
                    want.len()
                );
                checked += 1;
            } else {
                assert!(got.model_config.is_some(), "{name}: no model_config");
            }
        }
    }
    assert!(h5 >= 20 && checked >= 15, "only {h5} files / {checked} comparisons: corpus incomplete?");
}

#[test]
fn hdf5_h5py210_writer_files() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/hdf5-writers/h5py210");
    let all = files(&dir, Some("h5"));
    assert_eq!(all.len(), 6, "expected the six h5py 2.10 files");
    for path in &all {
        let (data, sb) = read(path);
        let got = read_keras(&data, sb, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(got.errors.is_empty(), "{}: {:?}", path.display(), got.errors);
        let cfg = got.model_config.unwrap_or_else(|| panic!("{}: no model_config", path.display()));
        assert!(cfg.starts_with('{') && cfg.ends_with('}') && cfg.contains("\"class_name\""), "{}", path.display());
        assert!(
            got.training_config.is_some() && got.keras_version.is_some() && got.backend.is_some(),
            "{}",
            path.display()
        );
        assert!(got.issues.is_empty(), "{}: {:?}", path.display(), got.issues);
    }
    // big_latest: /model_weights holds 40 layer groups (h5py 2.10 lists dense_0..dense_39;
    // the README's "900 layers" is the model_config) in dense link storage: more than 8
    // links under libver="latest" means fractal heap + v2 B-tree name index.
    let (data, sb) = read(&dir.join("big_latest.h5"));
    let names = list_group(&data, sb, &Limits::default(), "/model_weights").unwrap();
    let mut sorted = names.clone();
    sorted.sort();
    let mut want: Vec<String> = (0..40).map(|i| format!("dense_{i}")).collect();
    want.sort();
    assert_eq!(sorted, want, "dense link group");
    // The same set of names as the default-format file, which uses a symbol table.
    let (d2, sb2) = read(&dir.join("big_default.h5"));
    let mut names2 = list_group(&d2, sb2, &Limits::default(), "/model_weights").unwrap();
    names2.sort();
    assert_eq!(sorted, names2);
    // And the same model_config across the three formats.
    let cfg = |f: &str| {
        let (d, s) = read(&dir.join(f));
        read_keras(&d, s, &Limits::default()).unwrap().model_config.unwrap()
    };
    assert_eq!(cfg("big_latest.h5"), cfg("big_default.h5"));
    assert_eq!(cfg("big_vlen.h5"), cfg("big_default.h5"));
}

#[test]
fn hdf5_cve_reproducers_return_without_panic_or_hang() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/hdf5-cve");
    let all: Vec<PathBuf> = files(&dir, None).into_iter().filter(|p| p.extension().is_none_or(|e| e == "h5")).collect();
    assert!(all.len() >= 100, "expected the CVE reproducers, found {}", all.len());
    let (mut ok, mut partial, mut failed) = (0, 0, 0);
    let mut worst_ratio = (0.0f64, String::new());
    for path in &all {
        let data = std::fs::read(path).unwrap();
        let start = std::time::Instant::now();
        let sb = find_hdf5_superblock(&data).unwrap_or(0);
        let counting = keras_sentinel::source::Counting::new(&data);
        let r =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_keras(&counting, sb, &Limits::default())));
        let r = r.unwrap_or_else(|_| panic!("{}: panicked", path.display()));
        let took = start.elapsed();
        assert!(took.as_secs() < 5, "{}: took {took:?}", path.display());
        // Work is bounded by the file, not by what it declares: every metadata read
        // goes through the budget of 4 x the file + 1 MiB (plus the 256-byte superblock).
        let read = counting.bytes_read();
        let budget = 4 * data.len() as u64 + (1 << 20) + 256;
        assert!(read <= budget, "{}: read {read} bytes of a {}-byte file", path.display(), data.len());
        let ratio = read as f64 / data.len().max(1) as f64;
        if ratio > worst_ratio.0 {
            worst_ratio = (ratio, path.file_name().unwrap().to_string_lossy().into_owned());
        }
        match r {
            Ok(k) if k.errors.is_empty() => ok += 1,
            Ok(_) => partial += 1,
            Err(_) => failed += 1,
        }
    }
    eprintln!(
        "CVE reproducers: {ok} clean, {partial} partial, {failed} refused; most bytes read per file byte: {:.2} ({})",
        worst_ratio.0, worst_ratio.1
    );
}

/// A libhdf5 CVE reproducer is no Keras model: each without Keras' attributes or groups
/// is `error` ("not a Keras model file"), never `clean`; the few made from Keras models
/// keep their own verdict.
#[test]
fn hdf5_cve_reproducers_without_keras_structure_are_errors() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpus/hdf5-cve");
    let all: Vec<PathBuf> = files(&dir, None).into_iter().filter(|p| p.extension().is_none_or(|e| e == "h5")).collect();
    let (mut not_keras, mut keras) = (0, 0);
    for path in &all {
        let src = keras_sentinel::source::FileSource::open(path).unwrap();
        let r = keras_sentinel::scan(&src, &path.display().to_string(), &Limits::default());
        let said_not_keras = r.errors.iter().any(|e| e.message.text.starts_with("not a Keras model file"));
        let data = std::fs::read(path).unwrap();
        let structure = find_hdf5_superblock(&data)
            .and_then(|sb| read_keras(&data, sb, &Limits::default()).ok())
            .map(|k| k.has_keras_structure());
        if structure == Some(false) {
            assert!(said_not_keras, "{}: no Keras structure but {:?}", path.display(), r.errors);
        }
        if said_not_keras {
            not_keras += 1;
        } else {
            keras += 1;
        }
        assert!(
            matches!(r.verdict.as_str(), "error" | "suspicious" | "malicious") || structure == Some(true),
            "{}: verdict {} without Keras structure",
            path.display(),
            r.verdict.as_str()
        );
    }
    println!("CVE reproducers: {not_keras} not Keras model files, {keras} others");
    assert!(not_keras >= 100, "only {not_keras} of {} called not Keras", all.len());
}

//! "read N of M" is true: the bytes a scan reports as read are distinct bytes of the file,
//! never more than its size, for every committed fixture of every format (and the shared
//! corpora when ../shared is present).

mod common;

use std::path::Path;

#[test]
fn bytes_read_never_exceed_the_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    common::files(&root.join("tests/data"), &mut all);
    let shared = root.join("../../shared/corpus");
    if shared.is_dir() {
        common::files(&shared, &mut all);
    } else {
        common::skip("its ../shared/corpus part, not found: committed fixtures only (see README, Test data)");
    }
    assert!(all.len() > 300, "only {} files", all.len());
    let mut formats = std::collections::BTreeSet::new();
    for p in &all {
        let data = std::fs::read(p).unwrap();
        let name = p.display().to_string();
        let r = keras_sentinel::scan(&data, &name, &keras_sentinel::limits::Limits::default());
        assert!(
            r.stats.bytes_read <= r.stats.file_bytes,
            "{name}: read {} of {}",
            r.stats.bytes_read,
            r.stats.file_bytes
        );
        formats.insert(r.format.clone());
    }
    for f in ["hdf5", "zip", "json", "keras-metadata-pb", "saved-model-pb"] {
        assert!(formats.contains(f), "no {f} file among the fixtures: {formats:?}");
    }
}

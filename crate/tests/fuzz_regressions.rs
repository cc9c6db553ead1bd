//! Every input a fuzz target crashed, hung or ran out of memory on, replayed.
//!
//! Inputs live in `tests/data/fuzz-regressions/<target>/` (one file each, minimised with
//! `cargo fuzz tmin`). Each is run through exactly the code of its target
//! (`crate/fuzz/fuzz_targets/checks.rs`, with the same invariants), then through
//! `scan` under every file name; the report must obey the report invariants and stay
//! small. See FUZZING.md: every crash becomes a file here.

#[path = "../fuzz/fuzz_targets/checks.rs"]
mod checks;

use std::path::Path;

const NAMES: [&str; 5] = ["model.keras", "model.h5", "model.json", "keras_metadata.pb", "saved_model.pb"];

#[test]
fn every_fuzz_regression_input_is_handled() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut count = 0;
    let mut targets: Vec<_> = std::fs::read_dir(&dir).expect("fuzz-regressions dir").flatten().collect();
    targets.sort_by_key(|e| e.file_name());
    for t in targets {
        if !t.path().is_dir() {
            continue;
        }
        let target = t.file_name().to_string_lossy().into_owned();
        assert!(checks::TARGETS.contains(&target.as_str()), "{target}: not a fuzz target (checks::TARGETS)");
        let mut inputs: Vec<_> = std::fs::read_dir(t.path()).unwrap().flatten().map(|e| e.path()).collect();
        inputs.sort();
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let label = format!("{target}/{}", input.file_name().unwrap().to_string_lossy());
            println!("{label}: {} bytes", data.len());
            assert!(checks::run(&target, &data), "{label}: unknown target");
            let limits = checks::small_limits();
            for name in NAMES {
                let report = keras_sentinel::scan(&data, name, &limits);
                checks::check_report(&report, name, data.len(), &limits);
                assert!(report.errors.len() <= 1_000, "{label} as {name}: {} errors", report.errors.len());
                let json = serde_json::to_string(&report).unwrap();
                assert!(json.len() < 4 << 20, "{label} as {name}: report of {} bytes", json.len());
            }
            count += 1;
        }
    }
    println!("{count} fuzz regression inputs");
}

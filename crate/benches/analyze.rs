//! Benchmark: decoding and analysing one lambda, over the payload families made by real
//! CPython 3.10 – 3.15 (crate/tests/data/lambdas). Run with
//! `cargo bench -p keras-sentinel --bench analyze`; prints per-version median and p95.
//!
//! A plain `Instant` harness (no criterion): the figure of interest is a median over a
//! few thousand short runs, and keeping dev-dependencies out keeps CI builds short.

use std::time::{Duration, Instant};

use keras_sentinel::limits::Limits;
use keras_sentinel::python::{analyze, payload::decode_code, FunctionInput};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lambdas");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("lambda fixtures").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    let limits = Limits::default();
    println!("{:<28} {:>8} {:>12} {:>12}", "fixture", "lambdas", "median µs", "p95 µs");
    let mut all = Vec::new();
    for f in files.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let text = std::fs::read_to_string(f).unwrap();
        let doc = keras_sentinel::parse_json(&text).unwrap();
        let Some(entries) = doc.get("entries").or_else(|| doc.get("samples")).and_then(|e| e.as_arr()) else {
            continue;
        };
        let mut times = Vec::new();
        for e in entries {
            let Some(code) = e.get_str("keras_b64") else { continue };
            let defaults = e.get("defaults").filter(|d| !d.is_null());
            let closure = e.get("closure").filter(|d| !d.is_null());
            let arguments = e.get("arguments").filter(|d| !d.is_null());
            // Warm up, then time enough runs to rise above the timer's resolution.
            let run = || {
                let d = decode_code(&code);
                let input = FunctionInput { code: &d.bytes, defaults, closure, arguments, module: None };
                std::hint::black_box(analyze(&input, &limits));
            };
            run();
            let n = 50;
            let t = Instant::now();
            for _ in 0..n {
                run();
            }
            times.push(t.elapsed() / n);
        }
        if times.is_empty() {
            continue;
        }
        times.sort();
        let med = times[times.len() / 2];
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        println!("{name:<28} {:>8} {:>12.1} {:>12.1}", times.len(), us(med), us(p95));
        all.extend(times);
    }
    all.sort();
    if !all.is_empty() {
        println!(
            "{:<28} {:>8} {:>12.1} {:>12.1}",
            "all",
            all.len(),
            us(all[all.len() / 2]),
            us(all[(all.len() * 95 / 100).min(all.len() - 1)])
        );
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

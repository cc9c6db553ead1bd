//! Hostile and damaged marshal input: truncation, bad references, cycles, huge sizes,
//! deep nesting, a deterministic mutation sweep over real payloads, and the Windows
//! 0x5C → 0x2F damage. Nothing may panic; what does not verify is Suspicious with a
//! reason, never Benign.

mod common;

use common::{shared, Rng};
use keras_sentinel::limits::Limits;
use keras_sentinel::python::marshal::{self, Layout, MarshalLimits};
use keras_sentinel::python::payload::a2b_base64;
use keras_sentinel::python::{analyze, repair, version, Classification, FunctionInput};
use serde_json::Value;

/// Every sample payload of every interpreter: (label, bytes).
fn payloads() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(shared("reference/interpreters"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut names: Vec<_> = v["samples"].as_object().unwrap().keys().cloned().collect();
        names.sort();
        for n in names {
            let b = a2b_base64(v["samples"][&n]["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
            out.push((format!("{}/{n}", path.file_name().unwrap().to_string_lossy()), b));
        }
    }
    assert_eq!(out.len(), 154);
    out
}

fn run(code: &[u8]) -> keras_sentinel::python::CodeAnalysis {
    analyze(&FunctionInput { code, defaults: None, closure: None, arguments: None, module: None }, &Limits::default())
}

fn assert_unverifiable(what: &str, code: &[u8]) {
    let a = run(code);
    assert_eq!(a.classification, Classification::Suspicious, "{what}: {:?}", a.notes);
    assert!(
        a.notes.iter().any(|n| n.text.contains("cannot be verified") || n.text.contains("not decode")),
        "{what}: no reason given: {:?}",
        a.notes
    );
}

#[test]
fn every_truncation_is_unverifiable() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let mut n = 0;
    for (label, b) in payloads().into_iter().step_by(5) {
        for len in 0..b.len() {
            assert_unverifiable(&format!("{label} truncated to {len}"), &b[..len]);
            n += 1;
        }
    }
    assert!(n > 1000);
}

#[test]
fn trailing_bytes_are_rejected() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    for (label, mut b) in payloads().into_iter().step_by(11) {
        b.push(b'N');
        assert_unverifiable(&format!("{label} + trailing byte"), &b);
    }
}

#[test]
fn bad_references_cycles_huge_sizes_and_deep_nesting() {
    let lim = MarshalLimits::default();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("reference out of range", b"r\x05\x00\x00\x00".to_vec()),
        ("tuple referring to itself", vec![0xa9, 0x01, b'r', 0, 0, 0, 0]),
        ("code referring to itself", [&[0xe3u8][..], &[0; 20], &[b'r', 0, 0, 0, 0]].concat()),
        ("huge bytes length", b"s\xff\xff\xff\x7f".to_vec()),
        ("negative length", b"s\xff\xff\xff\xff".to_vec()),
        ("huge tuple", b"(\xff\xff\xff\x7fN".to_vec()),
        ("huge long", b"l\xff\xff\xff\x7f".to_vec()),
        ("unterminated dict", b"{NN".to_vec()),
        ("unknown type", b"\x01".to_vec()),
        ("UNKNOWN marker", b"?".to_vec()),
        ("NULL outside dict", b"0".to_vec()),
        ("python 2 string ref out of range", b"R\x00\x00\x00\x00".to_vec()),
    ];
    for (what, bytes) in &cases {
        for layout in [Layout::L27, Layout::L30, Layout::L38, Layout::L311] {
            assert!(marshal::parse(bytes, layout, &lim).is_err(), "{what} parsed as {layout:?}");
        }
        assert_unverifiable(what, bytes);
    }
    // 100 000 nested one-element tuples: a depth error, not a stack overflow.
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        deep.extend_from_slice(&[b')', 1]);
    }
    deep.push(b'N');
    let e = marshal::parse(&deep, Layout::L311, &lim).unwrap_err();
    assert!(e.message.text.contains("nesting"), "{e}");
    let mut deep_code = vec![0xe3];
    deep_code.extend_from_slice(&deep);
    assert_unverifiable("deep nesting", &deep_code);
    // Many objects: the object cap answers, not the allocator.
    let mut many = b"(\x40\x0d\x03\x00".to_vec();
    many.extend(std::iter::repeat_n(b'N', 200_000));
    assert!(marshal::parse(&many, Layout::L311, &lim).is_err());
}

#[test]
fn deterministic_mutations_never_panic_or_pass_silently() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let (mut total, mut rejected, mut still_valid) = (0, 0, 0);
    for (label, orig) in payloads() {
        for round in 0..12 {
            let mut b = orig.clone();
            let kind = rng.below(6);
            match kind {
                0 => {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(b.len());
                    b[i] = [0x00, 0xff, 0x7f, 0x80, 0x72, 0x29, 0x2f, 0x5c][rng.below(8)];
                }
                2 => {
                    let i = rng.below(b.len());
                    b.insert(i, rng.next() as u8);
                }
                3 => {
                    let i = rng.below(b.len());
                    b.remove(i);
                }
                4 => {
                    // A length-like field set huge.
                    let i = rng.below(b.len().saturating_sub(4));
                    b[i..i + 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
                }
                _ => {
                    for _ in 0..4 {
                        let i = rng.below(b.len());
                        b[i] = rng.next() as u8;
                    }
                }
            }
            total += 1;
            let a = run(&b);
            match version::infer(&b, &MarshalLimits::default()) {
                Err(_) if !a.windows_repaired => {
                    rejected += 1;
                    assert_eq!(
                        a.classification,
                        Classification::Suspicious,
                        "{label} mutation {round} (kind {kind}) does not parse but is {:?}",
                        a.classification
                    );
                }
                _ => {
                    still_valid += 1;
                    assert!(
                        a.python_version.is_some() && a.source.is_some(),
                        "{label} mutation {round}: parsed but no version/source"
                    );
                }
            }
        }
    }
    eprintln!("mutations: {total} total, {rejected} rejected as unverifiable, {still_valid} still valid code (analysed normally)");
    assert!(rejected > total / 2, "too few mutations rejected: {rejected}/{total}");
}

#[test]
fn windows_damage_is_repaired() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let (mut damaged, mut repaired, mut exact) = (0, 0, 0);
    for (label, orig) in payloads() {
        if !orig.contains(&0x5C) {
            continue;
        }
        let bad: Vec<u8> = orig.iter().map(|&b| if b == 0x5C { 0x2F } else { b }).collect();
        if version::infer(&bad, &MarshalLimits::default()).is_ok() {
            continue; // silently valid (3.13+ opcode swaps, operands): nothing detectable to repair
        }
        damaged += 1;
        let r = match repair::repair(&bad, &Limits::default()) {
            repair::Repair::Repaired(r) => r,
            other => panic!("{label}: damage not repaired: {other:?}"),
        };
        repaired += 1;
        if r.bytes == orig {
            exact += 1;
        }
        let a = run(&bad);
        assert!(a.windows_repaired, "{label}: analyze did not report the repair");
        assert!(a.notes.iter().any(|n| n.text.contains("Windows")), "{label}: no Windows note");
        let want = run(&orig);
        assert_eq!(a.classification, want.classification, "{label}: repaired analysis differs");
    }
    eprintln!("windows damage: {damaged} damaged samples fail validation, {repaired} repaired, {exact} byte-exact");
    assert!(damaged > 0, "no sample exercised the repair");
}

//! What each fuzz target runs on one input, and the invariants it asserts.
//!
//! Included with `#[path]` by every target in this directory and by
//! `crate/tests/fuzz_regressions.rs`, so a committed crash input replays exactly the code
//! the fuzzer ran. Not a crate: cargo-fuzz builds one binary per target.
#![allow(dead_code)]

use keras_sentinel::limits::Limits;
use keras_sentinel::report::{FileReport, Severity, Verdict};

/// Limits small enough that one execution stays in the millisecond range, so a
/// limit hit is explored rather than a slow path.
pub fn small_limits() -> Limits {
    Limits {
        max_json_bytes: 1 << 20,
        max_inflated_bytes: 1 << 20,
        max_zip_members: 1_000,
        max_payload_bytes: 256 << 10,
        max_functions: 200,
        max_findings: 200,
        max_pb_nodes: 10_000,
        max_hdf5_attribute_bytes: 1 << 20,
        max_hdf5_structures: 50_000,
        ..Limits::default()
    }
}

/// Invariants known to be broken today are asserted only when this variable is set
/// (`FUZZ_KNOWN_BUGS=1 scripts/fuzz.sh …`), to reproduce them or check a fix.
pub fn known_bugs() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FUZZ_KNOWN_BUGS").is_some())
}

/// What holds for every report `scan` returns, whatever the bytes.
pub fn check_report(r: &FileReport, path: &str, len: usize, limits: &Limits) {
    // Bytes read are distinct bytes of the file (issue 12: re-reads were counted twice).
    assert!(r.stats.bytes_read <= r.stats.file_bytes, "read {} bytes of {}", r.stats.bytes_read, len);
    assert_eq!(r.path, path);
    assert_eq!(r.stats.file_bytes, len as u64, "file_bytes is the source length");
    assert!(!r.format.is_empty(), "a format is always named (`unknown` at worst)");
    assert_eq!(
        r.verdict,
        FileReport::compute_verdict(&r.findings, &r.errors),
        "the verdict is the one the findings and errors imply"
    );
    assert!(r.findings.len() <= limits.max_findings, "{} findings above the cap", r.findings.len());
    for f in &r.findings {
        // (The severity may differ from the rule's: a custom class that is the whole
        // model is raised to high, an object from a dangerous module to critical.)
        assert!(keras_sentinel::rules::find(f.code).is_some(), "finding with a code no rule has: {}", f.code);
    }
    // Sorted most severe first.
    assert!(r.findings.windows(2).all(|w| w[0].severity >= w[1].severity), "findings not sorted by severity");
    // Fail closed: a file with errors is never clean, lambda or review.
    if !r.errors.is_empty() {
        assert!(
            !matches!(r.verdict, Verdict::Clean | Verdict::Lambda | Verdict::Review),
            "errors but verdict {:?}",
            r.verdict
        );
    }
    // `lambda` needs an embedded lambda; `review` has none.
    let has_lambda = r.findings.iter().any(|f| f.code == keras_sentinel::report::LAMBDA_PRESENT);
    if r.verdict == Verdict::Lambda {
        assert!(has_lambda, "lambda verdict without PAIT-KERAS-100");
    }
    if r.verdict == Verdict::Review {
        assert!(!has_lambda, "review verdict with an embedded lambda");
    }
    if r.verdict == Verdict::Clean {
        assert!(r.findings.iter().all(|f| f.severity < Severity::Medium), "clean with a medium+ finding");
    }
}

/// Every target, as `scripts/fuzz.sh` and the regression test know them.
pub const TARGETS: &[&str] = &[
    "scan_bytes",
    "zip_read",
    "json_parse",
    "keras_walk",
    "hdf5_read_keras",
    "protobuf_read",
    "pickle_read",
    "marshal_parse",
    "python_analyze",
    "python_disasm",
    "payload_decode",
];

/// Runs target `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "scan_bytes" => scan_bytes::run(data),
        "zip_read" => zip_read::run(data),
        "json_parse" => json_parse::run(data),
        "keras_walk" => keras_walk::run(data),
        "hdf5_read_keras" => hdf5_read_keras::run(data),
        "protobuf_read" => protobuf_read::run(data),
        "pickle_read" => pickle_read::run(data),
        "marshal_parse" => marshal_parse::run(data),
        "python_analyze" => python_analyze::run(data),
        "python_disasm" => python_disasm::run(data),
        "payload_decode" => payload_decode::run(data),
        _ => return false,
    }
    true
}

pub mod scan_bytes {
    //! The whole pipeline on arbitrary bytes, under each name a Keras file can have
    //! (the name decides the reading, issue 10): `scan` must end, not panic, and return a
    //! report whose verdict follows from its findings and errors.

    use keras_sentinel::scan;

    const NAMES: [&str; 7] =
        ["model.keras", "model.h5", "model.json", "keras_metadata.pb", "saved_model.pb", "model.bin", "weights.zip"];

    pub fn run(data: &[u8]) {
        let limits = super::small_limits();
        // Every name on the same bytes: a reading chosen by name must hold for all.
        for name in NAMES {
            let report = scan(&data, name, &limits);
            super::check_report(&report, name, data.len(), &limits);
        }
    }
}

pub mod zip_read {
    //! The zip reader: list the central directory, then open and read every member with
    //! small bounds. Sizes returned must be the ones the directory and limits allow.

    use keras_sentinel::container::zip;

    const MAX_READ: u64 = 64 << 10;

    pub fn run(data: &[u8]) {
        let limits = super::small_limits();
        let _ = zip::find_end_record(&data);
        let Ok(archive) = zip::list(&data, &limits) else { return };
        assert!(archive.members.len() <= limits.max_zip_members, "{} members listed", archive.members.len());
        assert!(archive.prepended() <= data.len() as u64, "prepended data longer than the file");
        for m in archive.members.iter().take(64) {
            if let Ok(d) = zip::open(&data, m, &limits) {
                let got = d.source().len();
                match d {
                    zip::MemberData::Stored(_) => assert_eq!(got, m.compressed_size, "stored window size"),
                    zip::MemberData::Inflated(_) => {
                        assert_eq!(got, m.size, "inflated size differs from the directory's");
                        assert!(got <= limits.max_inflated_bytes, "inflated past the limit");
                    }
                }
            }
            if let Ok(v) = zip::read_member(&data, m, &limits, MAX_READ) {
                assert!(v.len() as u64 <= MAX_READ, "read_member returned more than its max");
            }
        }
    }
}

pub mod json_parse {
    //! The JSON parser (Python `json.loads` semantics): bounded depth, and a parsed value
    //! survives a round trip through its compact form unchanged.

    use keras_sentinel::container::json;

    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        for depth in [8, 256] {
            let Ok(parsed) = json::parse(&text, depth) else { continue };
            let compact = parsed.value.to_compact();
            let again = json::parse(&compact, depth)
                .unwrap_or_else(|e| panic!("compact form does not parse again: {e:?}\n{compact}"));
            assert_eq!(again.value, parsed.value, "round trip changed the value");
        }
    }
}

pub mod keras_walk {
    //! The Keras config walk on any JSON: every function, reference and object it reports
    //! sits at a JSON pointer, and the walk ends.

    use keras_sentinel::container::json;
    use keras_sentinel::keras::{self, Item};

    pub fn run(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let Ok(parsed) = json::parse(&text, 256) else { return };
        let (root, unwrapped) = keras::unwrap_double_encoded(parsed.value, 4, 256);
        assert!(unwrapped <= 4);
        for item in keras::walk::walk(&root) {
            let pointer = match &item {
                Item::Function(p) => &p.site.pointer,
                Item::Reference(r) => &r.site.pointer,
                Item::Object(o) => &o.site.pointer,
                Item::SourceText { site, .. } => &site.pointer,
            };
            assert!(pointer.is_empty() || pointer.starts_with('/'), "not a JSON pointer: {pointer:?}");
        }
    }
}

pub mod hdf5_read_keras {
    //! The HDF5 reader: open, read the Keras root attributes, walk every object, list a
    //! group. Attribute texts stay under the attribute cap, objects under the structure cap.

    use keras_sentinel::container::hdf5::{list_group, read_keras};
    use keras_sentinel::limits::Limits;
    use keras_sentinel::sniff::find_hdf5_superblock;

    pub fn run(data: &[u8]) {
        let limits = Limits { hdf5_verify_checksums: data.first().is_some_and(|b| b & 1 == 1), ..Limits::default() };
        let sb = find_hdf5_superblock(&data).unwrap_or(0);
        let limits = Limits { max_hdf5_structures: 50_000, max_hdf5_attribute_bytes: 1 << 20, ..limits };
        if let Ok(h) = read_keras(&data, sb, &limits) {
            for t in [&h.model_config, &h.training_config].into_iter().flatten() {
                // Joined from model_config0..N until past the cap: at most the cap plus one part.
                let max = 2 * limits.max_hdf5_attribute_bytes + (1 << 20);
                assert!(t.len() as u64 <= max, "attribute text of {} bytes", t.len());
            }
            assert!(h.objects <= limits.max_hdf5_structures, "{} objects walked past the cap", h.objects);
        }
        let _ = list_group(&data, sb, &limits, "/model_weights");
    }
}

pub mod protobuf_read {
    //! The protobuf readers: `keras_metadata.pb` nodes, `saved_model.pb` graph ops and
    //! user-object metadata. Counts stay within the caps given.

    use keras_sentinel::container::savedmodel;

    const MAX: usize = 1_000;

    pub fn run(data: &[u8]) {
        let _ = savedmodel::looks_like_keras_metadata(&data);
        let _ = savedmodel::looks_like_saved_model(data);
        if let Ok(nodes) = savedmodel::parse(data, MAX) {
            assert!(nodes.len() <= MAX, "{} keras_metadata nodes above the cap", nodes.len());
        }
        if let Ok(ops) = savedmodel::graph_ops(data, MAX) {
            assert!(ops.len() <= MAX, "{} graph ops above the cap", ops.len());
        }
        if let Ok(nodes) = savedmodel::user_object_metadata(data, MAX) {
            assert!(nodes.len() <= MAX, "{} user objects above the cap", nodes.len());
        }
    }
}

pub mod pickle_read {
    //! The pickle opcode reader (what an archive member that is a pickle would import and
    //! call). Every count is bounded by the opcodes read.

    use keras_sentinel::container::pickle;

    pub fn run(data: &[u8]) {
        let _ = pickle::looks_like_pickle(data);
        for max_ops in [16usize, 100_000] {
            let limits = keras_sentinel::limits::Limits { max_pickle_ops: max_ops as u64, ..Default::default() };
            let info = pickle::scan(data, &limits);
            // Each opcode is at least one byte and imports or calls at most once.
            assert!(info.calls <= data.len() && info.calls <= max_ops, "calls {} > ops", info.calls);
            assert!(info.globals.len() <= data.len(), "more globals than bytes");
            assert!(info.extensions.len() <= data.len(), "more extensions than bytes");
        }
    }
}

pub mod marshal_parse {
    //! The marshal parser in every code-object layout (2.7, 3.0, 3.8, 3.11), plus version
    //! inference and the Windows repair search on the same bytes. Object counts stay under
    //! the limits; a parse that succeeds consumed the whole input.

    use keras_sentinel::python::marshal::{self, Layout, MarshalLimits};
    use keras_sentinel::python::{repair, version};

    pub fn run(data: &[u8]) {
        let limits = MarshalLimits { max_depth: 64, max_objects: 20_000, max_code_objects: 200 };
        for layout in [Layout::L27, Layout::L30, Layout::L38, Layout::L311] {
            if let Ok(p) = marshal::parse(data, layout, &limits) {
                assert!(p.objects <= limits.max_objects, "{} objects above the cap", p.objects);
            }
            if let Ok((code, _)) = marshal::parse_code(data, layout, &limits) {
                // parse_code is parse with a code root: both agree.
                assert!(marshal::parse(data, layout, &limits).is_ok(), "parse_code accepts what parse refuses");
                let _ = code;
            }
        }
        match version::infer(data, &limits) {
            Ok(inf) => assert!(!inf.versions.is_empty(), "inferred with no version"),
            // Only damaged input goes through the repair search (as `analyze` does).
            Err(_) => {
                let full = keras_sentinel::limits::Limits {
                    max_marshal_depth: limits.max_depth,
                    max_marshal_objects: limits.max_objects,
                    max_code_objects: limits.max_code_objects,
                    ..Default::default()
                };
                if let repair::Repair::Repaired(r) = repair::repair(data, &full) {
                    assert_eq!(r.bytes.len(), data.len(), "the repair changes bytes, never the length");
                    assert!(!r.flipped.is_empty(), "a repair that flips nothing");
                    for &i in &r.flipped {
                        assert!(data[i] == 0x2F && r.bytes[i] == 0x5C, "offset {i} is not a '/' turned back into '\\'");
                    }
                    let changed = data.iter().zip(&r.bytes).filter(|(a, b)| a != b).count();
                    assert_eq!(changed, r.flipped.len(), "bytes changed outside the flipped offsets");
                }
            }
        }
    }
}

pub mod python_analyze {
    //! `python::analyze` on arbitrary marshal bytes: version inference, Windows repair,
    //! disassembly and symbolic evaluation, with the values Keras binds at load time.
    //! Unverifiable code is never called benign.

    use keras_sentinel::container::json;
    use keras_sentinel::python::{self, Classification, FunctionInput};

    pub fn run(data: &[u8]) {
        let limits = super::small_limits();
        // The first byte picks which load-time bindings the function gets.
        let (sel, code) = match data.split_first() {
            Some((s, rest)) => (*s, rest),
            None => (0, data),
        };
        let defaults = json::parse("[1, \"a\", null, [2.5]]", 8).unwrap().value;
        let closure = json::parse("[\"os\", \"system\"]", 8).unwrap().value;
        let arguments = json::parse("{\"cmd\": \"id\", \"n\": 3}", 8).unwrap().value;
        let input = FunctionInput {
            code,
            defaults: (sel & 1 != 0).then_some(&defaults),
            closure: (sel & 2 != 0).then_some(&closure),
            arguments: (sel & 4 != 0).then_some(&arguments),
            module: (sel & 8 != 0).then_some("builtins"),
        };
        let a = python::analyze(&input, &limits);
        if a.python_version.is_none() {
            assert_ne!(a.classification, Classification::Benign, "code no Python version reads is called benign");
            assert!(!a.notes.is_empty(), "unverifiable code without a note saying why");
        }
        if a.windows_repaired {
            assert!(a.python_version.is_some(), "repaired but no version");
        }
        if a.classification != Classification::Benign {
            assert!(!a.categories.is_empty() || !a.notes.is_empty(), "{:?} without a reason", a.classification);
        }
    }
}

pub mod python_disasm {
    //! The disassembler on arbitrary bytecode, for every CPython opcode table: instructions
    //! are in order, inside the code, and jump targets computed without panicking.

    use keras_sentinel::python::disasm;
    use keras_sentinel::python::opcodes::Py;

    pub fn run(data: &[u8]) {
        for py in Py::ALL {
            let Ok(instrs) = disasm::disassemble(data, py) else { continue };
            let mut prev_next = 0;
            for ins in &instrs {
                assert_eq!(ins.offset, prev_next, "{py:?}: gap or overlap at {}", ins.offset);
                assert!(ins.next > ins.offset, "{py:?}: instruction at {} does not advance", ins.offset);
                assert!(ins.offset < data.len(), "{py:?}: instruction past the end");
                prev_next = ins.next;
                let _ = disasm::jump_target(ins, py);
            }
        }
    }
}

pub mod payload_decode {
    //! Payload decoding as Keras' `func_load` does: base64 (binascii semantics) with the
    //! raw_unicode_escape fallback. Sizes follow the encodings; base64 round-trips.

    use keras_sentinel::python::fold::b64encode;
    use keras_sentinel::python::payload::{self, Encoding};

    pub fn run(data: &[u8]) {
        if let Ok(d) = payload::a2b_base64(data) {
            assert!(d.bytes.len() <= data.len() / 4 * 3 + 3, "decoded {} bytes from {}", d.bytes.len(), data.len());
            assert!(d.skipped + d.trailing <= data.len());
            assert_eq!(payload::a2b_base64(b64encode(&d.bytes).as_bytes()).map(|x| x.bytes), Ok(d.bytes.clone()));
        }
        // Round trip of arbitrary bytes through our encoder.
        assert_eq!(payload::a2b_base64(b64encode(data).as_bytes()).map(|x| x.bytes), Ok(data.to_vec()));

        let text = String::from_utf8_lossy(data);
        let raw = payload::raw_unicode_escape(&text);
        assert!(raw.len() >= text.chars().count(), "raw_unicode_escape lost characters");
        let d = payload::decode_code(&text);
        match d.encoding {
            Encoding::Base64 => assert!(text.is_ascii(), "non-ASCII text decoded as base64"),
            Encoding::RawUnicodeEscape => {
                assert_eq!(d.bytes, raw, "fallback differs from raw_unicode_escape");
                assert_eq!(d.hidden_after_padding, 0);
            }
        }
        let _ = payload::looks_like_code_object(data);
    }
}

//! Turkish everywhere (issue 12): the reports of the wild malicious files (labels.json in
//! shared/corpus/wild), rendered in Turkish, hold no English sentence of the message
//! catalogue: every evidence note, category, specific title and error is a catalogue
//! message with a Turkish text, and nothing the scanner writes bypasses the catalogue.
//! Skips with one printed line when ../shared is absent.

use keras_sentinel::limits::Limits;
use keras_sentinel::messages::{en, placeholders, tr, Arg, Message};
use serde_json::Value;

fn wild() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/wild");
    p.join("labels.json").exists().then_some(p)
}

/// The English words of each template: its text between placeholders, in pieces long
/// enough to be prose (a lone "network" could be data), minus pieces the Turkish text
/// keeps on purpose (code such as `from … import *`).
fn english_fragments() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for t in en::all() {
        let turkish = tr::lookup(t.id).unwrap_or("");
        let mut rest = t.en.to_string();
        for p in placeholders(t.en) {
            rest = rest.replace(&format!("{{{p}}}"), "\u{0}");
        }
        for piece in rest.split('\u{0}') {
            let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
            let words = piece.split_whitespace().filter(|w| w.chars().all(|c| c.is_ascii_alphabetic())).count();
            if words >= 2 && !turkish.contains(piece) {
                out.push((t.id, piece.to_string()));
            }
        }
    }
    out
}

/// Checks one message (and the ones nested in it): its id is in the catalogue and its
/// Turkish rendering holds no English fragment.
fn check(m: &Message, where_: &str, fragments: &[(&str, String)], problems: &mut Vec<String>) {
    if tr::lookup(m.id).is_none() {
        problems.push(format!("{where_}: message {} has no Turkish text", m.id));
    }
    let turkish = m.turkish();
    for (id, f) in fragments {
        if turkish.contains(f.as_str()) && !m.text.is_empty() {
            // Data (a call, a file name) may contain anything: only flag a fragment that
            // the message's own template or a nested one put there.
            let from_data = m.args.iter().any(|(_, a)| matches!(a, Arg::Text(t) if t.contains(f.as_str())));
            if !from_data {
                problems.push(format!("{where_}: {turkish:?} keeps English {f:?} (from {id})"));
            }
        }
    }
    for (_, a) in &m.args {
        if let Arg::Msg(n) = a {
            check(n, where_, fragments, problems);
        }
    }
}

#[test]
fn turkish_reports_of_the_wild_malicious_files_hold_no_english_catalogue_text() {
    let Some(dir) = wild() else {
        println!("skipped: shared/corpus/wild is absent (../shared relative to the repo root)");
        return;
    };
    let fragments = english_fragments();
    assert!(fragments.len() > 100, "only {} English fragments to look for", fragments.len());
    let labels: Value = serde_json::from_slice(&std::fs::read(dir.join("labels.json")).unwrap()).unwrap();
    let malicious: Vec<&String> = labels["files"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.as_array().unwrap().iter().any(|x| x == "malicious"))
        .map(|(k, _)| k)
        .collect();
    assert!(malicious.len() >= 10, "labels.json lists only {} malicious files", malicious.len());
    let (mut problems, mut messages) = (Vec::new(), 0);
    for name in &malicious {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = keras_sentinel::scan(&bytes, name, &Limits::default());
        for f in &r.findings {
            let where_ = format!("{name} {}", f.code);
            let rule = keras_sentinel::rules::find(f.code).unwrap();
            assert_ne!(rule.tr.title, rule.en.title, "{}", f.code);
            let all = f.title.iter().chain(&f.evidence.notes).chain(&f.evidence.categories);
            for m in all {
                messages += 1;
                check(m, &where_, &fragments, &mut problems);
            }
        }
        for e in &r.errors {
            messages += 1;
            check(&e.message, &format!("{name} error"), &fragments, &mut problems);
        }
    }
    assert!(messages >= 50, "only {messages} messages in the malicious files' reports");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_fragment_check_finds_english_left_in_a_turkish_rendering() {
    // The check must be able to fail: an English note rendered "in Turkish" is caught.
    let fragments = english_fragments();
    let english = keras_sentinel::msg!(en::NOTE_NO_ARCHITECTURE);
    let fake = Message { id: "note.not_in_catalogue", ..english };
    let mut problems = Vec::new();
    check(&fake, "fake", &fragments, &mut problems);
    assert!(problems.len() >= 2, "{problems:?}");
}

/// The model files under `dir`, recursively (sorted: a stable order).
fn model_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            model_files(&p, out);
        } else {
            // What a directory scan picks up (cli/src/walk.rs), and the fuzz inputs.
            let name = p.to_string_lossy().to_ascii_lowercase();
            let model = [".keras", ".h5", ".hdf5", ".json", ".zip", "keras_metadata.pb", "saved_model.pb"]
                .iter()
                .any(|e| name.ends_with(e));
            if model || name.contains("fuzz-regressions") {
                out.push(p);
            }
        }
    }
}

/// A reader error must reach the report as a catalogue message all the way down: a
/// detail that is plain text, or a phrase no catalogue term knows (`text`), would be
/// English in every language.
fn check_error_detail(m: &Message, where_: &str, problems: &mut Vec<String>) {
    if m.id == en::PHRASE.id {
        problems.push(format!("{where_}: {:?} is not a catalogue message", m.text));
    }
    // `{detail}` is a reader's or the analysis' own words: a message, except the text
    // of the operating system or of a panic (no catalogue has those).
    let os_text = [en::SRC_IO.id, en::ERR_CANNOT_OPEN.id, en::ERR_SCANNER_FAILED.id, en::ERR_SERIALIZE.id];
    if !os_text.contains(&m.id) {
        if let Some((_, Arg::Text(t))) = m.args.iter().find(|(n, _)| *n == "detail") {
            problems.push(format!("{where_}: the detail {t:?} of {} is plain text", m.id));
        }
    }
    for (_, a) in &m.args {
        if let Arg::Msg(n) = a {
            check_error_detail(n, where_, problems);
        }
    }
}

#[test]
fn turkish_reports_of_broken_and_crafted_containers_hold_no_english_catalogue_text() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in ["../fixtures", "tests/data"] {
        model_files(&root.join(d), &mut files);
    }
    let committed = files.len();
    let shared = root.join("../../shared/corpus");
    for d in ["hdf5-cve", "wild"] {
        if shared.join(d).is_dir() {
            model_files(&shared.join(d), &mut files);
        } else {
            println!("skipped: shared/corpus/{d} is absent (../shared relative to the repo root)");
        }
    }
    assert!(committed >= 200, "only {committed} committed fixtures found");
    let fragments = english_fragments();
    let place_words: Vec<&String> =
        fragments.iter().filter(|(id, _)| id.starts_with("location.")).map(|(_, f)| f).collect();
    assert!(place_words.len() >= 5, "{place_words:?}");
    let check_place = |label: &str, turkish: String, where_: &str, problems: &mut Vec<String>| {
        for w in &place_words {
            if turkish.contains(w.as_str()) {
                problems.push(format!("{where_}: location {label:?} renders as {turkish:?}, keeping English {w:?}"));
            }
        }
    };
    let (mut problems, mut errors, mut notes, mut places) = (Vec::new(), 0, 0, 0);
    for path in &files {
        let name = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = keras_sentinel::scan(&bytes, &name, &Limits::default());
        for e in &r.errors {
            errors += 1;
            let where_ = format!("{name} error at {}", e.location);
            check(&e.message, &where_, &fragments, &mut problems);
            check_error_detail(&e.message, &where_, &mut problems);
            let turkish = keras_sentinel::messages::render_place(&e.location, &tr::lookup);
            check_place(&e.location, turkish, &where_, &mut problems);
            places += 1;
        }
        for f in &r.findings {
            let where_ = format!("{name} {}", f.code);
            for loc in std::iter::once(&f.location).chain(f.evidence.also_at.iter().map(|o| &o.location)) {
                check_place(&loc.to_string(), loc.render(&tr::lookup), &where_, &mut problems);
                places += 1;
            }
            for m in f.title.iter().chain(&f.evidence.notes).chain(&f.evidence.categories) {
                notes += 1;
                check(m, &where_, &fragments, &mut problems);
                check_error_detail(m, &where_, &mut problems);
            }
        }
    }
    println!(
        "{} files, {errors} errors, {notes} titles, notes and categories, {places} locations checked",
        files.len()
    );
    assert!(errors >= 20, "only {errors} errors in the broken containers' reports");
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn policy_notes_render_in_turkish() {
    use keras_sentinel::policy::{apply, Context, Policy};
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/models");
    let cases = [
        ("keras3/benign_ops.keras", "version = 1\n[sinks]\nnames = [\"ops.abs\"]\n"),
        ("crafted/module_foreign.keras", "version = 1\n[trust]\nmodules = [\"fancy_layers\"]\n"),
        (
            "keras3/benign_ops.keras",
            "version = 1\n[[allow]]\nlambda_sha256 = \"eb53e0f63db0c0136277d6f45143c062915a41e8c64f67fa3d9731e46424c520\"\nreason = \"r\"\nreviewer = \"ayse\"\nexpires = 2020-01-31\n",
        ),
    ];
    let fragments = english_fragments();
    let (mut problems, mut notes) = (Vec::new(), 0);
    for (file, policy) in cases {
        let bytes = std::fs::read(data.join(file)).unwrap();
        let r = keras_sentinel::scan(&bytes, file, &Limits::default());
        let p = Policy::parse(policy, "p.toml").unwrap();
        let d = apply(&p, &r, &Context { file_sha256: None, today: Some("2026-12-01") });
        for m in d.notes.iter().chain(d.findings.iter().filter_map(|f| f.note.as_ref())) {
            notes += 1;
            assert!(m.id.starts_with("policy."), "{m:?}");
            check(m, file, &fragments, &mut problems);
        }
    }
    assert_eq!(notes, 3, "a sink note, a trusted-module note and an expired entry");
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn policy_file_errors_render_in_turkish() {
    use keras_sentinel::policy::Policy;
    let bad = [
        "version = 2\n",
        "name = \"x\"\n",
        "version = 1\n[actions]\ncritical = \"stop\"\n",
        "version = 1\n[actions]\nsevere = \"block\"\n",
        "version = 1\n[codes]\nNOPE = \"block\"\n",
        "version = 1\n[[allow]]\nlambda_sha256 = \"ab\"\nreason = \"r\"\nreviewer = \"a\"\n",
        "version = 1\n[[allow]]\nreason = \"r\"\n",
        "version = 1\n[trust]\nmodules = [1]\n",
        "version = 1\nversion = 1\n",
        "version = 1\nx = {a = 1}\n",
        "version = 1\nname = \"unterminated\n",
        "version = 1\n[sinks]\nnames = [\"a\" \"b\"]\n",
    ];
    let fragments = english_fragments();
    let mut problems = Vec::new();
    for text in bad {
        let e = Policy::parse(text, "p.toml").expect_err(text);
        let m = e.full();
        assert_eq!(m.text, e.to_string());
        check(&m, text, &fragments, &mut problems);
        check_error_detail(&m, text, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

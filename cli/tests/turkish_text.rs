//! `scan --tr`: the text output's own words (labels, verdicts, severities, the summary,
//! the policy lines, the tree) are Turkish, over broken containers, a policy and a tree;
//! the same run in English keeps every English word (the check can fail).

mod common;
use common::cli;
use keras_sentinel_cli::words::WORDS;

/// The English texts of the words whose Turkish differs, as they can appear in output:
/// a label at the start of an evidence line, or the fixed pieces of a sentence.
fn english_pieces() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (key, en, tr) in WORDS {
        if en == tr {
            continue;
        }
        if !en.contains(' ') && en.chars().all(|c| c.is_ascii_lowercase()) && !key.starts_with("sl_") {
            // An evidence label: "      layer     …".
            out.push((*key, format!("\n      {en:<9} ")));
            continue;
        }
        for piece in en.split("{}") {
            let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
            if piece.split_whitespace().count() >= 2 || piece.chars().filter(|c| c.is_ascii_uppercase()).count() >= 4 {
                out.push((*key, piece.to_string()));
            }
        }
    }
    out
}

fn run(turkish: bool) -> String {
    let mut args = vec!["scan", "--tree", "--policy", "cli/tests/data/policy/sink.toml"];
    if turkish {
        args.push("--tr");
    }
    args.extend([
        "crate/tests/data/models/keras3/benign_ops.keras",
        "crate/tests/data/models/keras3/lambda_os_system.keras",
        "crate/tests/data/parsers/zip",
        "crate/tests/data/parsers/hdf5",
        "crate/tests/data/parsers/json_pb",
        "crate/tests/data/models/crafted",
    ]);
    let (out, err, _) = cli(&args);
    assert!(out.lines().count() > 100, "{out}\n{err}");
    out
}

#[test]
fn scan_tr_writes_its_own_words_in_turkish() {
    let pieces = english_pieces();
    assert!(pieces.len() >= 30, "{pieces:?}");
    let turkish = run(true);
    let english = run(false);
    let left: Vec<_> = pieces.iter().filter(|(_, p)| turkish.contains(p.as_str())).collect();
    assert!(left.is_empty(), "English left in `scan --tr`: {left:?}");
    // The same files in English show the English words: the check can fail.
    let found = pieces.iter().filter(|(_, p)| english.contains(p.as_str())).count();
    assert!(found >= 15, "only {found} English pieces in the English output");
    for word in ["KÖTÜ AMAÇLI", "konum", "okundu", "ENGELLE", "politika:", "model genel görünümü:", "dosya:"] {
        assert!(turkish.contains(word), "{word}");
    }
}

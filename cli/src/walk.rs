//! Turning command-line paths into the list of files to scan.
//!
//! Files named explicitly are always scanned. Directories are recursed (symlinked
//! directories are not followed, so a link cycle cannot loop), and in them only files
//! that look like models are scanned; every other file is listed as skipped.

use std::path::{Path, PathBuf};

use keras_sentinel::report::Skipped;

/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 64;

/// Names a directory scan picks up: model containers and the JSON/protobuf that carry configs.
fn is_model_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    matches!(ext.as_str(), "keras" | "h5" | "hdf5" | "json" | "zip")
        || name.ends_with("keras_metadata.pb")
        || name.ends_with("saved_model.pb")
}

pub fn collect(paths: &[String]) -> (Vec<PathBuf>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => dir(&path, 0, &mut files, &mut skipped),
            // An explicit file (or one we cannot stat) is scanned; errors show in its report.
            _ => files.push(path),
        }
    }
    (files, skipped)
}

fn dir(path: &Path, depth: usize, files: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    let skip = |skipped: &mut Vec<Skipped>, p: &Path, reason: String| {
        skipped.push(Skipped { path: p.display().to_string(), reason })
    };
    if depth > MAX_DEPTH {
        return skip(skipped, path, format!("directory nested deeper than {MAX_DEPTH} levels"));
    }
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(e) => return skip(skipped, path, format!("cannot read directory: {e}")),
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let Ok(meta) = std::fs::symlink_metadata(&child) else {
            skip(skipped, &child, "cannot stat".into());
            continue;
        };
        if meta.file_type().is_symlink() {
            match std::fs::metadata(&child) {
                Ok(m) if m.is_file() && is_model_name(&child) => files.push(child),
                Ok(m) if m.is_dir() => skip(skipped, &child, "symbolic link to a directory (not followed)".into()),
                _ => skip(skipped, &child, "symbolic link (not a model file)".into()),
            }
        } else if meta.is_dir() {
            dir(&child, depth + 1, files, skipped);
        } else if is_model_name(&child) {
            files.push(child);
        } else {
            skip(
                skipped,
                &child,
                "not a model file name (.keras, .h5, .hdf5, .json, .zip, *keras_metadata.pb, saved_model.pb)".into(),
            );
        }
    }
}

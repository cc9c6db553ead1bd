//! Turning command-line paths into the list of files to scan.
//!
//! Files named explicitly are always scanned. Directories are recursed (symlinked
//! directories are not followed, so a link cycle cannot loop), and in them only files
//! that look like models are scanned; every other file is listed as skipped.

use std::path::{Path, PathBuf};

use keras_sentinel::report::Skipped;

use crate::batch::Found;

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

/// The files to scan, in order, each with the size its stat gave. With `jobs` > 1 a
/// long command line (a shell glob of a folder) is stat'ed on two threads: file by file
/// it holds back the first scan by a microsecond or two per file.
pub fn collect(paths: &[String], jobs: usize) -> (Vec<Found>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for (p, meta) in paths.iter().zip(stat_all(paths, jobs)) {
        let path = PathBuf::from(p);
        match meta {
            Ok(m) if m.is_dir() => dir(&path, 0, &mut files, &mut skipped),
            // An explicit file (or one we cannot stat) is scanned; errors show in its report.
            Ok(m) => files.push(Found { path, len: m.is_file().then_some(m.len()) }),
            Err(_) => files.push(Found { path, len: None }),
        }
    }
    (files, skipped)
}

/// Command lines shorter than this are stat'ed on one thread (starting one costs more).
const PARALLEL_STATS_FROM: usize = 256;

fn stat_all(paths: &[String], jobs: usize) -> Vec<std::io::Result<std::fs::Metadata>> {
    let stat = |p: &String| std::fs::metadata(p);
    if jobs < 2 || paths.len() < PARALLEL_STATS_FROM {
        return paths.iter().map(stat).collect();
    }
    let (first, second) = paths.split_at(paths.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| second.iter().map(stat).collect::<Vec<_>>());
        let mut all: Vec<_> = first.iter().map(stat).collect();
        all.extend(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        all
    })
}

fn dir(path: &Path, depth: usize, files: &mut Vec<Found>, skipped: &mut Vec<Skipped>) {
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
                Ok(m) if m.is_file() && is_model_name(&child) => files.push(Found { len: Some(m.len()), path: child }),
                Ok(m) if m.is_dir() => skip(skipped, &child, "symbolic link to a directory (not followed)".into()),
                _ => skip(skipped, &child, "symbolic link (not a model file)".into()),
            }
        } else if meta.is_dir() {
            dir(&child, depth + 1, files, skipped);
        } else if is_model_name(&child) {
            files.push(Found { len: meta.is_file().then_some(meta.len()), path: child });
        } else {
            skip(
                skipped,
                &child,
                "not a model file name (.keras, .h5, .hdf5, .json, .zip, *keras_metadata.pb, saved_model.pb)".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many explicit paths are stat'ed on two threads: the list keeps the command line's
    /// order, and each file carries the size its stat gave (none for one that is missing).
    #[test]
    fn a_long_command_line_keeps_its_order_and_sizes() {
        let dir = std::env::temp_dir().join(format!("ks-walk-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/inner.h5"), [0u8; 7]).unwrap();
        let mut args = Vec::new();
        for i in 0..PARALLEL_STATS_FROM + 3 {
            let p = dir.join(format!("f{i}.h5"));
            std::fs::write(&p, vec![0u8; i]).unwrap();
            args.push(p.display().to_string());
        }
        args.insert(1, dir.join("missing.h5").display().to_string());
        args.insert(2, dir.join("sub").display().to_string());
        for jobs in [1, 2] {
            let (files, skipped) = collect(&args, jobs);
            assert!(skipped.is_empty());
            let mut want = vec![Found { path: dir.join("f0.h5"), len: Some(0) }];
            want.push(Found { path: dir.join("missing.h5"), len: None });
            want.push(Found { path: dir.join("sub/inner.h5"), len: Some(7) });
            want.extend(
                (1..PARALLEL_STATS_FROM + 3).map(|i| Found { path: dir.join(format!("f{i}.h5")), len: Some(i as u64) }),
            );
            assert_eq!(files, want, "jobs {jobs}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

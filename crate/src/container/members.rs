//! What else an archive carries besides the Keras config: every member is looked at.
//!
//! A `.keras` should hold `config.json`, `metadata.json`, weights and assets. Anything
//! that runs code (pickles, `.npy` object arrays, scripts, executables), names that
//! escape the extraction directory, and nested archives (`model.weights.npz`, a zip in
//! the zip) are reported; nested archives are opened and inspected the same way, to a
//! fixed depth.

use super::{pickle, zip, Extracted};
use crate::limits::Limits;
use crate::source::{read_vec, ByteSource};

/// How deep archives inside archives are followed.
pub const MAX_NESTING: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// A member name with `..`, an absolute path or a drive letter.
    PathTraversal,
    /// A script or native executable.
    Executable,
    /// A pickle (also inside an `.npy` object array); `imports` lists its globals.
    Pickle,
}

/// A member worth a finding.
#[derive(Debug, Clone)]
pub struct MemberIssue {
    /// `model.weights.npz > arr_0.npy`.
    pub member: String,
    pub kind: IssueKind,
    pub detail: String,
    pub imports: Vec<String>,
}

fn is_traversal(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/')
        || n.split('/').any(|c| c == "..")
        || (n.len() >= 2 && n.as_bytes()[1] == b':' && n.as_bytes()[0].is_ascii_alphabetic())
}

const SCRIPT_EXTENSIONS: &[&str] = &[
    "py", "pyc", "pyo", "pyw", "sh", "bash", "zsh", "bat", "cmd", "ps1", "vbs", "js", "exe", "dll", "so", "dylib",
    "elf", "bin_exe", "jar", "msi", "com", "scr",
];

fn executable_kind(name: &str, head: &[u8]) -> Option<String> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let magic = if head.starts_with(b"\x7fELF") {
        Some("ELF executable")
    } else if head.starts_with(b"MZ") {
        Some("Windows executable (MZ)")
    } else if head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) || head.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        Some("Mach-O executable")
    } else if head.starts_with(b"#!") {
        Some("script with a #! line")
    } else {
        None
    };
    match (magic, SCRIPT_EXTENSIONS.contains(&ext.as_str())) {
        (Some(m), _) => Some(m.to_string()),
        (None, true) => Some(format!(".{ext} file")),
        _ => None,
    }
}

/// `.npy` header: is the array an object array (whose data is a pickle)? Returns the
/// offset of the data when it is.
fn npy_object_data(b: &[u8]) -> Option<usize> {
    if !b.starts_with(b"\x93NUMPY") || b.len() < 10 {
        return None;
    }
    let (len, start): (usize, usize) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        _ if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        _ => return None,
    };
    let header = b.get(start..start.checked_add(len)?)?;
    let h = String::from_utf8_lossy(header);
    // 'descr': '|O' (or '<O', '>O'): numpy stores the array with pickle.
    let obj = h.contains("'|O'") || h.contains("'<O'") || h.contains("'>O'") || h.contains("\"|O\"");
    obj.then_some(start + len)
}

/// Inspects every member of `archive` (read from `src`), recursing into nested archives.
pub fn inspect(
    src: &dyn ByteSource,
    archive: &zip::Archive,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    out: &mut Extracted,
    issues: &mut Vec<MemberIssue>,
) {
    for m in &archive.members {
        let label = if prefix.is_empty() { m.name.clone() } else { format!("{prefix} > {}", m.name) };
        if is_traversal(&m.name) {
            issues.push(MemberIssue {
                member: label.clone(),
                kind: IssueKind::PathTraversal,
                detail: "the name points outside the directory the archive is extracted to".into(),
                imports: vec![],
            });
        }
        if m.is_dir() || m.size == 0 {
            continue;
        }
        let data = match zip::open(src, m, limits) {
            Ok(d) => d,
            Err(e) => {
                out.error(label, e.to_string());
                continue;
            }
        };
        let s = data.source();
        let head = read_vec(s, 0, s.len().min(16), 16).unwrap_or_default();
        let lower = m.name.to_ascii_lowercase();
        if let Some(kind) = executable_kind(&lower, &head) {
            issues.push(MemberIssue {
                member: label.clone(),
                kind: IssueKind::Executable,
                detail: kind,
                imports: vec![],
            });
        }
        let is_pickle_name = [".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt"].iter().any(|e| lower.ends_with(e))
            || lower.rsplit('/').next() == Some("data.pkl");
        let npy = head.starts_with(b"\x93NUMPY");
        if is_pickle_name || pickle::looks_like_pickle(&head) || npy {
            let bytes = match read_vec(s, 0, s.len(), limits.max_inflated_bytes) {
                Ok(b) => b,
                Err(e) => {
                    out.error(label, format!("not read: {e}"));
                    continue;
                }
            };
            let start = if npy {
                match npy_object_data(&bytes) {
                    Some(off) => off,
                    None => continue, // a plain numeric array: no code
                }
            } else {
                0
            };
            let info = pickle::scan(&bytes[start..], limits);
            if let Some(hit) = &info.limit {
                let hit = crate::limits::LimitHit { location: label.clone(), ..hit.clone() };
                out.errors.push(crate::report::ScanError::from_limit(&hit, limits));
            }
            let mut detail =
                if npy { "numpy object array: its data is a pickle".to_string() } else { "pickle".to_string() };
            if let Some(p) = info.protocol {
                detail.push_str(&format!(", protocol {p}"));
            }
            if info.unresolved_globals > 0 {
                detail.push_str(&format!(", {} imports not resolvable statically", info.unresolved_globals));
            }
            if !info.extensions.is_empty() {
                detail.push_str(&format!(", copyreg extension codes {:?}", info.extensions));
            }
            if let Some(e) = info.error {
                detail.push_str(&format!("; not read to the end: {e}"));
            }
            issues.push(MemberIssue { member: label.clone(), kind: IssueKind::Pickle, detail, imports: info.globals });
            continue;
        }
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            if depth >= MAX_NESTING {
                out.error(label, format!("archive nested deeper than {MAX_NESTING} levels; not inspected"));
                continue;
            }
            match zip::list(s, limits) {
                Ok(inner) => inspect(s, &inner, &label, depth + 1, limits, out, issues),
                Err(e) => out.error(label, e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::zip::tests::build_stored;

    #[test]
    fn finds_traversal_scripts_pickles_and_object_arrays_in_nested_archives() {
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        let header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }          \n";
        npy.extend((header.len() as u16).to_le_bytes());
        npy.extend(header);
        npy.extend(b"\x80\x02cposix\nsystem\nq\x00.");
        let npz = build_stored(&[("arr_0.npy", &npy)]);
        let outer = build_stored(&[
            ("config.json", b"{}"),
            ("../../.bashrc", b"echo hi"),
            ("assets/run.sh", b"#!/bin/sh\nid\n"),
            ("model.weights.npz", &npz),
            ("extra.pkl", b"cbuiltins\nexec\n(Vx\ntR."),
        ]);
        let archive = zip::list(&outer, &Limits::default()).unwrap();
        let mut out = Extracted::default();
        let mut issues = Vec::new();
        inspect(&outer, &archive, "", 0, &Limits::default(), &mut out, &mut issues);
        let kinds: Vec<(&str, IssueKind)> = issues.iter().map(|i| (i.member.as_str(), i.kind)).collect();
        assert!(kinds.contains(&("../../.bashrc", IssueKind::PathTraversal)), "{kinds:?}");
        assert!(kinds.contains(&("assets/run.sh", IssueKind::Executable)));
        let npy_issue = issues.iter().find(|i| i.member == "model.weights.npz > arr_0.npy").unwrap();
        assert_eq!(npy_issue.imports, ["posix.system"]);
        let pkl = issues.iter().find(|i| i.member == "extra.pkl").unwrap();
        assert_eq!(pkl.imports, ["builtins.exec"]);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
    }

    #[test]
    fn numeric_npy_is_not_a_pickle() {
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        let header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
        npy.extend((header.len() as u16).to_le_bytes());
        npy.extend(header);
        npy.extend([0u8; 8]);
        assert_eq!(npy_object_data(&npy), None);
    }
}

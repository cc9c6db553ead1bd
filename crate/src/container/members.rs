//! What else an archive carries besides the Keras config: every member is looked at.
//!
//! A `.keras` should hold `config.json`, `metadata.json`, weights and assets. Anything
//! that runs code (pickles, `.npy` object arrays, scripts, executables), names that
//! escape the extraction directory, and nested archives (`model.weights.npz`, a zip in
//! the zip) are reported; nested archives are opened and inspected the same way, to a
//! fixed depth.

use std::collections::{HashMap, HashSet};

use super::{pickle, zip, Extracted};
use crate::limits::Limits;
use crate::messages::{concat, en, Message};
use crate::msg;
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
    /// An entry whose data runs into the next entry or the central directory (the
    /// overlapping-entries zip bomb; a way to show one reader other bytes than another).
    OverlappingEntries,
}

/// A member worth a finding.
#[derive(Debug, Clone)]
pub struct MemberIssue {
    /// `model.weights.npz > arr_0.npy`.
    pub member: String,
    pub kind: IssueKind,
    pub detail: Message,
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

fn executable_kind(name: &str, head: &[u8]) -> Option<Message> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let magic = if head.starts_with(b"\x7fELF") {
        Some(en::MEM_ELF)
    } else if head.starts_with(b"MZ") {
        Some(en::MEM_MZ)
    } else if head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) || head.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        Some(en::MEM_MACHO)
    } else if head.starts_with(b"#!") {
        Some(en::MEM_SHEBANG)
    } else {
        None
    };
    match (magic, SCRIPT_EXTENSIONS.contains(&ext.as_str())) {
        (Some(m), _) => Some(msg!(m)),
        (None, true) => Some(msg!(en::MEM_EXT_FILE, ext = ext)),
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
/// Entries over bytes already inspected (duplicates, overlaps at one offset) are not
/// read again; every inflation draws on the file's `budget`.
#[allow(clippy::too_many_arguments)]
pub fn inspect(
    src: &dyn ByteSource,
    archive: &zip::Archive,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    budget: &mut zip::Budget,
    out: &mut Extracted,
    issues: &mut Vec<MemberIssue>,
) {
    let mut seen: HashSet<(u64, u16, u64, u64)> = HashSet::new();
    let mut heads: HashMap<(u64, u16, u64), Vec<u8>> = HashMap::new();
    for (i, m) in archive.members.iter().enumerate() {
        let label = if prefix.is_empty() { m.name.clone() } else { format!("{prefix} > {}", m.name) };
        if issues.len() >= limits.max_findings {
            out.error(label, msg!(en::MEM_FINDINGS_LIMIT, max = limits.max_findings));
            return;
        }
        if is_traversal(&m.orig_name) {
            issues.push(MemberIssue {
                member: label.clone(),
                kind: IssueKind::PathTraversal,
                detail: msg!(en::MEM_TRAVERSAL),
                imports: vec![],
            });
        }
        if m.is_dir() || m.size == 0 {
            continue;
        }
        if m.is_encrypted() || !matches!(m.method, 0 | 8) {
            // Not readable here: say so rather than skip (anything could be in it).
            if let Err(e) = zip::open_with(src, archive, i, limits, budget) {
                out.error(label, Message::from(e));
            }
            continue;
        }
        let at = archive.data_offset(i);
        let head = match at.and_then(|o| heads.get(&(o, m.method, m.size.min(16)))) {
            Some(h) => h.clone(),
            None => match zip::head(src, m, 16) {
                Ok(h) => {
                    if let Some(o) = at {
                        heads.insert((o, m.method, m.size.min(16)), h.clone());
                    }
                    h
                }
                Err(e) => {
                    out.error(label, Message::from(e));
                    continue;
                }
            },
        };
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
        let nested = head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06");
        if !(is_pickle_name || pickle::looks_like_pickle(&head) || npy || nested) {
            continue; // nothing in it runs code: not inflated
        }
        // Entries over the same bytes, read the same way, are inspected once (an overlap
        // bomb lists thousands); another method or size over them is another reading.
        if let Some(o) = at {
            if !seen.insert((o, m.method, m.size.min(m.compressed_size), m.size)) {
                continue;
            }
        }
        let data = match zip::open_with(src, archive, i, limits, budget) {
            Ok(d) => d,
            Err(e) => {
                out.error(label, Message::from(e));
                continue;
            }
        };
        let s = data.source();
        if is_pickle_name || pickle::looks_like_pickle(&head) || npy {
            let bytes = match read_vec(s, 0, s.len(), limits.max_inflated_bytes) {
                Ok(b) => b,
                Err(e) => {
                    out.error(label, msg!(en::MEM_NOT_READ, detail = e.message()));
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
            let mut detail = vec![if npy { msg!(en::MEM_NPY_PICKLE) } else { msg!(en::MEM_PICKLE) }];
            if let Some(p) = info.protocol {
                detail.push(msg!(en::MEM_PROTOCOL, protocol = p));
            }
            if info.unresolved_globals > 0 {
                detail.push(msg!(en::MEM_UNRESOLVED, count = info.unresolved_globals));
            }
            if !info.extensions.is_empty() {
                detail.push(msg!(en::MEM_COPYREG, codes = format!("{:?}", info.extensions)));
            }
            if let Some(e) = info.error {
                detail.push(msg!(en::MEM_NOT_TO_END, detail = e));
            }
            let detail = concat(detail);
            issues.push(MemberIssue { member: label.clone(), kind: IssueKind::Pickle, detail, imports: info.globals });
            continue;
        }
        if depth >= MAX_NESTING {
            out.error(label, msg!(en::MEM_NESTING, max = MAX_NESTING));
            continue;
        }
        match zip::list(s, limits) {
            Ok(inner) => inspect(s, &inner, &label, depth + 1, limits, budget, out, issues),
            Err(e) => out.error(label, Message::from(e)),
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
        let mut budget = zip::Budget::new(&Limits::default());
        inspect(&outer, &archive, "", 0, &Limits::default(), &mut budget, &mut out, &mut issues);
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
    fn another_method_over_the_same_bytes_is_another_reading() {
        // "x.bin" stores a deflate stream; "y.pkl" is a second central entry over the same
        // local header, deflated: it reads as a pickle and must not be skipped as seen.
        let pickle = b"cposix\nsystem\n(Vid\ntR.".to_vec();
        let comp = miniz_oxide::deflate::compress_to_vec(&pickle, 6);
        let mut z = build_stored(&[("x.bin", &comp)]);
        let n = z.len();
        let cd_at = u32::from_le_bytes(z[n - 6..n - 2].try_into().unwrap()) as usize;
        let mut entry = z[cd_at..n - 22].to_vec();
        entry[10] = 8;
        entry[16..20].copy_from_slice(&zip::python_zipfile::crc32(&pickle).to_le_bytes());
        entry[24..28].copy_from_slice(&(pickle.len() as u32).to_le_bytes());
        entry[46..51].copy_from_slice(b"y.pkl");
        let mut end = z[n - 22..].to_vec();
        z.truncate(n - 22);
        z.extend_from_slice(&entry);
        end[8..10].copy_from_slice(&2u16.to_le_bytes());
        end[10..12].copy_from_slice(&2u16.to_le_bytes());
        end[12..16].copy_from_slice(&((n - 22 - cd_at + entry.len()) as u32).to_le_bytes());
        z.extend(end);
        let archive = zip::list(&z, &Limits::default()).unwrap();
        assert_eq!(archive.members.len(), 2);
        let (mut out, mut issues) = (Extracted::default(), Vec::new());
        let mut budget = zip::Budget::new(&Limits::default());
        inspect(&z, &archive, "", 0, &Limits::default(), &mut budget, &mut out, &mut issues);
        let pkl = issues.iter().find(|i| i.member == "y.pkl").expect("y.pkl inspected");
        assert_eq!(pkl.imports, ["posix.system"]);
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

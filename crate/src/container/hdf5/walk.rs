//! Iterative walk over every object reachable from the root by hard links, keyed by
//! object header address (hard-link cycles are legal and end here), reporting storage
//! features that make loading touch other files or memory: external data files,
//! virtual datasets, soft and external links, shape bombs.

use std::collections::HashSet;

use super::committed;
use super::context::Ctx;
use super::group;
use super::h5py_view;
use super::keras;
use super::messages::attribute as amsg;
use super::messages::link::Target;
use super::messages::shared::{self, SharedRef};
use super::messages::{dataspace, datatype, external, layout};
use super::object_header::{self as oh, Message};
use super::sohm;
use super::{KerasH5, StorageIssue, StorageIssueKind};
use crate::messages::{en, term, within, Message as Msg, ToArg};
use crate::msg;

/// Longest path kept for reports; deeper names are elided.
const MAX_PATH: usize = 4096;
/// Errors kept per file; the rest are counted in one summary line.
const MAX_ERRORS: usize = 1000;

fn child_path(parent: &str, name: &str) -> String {
    // One exactly sized allocation (`format!` may grow its buffer).
    let parent = if parent == "/" { "" } else { parent };
    let mut p = String::with_capacity(parent.len() + 1 + name.len() + '…'.len_utf8());
    p.push_str(parent);
    p.push('/');
    p.push_str(name);
    if p.len() > MAX_PATH {
        let mut cut = MAX_PATH;
        while !p.is_char_boundary(cut) {
            cut -= 1;
        }
        p.truncate(cut);
        p.push('…');
    }
    p
}

/// Caps the error and issue lists (a hostile file can make millions) and says so.
pub fn finish(ctx: &Ctx, out: &mut KerasH5) {
    if out.errors.len() > MAX_ERRORS {
        let more = out.errors.len() - MAX_ERRORS;
        out.errors.truncate(MAX_ERRORS);
        out.errors.push(msg!(en::H5_MORE_ERRORS, count = more));
    }
    let max_issues = ctx.limits.max_findings;
    if out.issues.len() > max_issues {
        let more = out.issues.len() - max_issues;
        out.issues.truncate(max_issues);
        out.errors.push(msg!(en::H5_MORE_ISSUES, count = more));
    }
}

/// Keras' shape-bomb floor (`_H5_DATASET_BOMB_FLOOR_BYTES`) and ratio.
const BOMB_FLOOR: u64 = 4 << 30;
const BOMB_RATIO: u64 = 1000;

pub fn walk(ctx: &Ctx, root: u64, hint: Option<(u64, u64)>, out: &mut KerasH5) {
    // Sized for a Keras model's few dozen objects: growing from empty rehashes them thrice.
    let mut seen = HashSet::with_capacity(64);
    let mut stack = vec![(root, "/".to_string(), 0usize)];
    while let Some((addr, path, depth)) = stack.pop() {
        if !seen.insert(addr) {
            continue; // a second hard link to an object already walked
        }
        if let Err(e) = ctx.tick("object") {
            out.errors.push(msg!(en::H5_WALK_STOPPED, path = &path, detail = e.0));
            return;
        }
        let header = match oh::read_header(ctx, addr) {
            Ok(h) => h,
            Err(e) => {
                out.errors.push(within(&path, e.0));
                continue;
            }
        };
        let msgs = &header.messages;
        out.objects += 1;
        // The root's attributes are read (and reported) by the Keras layer.
        if addr != root && has_hidden_attribute_storage(&header) {
            let view = h5py_view::attributes(ctx, &header);
            out.errors.extend(view.errors.iter().map(|e| within(&path, e.clone())));
            keras::report_hidden(ctx, &path, &view, out);
        }
        inspect_dataset(ctx, &path, msgs, out);
        if !group::is_group(msgs) && addr != root {
            continue;
        }
        let m = group::members(ctx, msgs, if addr == root { hint } else { None });
        out.errors.extend(m.errors.into_iter().map(|e| within(&path, e)));
        if addr == root {
            out.root_members = m.links.iter().map(|l| l.name.clone()).collect();
        }
        for (l, why) in m.hidden {
            let child = child_path(&path, &l.name);
            out.issues.push(StorageIssue {
                kind: StorageIssueKind::HiddenLink,
                path: child,
                detail: msg!(
                    en::H5_HIDDEN_LINK,
                    name = format!("{:?}", l.name),
                    target = describe_target(&l.target),
                    why = term(why)
                ),
            });
        }
        for l in m.links.into_iter().rev() {
            let child = child_path(&path, &l.name);
            if let Err(e) = ctx.charge(child.len() as u64, "path") {
                out.errors.push(msg!(en::H5_WALK_STOPPED, path = &path, detail = e.0));
                return;
            }
            if out.errors.len() > 4 * MAX_ERRORS || out.issues.len() > 4 * ctx.limits.max_findings {
                out.errors.push(msg!(en::H5_TOO_MANY_ERRORS, path = &path));
                return;
            }
            match l.target {
                Target::Hard(a) if depth < ctx.limits.max_hdf5_depth => stack.push((a, child, depth + 1)),
                Target::Hard(_) => {
                    out.errors.push(msg!(en::H5_TOO_DEEP, path = child, max = ctx.limits.max_hdf5_depth))
                }
                Target::Soft(t) => out.issues.push(StorageIssue {
                    kind: StorageIssueKind::SoftLink,
                    path: child,
                    detail: msg!(en::H5_SOFT_LINK_TO, target = format!("{t:?}")),
                }),
                Target::External { file, path: p } => out.issues.push(StorageIssue {
                    kind: StorageIssueKind::ExternalLink,
                    path: child,
                    detail: msg!(en::H5_EXTERNAL_LINK_TO, path = format!("{p:?}"), file = format!("{file:?}")),
                }),
                Target::Other(k) => out.errors.push(msg!(en::H5_LINK_TYPE_UNKNOWN, path = child, kind = k)),
            }
        }
    }
}

/// Whether an object's attributes can hide anything from h5py: any attribute info
/// message (dense storage may shadow compact messages or hold duplicates and hash
/// mismatches), or two compact attributes of one name. Decides, without reading dense
/// storage, when the full view is worth computing.
fn has_hidden_attribute_storage(h: &oh::Header) -> bool {
    if h.messages.iter().any(|m| m.mtype == oh::MSG_ATTRIBUTE_INFO) {
        return true;
    }
    let attributes = || h.messages.iter().filter(|m| m.mtype == oh::MSG_ATTRIBUTE);
    if attributes().nth(1).is_none() {
        return false; // fewer than two: no duplicate, and no set to allocate
    }
    let mut names = HashSet::new();
    attributes().any(|m| amsg::raw_name(&m.data).is_ok_and(|n| !names.insert(n)))
}

fn describe_target(t: &Target) -> Msg {
    match t {
        Target::Hard(a) => msg!(en::H5_HARD_LINK_TO, addr = format!("{a:#x}")),
        Target::Soft(p) => msg!(en::H5_SOFT_LINK_TO, target = format!("{p:?}")),
        Target::External { file, path } => {
            msg!(en::H5_EXTERNAL_LINK_IN, path = format!("{path:?}"), file = format!("{file:?}"))
        }
        Target::Other(k) => msg!(en::H5_LINK_OF_TYPE, kind = *k),
    }
}

fn issue(out: &mut KerasH5, kind: StorageIssueKind, path: &str, detail: Msg) {
    out.issues.push(StorageIssue { kind, path: path.to_string(), detail });
}

fn inspect_dataset(ctx: &Ctx, path: &str, msgs: &[Message], out: &mut KerasH5) {
    let find = |t| msgs.iter().find(|m| m.mtype == t);
    for m in msgs.iter().filter(|m| m.mtype == oh::MSG_EXTERNAL_FILES) {
        let detail =
            external::describe(ctx, &m.data).unwrap_or_else(|e| msg!(en::H5_EXTERNAL_UNREADABLE, detail = e.0));
        issue(out, StorageIssueKind::ExternalDataFiles, path, detail);
    }
    let Some(lm) = find(oh::MSG_LAYOUT) else { return };
    let lay = match layout::parse(&lm.data, ctx.sz) {
        Ok(l) => l,
        Err(e) => return out.errors.push(within(path, e.0)),
    };
    if let layout::Layout::Virtual { .. } = lay {
        issue(out, StorageIssueKind::VirtualDataset, path, msg!(en::H5_VIRTUAL_DETAIL));
    }
    // Shape bomb: declared bytes against an upper bound of what is stored.
    let space_of = |m: &Message| -> super::Result<dataspace::Dataspace> {
        if !m.shared() {
            return dataspace::parse(&m.data, ctx.sz);
        }
        // Dataspaces can only be shared through the shared message table.
        match shared::parse(&m.data, ctx.sz)? {
            SharedRef::Sohm(id) => dataspace::parse(&sohm::message(ctx, oh::MSG_DATASPACE, &id)?, ctx.sz),
            SharedRef::Committed(_) => Err(super::Hdf5Error::new(msg!(en::H5_SPACE_COMMITTED))),
        }
    };
    let space = match find(oh::MSG_DATASPACE).map(space_of) {
        Some(Ok(s)) => s,
        Some(Err(e)) => return out.errors.push(within(path, e.0)),
        None => return out.errors.push(msg!(en::H5_NO_DATASPACE, path = path)),
    };
    // A committed datatype is followed; an unreadable one counts 1 byte (a lower bound).
    let elem = match find(oh::MSG_DATATYPE) {
        Some(m) if m.shared() => committed::resolve(ctx, &m.data).map(|d| d.size().max(1)).unwrap_or(1),
        Some(m) => datatype::parse(&m.data, ctx.sz).map(|d| d.size().max(1)).unwrap_or(1),
        None => 1,
    };
    let declared = space.count().and_then(|n| n.checked_mul(elem));
    let file = ctx.file_len();
    // Stored bytes are at most what the layout records, and never more than the file.
    let stored = match lay {
        layout::Layout::Compact { size } => size.min(file),
        layout::Layout::Contiguous { addr: None, .. } => 0,
        layout::Layout::Contiguous { addr: Some(a), size } => size.min(file.saturating_sub(a)),
        _ => file,
    };
    let bomb = match declared {
        None => true,
        Some(d) => d > BOMB_FLOOR && d / BOMB_RATIO > stored,
    };
    if bomb && !matches!(lay, layout::Layout::Virtual { .. }) {
        let d = declared.map_or_else(|| msg!(en::H5_MORE_THAN_2_64).to_arg(), |d| d.to_arg());
        issue(
            out,
            StorageIssueKind::ShapeBomb,
            path,
            msg!(en::H5_SHAPE_BOMB_DETAIL, declared = d, shape = format!("{:?}", space.dims), stored = stored),
        );
    }
}

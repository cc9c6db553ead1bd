//! Names as h5py sees them: libhdf5's lookup precedence, in one place.
//!
//! A file can hold the same name in several places; libhdf5 consults exactly one, and
//! whatever sits in the others is invisible to h5py and Keras. An attacker can use that
//! to show one value to a naive reader and another to the loader, so every reading here
//! follows libhdf5 and everything it would not see is returned as `hidden`.
//!
//! Attributes (`H5O__attr_open_by_name`, `H5O__attr_exists`, `H5O__attr_iterate_real`):
//! - only in an object header of version 2 is the attribute info message consulted (the
//!   first one); if it names a fractal heap, the attributes are **only** in that dense
//!   storage, and a compact attribute message anywhere in the header is never seen;
//! - dense lookup by name is `H5B2_find` on the name index: Jenkins lookup3 hash of the
//!   name, then the name (`strcmp`), by binary search down the tree; a record whose hash
//!   does not match its name is listed by `attrs.keys()` but `attrs[name]` fails;
//! - otherwise the attribute messages are scanned in header order (chunk 0, then the
//!   continuation chunks in discovery order) and the first with the name wins.
//!
//! Links (`H5G__obj_lookup`, `H5G__obj_iterate`): if the group has a link info message
//! (the first one), its dense storage when it names a fractal heap, else its link
//! messages; without link info, the symbol table. Link messages without link info, or a
//! symbol table next to link info, are never seen.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::btree::v2;
use super::checksum::lookup3;
use super::context::Ctx;
use super::heap::fractal::FractalHeap;
use super::messages::attribute as amsg;
use super::messages::info;
use super::messages::shared::{self, SharedRef};
use super::object_header::{self as oh, Header};
use super::sohm;
use super::{Hdf5Error, Result};
use crate::messages::{en, term, within, Message, Template};
use crate::msg;

/// Why libhdf5 never returns an attribute message that is in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// A compact attribute message in a header whose attributes are in dense storage.
    CompactBehindDense,
    /// Dense storage that libhdf5 does not consult (an attribute info message in a
    /// version 1 header, or a second attribute info message).
    IgnoredDense,
    /// A second attribute of the same name: lookups return the other one.
    Duplicate,
    /// Listed by name index iteration, but a lookup by its name does not reach it.
    NotFoundByName,
}

impl Hidden {
    pub fn describe(self) -> Template {
        match self {
            Hidden::CompactBehindDense => en::H5_WHY_COMPACT,
            Hidden::IgnoredDense => en::H5_WHY_IGNORED_DENSE,
            Hidden::Duplicate => en::H5_WHY_DUPLICATE,
            Hidden::NotFoundByName => en::H5_WHY_NOT_BY_NAME,
        }
    }
}

/// One attribute message h5py cannot open by name.
#[derive(Debug, Clone)]
pub struct HiddenAttribute {
    pub name: Vec<u8>,
    pub raw: Vec<u8>,
    pub why: Hidden,
}

/// An object's attributes as h5py sees them.
#[derive(Debug, Default)]
pub struct AttrView {
    /// Names `attrs.keys()` lists (duplicates kept), sorted.
    pub names: Vec<String>,
    /// What `attrs[name]` opens: the raw attribute message.
    visible: HashMap<Vec<u8>, Vec<u8>>,
    /// Names libhdf5 fails to look up, and why.
    blocked: HashMap<Vec<u8>, Message>,
    pub hidden: Vec<HiddenAttribute>,
    pub errors: Vec<Message>,
}

impl AttrView {
    /// The raw attribute message `attrs[name]` opens.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.visible.get(name.as_bytes()).map(Vec::as_slice)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.visible.contains_key(name.as_bytes())
    }

    /// Why a lookup of `name` fails in libhdf5 although the name is stored.
    pub fn lookup_error(&self, name: &str) -> Option<&Message> {
        self.blocked.get(name.as_bytes())
    }
}

/// The attribute message a shared attribute message stands for.
fn shared_attribute(ctx: &Ctx, data: &[u8]) -> Result<Vec<u8>> {
    match shared::parse(data, ctx.sz)? {
        SharedRef::Sohm(id) => sohm::message(ctx, oh::MSG_ATTRIBUTE, &id),
        SharedRef::Committed(_) => Err(Hdf5Error::new(msg!(en::H5_ATTR_COMMITTED))),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The attributes of the object whose header is `h`.
pub fn attributes(ctx: &Ctx, h: &Header) -> AttrView {
    let mut out = AttrView::default();
    let mut compact = Vec::new();
    for m in h.messages.iter().filter(|m| m.mtype == oh::MSG_ATTRIBUTE) {
        // A shared attribute message is a reference into the shared message table.
        let raw = if m.shared() { shared_attribute(ctx, &m.data) } else { Ok(m.data.to_vec()) };
        match raw.and_then(|raw| amsg::raw_name(&raw).map(|n| (n, raw))) {
            Ok(x) => compact.push(x),
            Err(e) => out.errors.push(*e.0),
        }
    }
    let mut infos = h.messages.iter().filter(|m| m.mtype == oh::MSG_ATTRIBUTE_INFO);
    // libhdf5 reads the first attribute info message, and only in a version 2 header.
    let consulted = if h.version >= 2 { infos.next() } else { None };
    let dense_info = match consulted.map(|m| info::attribute_info(&m.data, ctx.sz)) {
        Some(Ok(i)) => i.heap.map(|heap| (heap, i.name_index)),
        Some(Err(e)) => {
            out.errors.push(*e.0);
            None
        }
        None => None,
    };
    match dense_info {
        Some((heap, name_index)) => {
            match name_index {
                Some(bt) => dense_view(ctx, heap, bt, &mut out),
                None => out.errors.push(msg!(en::H5_DENSE_ATTR_NO_INDEX)),
            }
            out.hidden.extend(compact.into_iter().map(|(name, raw)| HiddenAttribute {
                name,
                raw,
                why: Hidden::CompactBehindDense,
            }));
        }
        None => {
            // libhdf5 decodes each attribute message in turn until the name matches:
            // one it cannot decode makes every later name unreadable.
            let mut broken: Option<Message> = None;
            // Room for every name at once (the root has four): no rehash as the map grows.
            out.visible.reserve(compact.len());
            for (name, raw) in compact {
                out.names.push(lossy(&name));
                if out.visible.contains_key(&name) || out.blocked.contains_key(&name) {
                    out.hidden.push(HiddenAttribute { name, raw, why: Hidden::Duplicate });
                    continue;
                }
                match &broken {
                    Some(e) => {
                        out.blocked.insert(name, e.clone());
                    }
                    None => {
                        if let Err(e) = super::attribute::parse(ctx, &raw) {
                            broken = Some(msg!(en::H5_EARLIER_ATTR_BROKEN, detail = e.0));
                        }
                        out.visible.insert(name, raw);
                    }
                }
            }
        }
    }
    // Dense storage libhdf5 skips: still read, so what it holds can be reported.
    for m in infos {
        if let Ok(info::DenseInfo { heap: Some(heap), name_index: Some(bt) }) = info::attribute_info(&m.data, ctx.sz) {
            match dense_records(ctx, heap, bt) {
                Ok(d) => out.hidden.extend(d.records.into_iter().map(|r| HiddenAttribute {
                    name: r.name,
                    raw: r.raw,
                    why: Hidden::IgnoredDense,
                })),
                Err(e) => out.errors.push(within(term("ignored dense attributes"), e.0)),
            }
        }
    }
    crate::sort::sort(&mut out.names);
    out
}

struct DenseRecord {
    /// Heap ID (8), flags (1), creation order (4), name hash (4).
    rec: Vec<u8>,
    name: Vec<u8>,
    raw: Vec<u8>,
}

struct Dense {
    tree: v2::Loaded,
    records: Vec<DenseRecord>,
}

/// Record flag: the attribute lives in the shared message heap, not this one.
const REC_SHARED: u8 = 0x02;

fn dense_records(ctx: &Ctx, heap: u64, name_index: u64) -> Result<Dense> {
    let heap = FractalHeap::open(ctx, heap)?;
    let tree = v2::load(ctx, name_index, 8)?;
    // An attribute message is at most a header plus its value.
    let max = ctx.limits.max_hdf5_attribute_bytes.saturating_add(1 << 16);
    let mut records = Vec::new();
    for rec in &tree.records {
        let id = rec.get(..8).unwrap_or_default();
        // A shared record's ID points into the shared message table's heap.
        let raw = if rec.get(8).is_some_and(|f| f & REC_SHARED != 0) {
            let mut a = [0u8; 8];
            a.copy_from_slice(id);
            sohm::message(ctx, oh::MSG_ATTRIBUTE, &a)?
        } else {
            heap.get(ctx, id, max)?
        };
        let name = amsg::raw_name(&raw)?;
        records.push(DenseRecord { rec: rec.clone(), name, raw });
    }
    Ok(Dense { tree, records })
}

fn dense_view(ctx: &Ctx, heap: u64, name_index: u64, out: &mut AttrView) {
    let d = match dense_records(ctx, heap, name_index) {
        Ok(d) => d,
        Err(e) => return out.errors.push(within(term("dense attributes"), e.0)),
    };
    let by_rec: HashMap<&[u8], usize> = d.records.iter().enumerate().map(|(i, r)| (r.rec.as_slice(), i)).collect();
    let mut found: HashMap<&[u8], Option<usize>> = HashMap::new();
    for r in &d.records {
        if found.contains_key(r.name.as_slice()) {
            continue;
        }
        let hash = lookup3(&r.name, 0);
        let hit = d.tree.find(&mut |rec| {
            let h = rec.get(13..17).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            Ok(match hash.cmp(&h) {
                Ordering::Equal => {
                    let i = by_rec.get(rec).ok_or_else(|| Hdf5Error::new(msg!(en::H5_DENSE_RECORD_UNLISTED)))?;
                    r.name.as_slice().cmp(d.records[*i].name.as_slice())
                }
                o => o,
            })
        });
        match hit {
            Ok(h) => {
                found.insert(&r.name, h.and_then(|rec| by_rec.get(rec).copied()));
            }
            Err(e) => return out.errors.push(within(term("dense attribute lookup"), e.0)),
        }
    }
    for (i, r) in d.records.iter().enumerate() {
        out.names.push(lossy(&r.name));
        match found.get(r.name.as_slice()).copied().flatten() {
            Some(j) if j == i => {
                out.visible.insert(r.name.clone(), r.raw.clone());
            }
            Some(_) => {
                out.hidden.push(HiddenAttribute { name: r.name.clone(), raw: r.raw.clone(), why: Hidden::Duplicate })
            }
            None => out.hidden.push(HiddenAttribute {
                name: r.name.clone(),
                raw: r.raw.clone(),
                why: Hidden::NotFoundByName,
            }),
        }
    }
}

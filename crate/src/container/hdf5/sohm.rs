//! Shared object header messages (SOHM): a file created with
//! `H5Pset_shared_mesg_nindexes` stores datatypes, dataspaces and whole attribute
//! messages once, in fractal heaps listed by a table that the superblock extension
//! points to; object headers hold 8-byte heap IDs instead. h5py cannot write such files
//! but reads them like any other, so the scanner must read them too.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::context::Ctx;
use super::cursor::Cursor;
use super::heap::fractal::FractalHeap;
use super::object_header::{self as oh};
use super::{Hdf5Error, Result};
use crate::messages::{en, term, within};
use crate::msg;

/// Shared message table message in the superblock extension.
const MSG_SOHM_TABLE: u16 = 0x0F;
/// libhdf5 allows at most this many indexes (`H5O_SHMESG_MAX_NINDEXES`).
const MAX_INDEXES: u8 = 8;

/// One index: the message types it holds (bit `1 << type`) and its fractal heap.
#[derive(Debug, Clone)]
struct Index {
    types: u16,
    heap: Option<u64>,
}

#[derive(Debug)]
pub struct Table {
    indexes: Vec<Index>,
    /// Heaps opened so far, by address: every shared message would re-read the header.
    heaps: RefCell<HashMap<u64, FractalHeap>>,
}

fn open(ctx: &Ctx) -> Result<Table> {
    let ext = ctx.extension.ok_or_else(|| Hdf5Error::new(msg!(en::H5_SHARED_NO_EXTENSION)))?;
    let msgs = oh::read(ctx, ext).map_err(|e| Hdf5Error::new(within(term("superblock extension"), e.0)))?;
    let m =
        msgs.iter().find(|m| m.mtype == MSG_SOHM_TABLE).ok_or_else(|| Hdf5Error::new(msg!(en::H5_SHARED_NO_TABLE)))?;
    let mut c = Cursor::new(&m.data, "shared message table message");
    let version = c.u8()?;
    if version != 0 {
        return Err(Hdf5Error::new(msg!(
            en::H5_VERSION,
            what = term("shared message table message"),
            version = version
        )));
    }
    let table = c.addr(ctx.sz)?.ok_or_else(|| {
        Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("shared message table"), field = term("address")))
    })?;
    let n = c.u8()?;
    if n == 0 || n > MAX_INDEXES {
        return Err(Hdf5Error::new(msg!(en::H5_SHARED_INDEXES, count = n)));
    }
    let o = u64::from(ctx.sz.offset);
    let entry = 1 + 1 + 2 + 4 + 2 + 2 + 2 + 2 * o;
    let buf = ctx.read(table, 4 + u64::from(n) * entry + 4, "shared message table")?;
    ctx.checksum(&buf, "shared message table")?;
    let mut c = Cursor::new(&buf, "shared message table");
    c.expect_sig(b"SMTB")?;
    let mut indexes = Vec::new();
    for _ in 0..n {
        c.skip(2)?; // version, index type (list or B-tree: only the heap is needed)
        let types = c.u16()?;
        c.skip(4 + 2 + 2 + 2)?; // min size, list cutoff, B-tree cutoff, count
        c.addr(ctx.sz)?; // index address
        indexes.push(Index { types, heap: c.addr(ctx.sz)? });
    }
    Ok(Table { indexes, heaps: RefCell::new(HashMap::new()) })
}

fn table(ctx: &Ctx) -> Result<Rc<Table>> {
    if let Some(t) = ctx.sohm.borrow().as_ref() {
        return t.clone().map_err(Hdf5Error::new);
    }
    let t = open(ctx).map(Rc::new).map_err(|e| *e.0);
    *ctx.sohm.borrow_mut() = Some(t.clone());
    t.map_err(Hdf5Error::new)
}

/// The raw encoded message of type `mtype` stored under `id` (libhdf5
/// `H5SM_get_fheap_addr`: the first index holding that type).
pub fn message(ctx: &Ctx, mtype: u16, id: &[u8; 8]) -> Result<Vec<u8>> {
    let t = table(ctx)?;
    let bit = 1u16.checked_shl(u32::from(mtype)).unwrap_or(0);
    let idx = t
        .indexes
        .iter()
        .find(|i| i.types & bit != 0)
        .ok_or_else(|| Hdf5Error::new(msg!(en::H5_SHARED_NO_INDEX, type = format!("{mtype:#x}"))))?;
    let heap_addr = idx.heap.ok_or_else(|| Hdf5Error::new(msg!(en::H5_SHARED_INDEX_NO_HEAP)))?;
    let cached = t.heaps.borrow().get(&heap_addr).cloned();
    let heap = match cached {
        Some(h) => h,
        None => {
            let h = FractalHeap::open(ctx, heap_addr)?;
            t.heaps.borrow_mut().insert(heap_addr, h.clone());
            h
        }
    };
    let max = ctx.limits.max_hdf5_attribute_bytes.saturating_add(1 << 16);
    heap.get(ctx, id, max).map_err(|e| Hdf5Error::new(within(term("shared message"), e.0)))
}

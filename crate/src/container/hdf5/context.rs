//! Shared state of one read: the source, address base, field sizes, budgets and caches.
//! Every file read goes through [`Ctx::read`], which bounds it by the file length and by
//! the total-read budget.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::cursor::Sizes;
use super::messages::datatype::Dtype;
use super::{Hdf5Error, Result};
use crate::limits::Limits;
use crate::messages::{en, term, within};
use crate::msg;
use crate::source::ByteSource;

pub struct Ctx<'a> {
    pub src: &'a dyn ByteSource,
    /// Absolute offset of the superblock; file addresses are relative to it.
    pub base: u64,
    pub sz: Sizes,
    pub limits: &'a Limits,
    read_left: Cell<u64>,
    structures_left: Cell<u64>,
    /// Global heap collections by address (vlen strings share one collection).
    pub gheap: RefCell<HashMap<u64, Rc<super::heap::global::Collection>>>,
    /// Committed datatypes by object header address (many attributes share one).
    pub committed: RefCell<HashMap<u64, Dtype>>,
    /// Superblock extension address (v2/v3), where the shared message table is found.
    pub extension: Option<u64>,
    /// The shared message table, read on first use.
    pub sohm: RefCell<Option<std::result::Result<Rc<super::sohm::Table>, crate::messages::Message>>>,
}

impl<'a> Ctx<'a> {
    pub fn new(src: &'a dyn ByteSource, base: u64, sz: Sizes, limits: &'a Limits) -> Self {
        let budget = src.len().saturating_mul(limits.max_hdf5_read_factor).saturating_add(1 << 20);
        Ctx {
            src,
            base,
            sz,
            limits,
            read_left: Cell::new(budget),
            structures_left: Cell::new(limits.max_hdf5_structures),
            gheap: RefCell::new(HashMap::new()),
            committed: RefCell::new(HashMap::new()),
            extension: None,
            sohm: RefCell::new(None),
        }
    }

    /// Bytes of the file after the base address.
    pub fn file_len(&self) -> u64 {
        self.src.len().saturating_sub(self.base)
    }

    /// Reads `len` bytes at relative address `addr`.
    pub fn read(&self, addr: u64, len: u64, what: &str) -> Result<Cow<'a, [u8]>> {
        let abs = self.base.checked_add(addr).ok_or_else(|| {
            Hdf5Error::new(msg!(en::H5_ADDR_OVERFLOWS, what = term(what), addr = format!("{addr:#x}")))
        })?;
        let end = abs.checked_add(len);
        if end.is_none_or(|e| e > self.src.len()) {
            return Err(Hdf5Error::new(msg!(
                en::H5_PAST_END,
                what = term(what),
                len = len,
                addr = format!("{addr:#x}"),
                size = self.src.len()
            )));
        }
        // No metadata structure Keras writes comes near this; a header declaring more is hostile.
        let cap = self.limits.max_hdf5_attribute_bytes.saturating_add(1 << 20);
        if len > cap {
            return Err(Hdf5Error::new(msg!(en::H5_TOO_BIG, what = term(what), len = len, cap = cap)));
        }
        let left = self.read_left.get();
        if len > left {
            return Err(Hdf5Error::new(msg!(en::H5_READ_BUDGET, what = term(what))));
        }
        self.read_left.set(left - len);
        let n =
            usize::try_from(len).map_err(|_| Hdf5Error::new(msg!(en::H5_NO_MEMORY, what = term(what), len = len)))?;
        // Lent when the source holds the file in memory (a small file read whole): most
        // reads are headers of a few dozen bytes, parsed and dropped.
        let bytes = match self.src.slice_at(abs, len) {
            Some(lent) => lent.map(Cow::Borrowed),
            None => {
                let mut buf = vec![0u8; n];
                self.src.read_at(abs, &mut buf).map(|()| Cow::Owned(buf))
            }
        };
        bytes.map_err(|e| Hdf5Error::new(within(term(what), e.message())))
    }

    /// Reads up to `max` bytes at `addr`, fewer if the file ends first (for structures
    /// whose length is only known after parsing their start).
    pub fn read_upto(&self, addr: u64, max: u64, what: &str) -> Result<Cow<'a, [u8]>> {
        let avail = self.file_len().saturating_sub(addr);
        if avail == 0 {
            return Err(Hdf5Error::new(msg!(en::H5_ADDR_PAST_END, what = term(what), addr = format!("{addr:#x}"))));
        }
        self.read(addr, max.min(avail), what)
    }

    /// Charges `n` bytes of derived data (names copied out of a heap, paths) to the read
    /// budget, so that many entries sharing one long name cannot multiply memory.
    pub fn charge(&self, n: u64, what: &str) -> Result<()> {
        let left = self.read_left.get();
        if n > left {
            return Err(Hdf5Error::new(msg!(en::H5_READ_BUDGET, what = term(what))));
        }
        self.read_left.set(left - n);
        Ok(())
    }

    /// Counts one visited structure against the per-file budget.
    pub fn tick(&self, what: &str) -> Result<()> {
        let left = self.structures_left.get();
        if left == 0 {
            return Err(Hdf5Error::new(msg!(en::H5_STRUCTURE_BUDGET, what = term(what))));
        }
        self.structures_left.set(left - 1);
        Ok(())
    }

    /// Verifies a lookup3 checksum when the limits ask for it.
    pub fn checksum(&self, with_sum: &[u8], what: &str) -> Result<()> {
        if self.limits.hdf5_verify_checksums {
            super::checksum::verify(with_sum, what)
        } else {
            Ok(())
        }
    }
}

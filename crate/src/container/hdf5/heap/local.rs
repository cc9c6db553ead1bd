//! Local heap (`HEAP`): the names of a symbol-table group's members.

use std::borrow::Cow;

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::Cursor;
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// Longest member name accepted (real names are short; a bound keeps copies cheap).
const MAX_NAME: usize = 1 << 16;

/// The data segment, lent by a file held in memory.
pub struct LocalHeap<'a> {
    data: Cow<'a, [u8]>,
}

impl<'a> LocalHeap<'a> {
    pub fn read(ctx: &Ctx<'a>, addr: u64) -> Result<Self> {
        ctx.tick("local heap")?;
        let sz = ctx.sz;
        let hdr = ctx.read(addr, 8 + 2 * u64::from(sz.length) + u64::from(sz.offset), "local heap")?;
        let mut c = Cursor::new(&hdr, "local heap");
        c.expect_sig(b"HEAP")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("local heap"), version = version)));
        }
        c.skip(3)?;
        let size = c.length(sz)?;
        c.length(sz)?; // free list head: not needed to read names
        let data_addr = c.addr(sz)?.ok_or_else(|| {
            Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("local heap"), field = term("data address")))
        })?;
        Ok(LocalHeap { data: ctx.read(data_addr, size, "local heap data")? })
    }

    #[cfg(test)]
    pub fn from_data(data: Vec<u8>) -> Self {
        LocalHeap { data: Cow::Owned(data) }
    }

    /// The NUL-terminated string at `offset`; the NUL must lie inside the data segment.
    pub fn name(&self, offset: u64) -> Result<String> {
        self.scan(offset).1
    }

    /// As [`LocalHeap::name`], charging the bytes scanned to the read budget, found or
    /// not: many entries pointing at one long unterminated run cost what they scan.
    pub fn name_charged(&self, ctx: &Ctx, offset: u64) -> Result<String> {
        let (scanned, r) = self.scan(offset);
        ctx.charge(scanned, "member names")?;
        r
    }

    fn scan(&self, offset: u64) -> (u64, Result<String>) {
        let start = usize::try_from(offset).ok().filter(|&o| o < self.data.len());
        let Some(rest) = start.and_then(|s| self.data.get(s..)) else {
            return (0, Err(Hdf5Error::new(msg!(en::H5_NAME_OFFSET_OUTSIDE, offset = offset))));
        };
        let window = rest.get(..rest.len().min(MAX_NAME + 1)).unwrap_or_default();
        match window.iter().position(|&b| b == 0) {
            Some(end) => {
                (end as u64 + 1, Ok(String::from_utf8_lossy(window.get(..end).unwrap_or_default()).into_owned()))
            }
            None => (
                window.len() as u64,
                Err(Hdf5Error::new(msg!(en::H5_NAME_UNTERMINATED, offset = offset, max = MAX_NAME))),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_terminated_inside() {
        let h = LocalHeap::from_data(b"\0dense\0abc".to_vec());
        assert_eq!(h.name(0).unwrap(), "");
        assert_eq!(h.name(1).unwrap(), "dense");
        assert!(h.name(7).is_err());
        assert!(h.name(100).is_err());
        assert!(h.name(u64::MAX).is_err());
    }
}

//! Fractal heap (`FRHP`): holds dense links and dense attributes. Objects are found by
//! heap ID: managed (inside a direct block reached through indirect blocks), tiny
//! (inside the ID) or huge (own allocation, tracked by a v2 B-tree).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::container::hdf5::btree::v2;
use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::{le, Cursor};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term, within};
use crate::msg;

/// Indirect block nesting accepted (a 64-bit heap needs far fewer).
const MAX_IBLOCK_DEPTH: u32 = 32;

#[derive(Debug, Clone)]
pub struct FractalHeap {
    id_len: u64,
    max_managed: u64,
    filtered: bool,
    huge_btree: Option<u64>,
    width: u64,
    start_block: u64,
    max_direct_block: u64,
    max_heap_bits: u16,
    root: Option<u64>,
    root_rows: u64,
}

fn log2_pow2(x: u64, what: &str) -> Result<u32> {
    if x == 0 || !x.is_power_of_two() {
        return Err(Hdf5Error::new(msg!(en::H5_NOT_POWER_OF_TWO, what = term(what), value = x)));
    }
    Ok(x.trailing_zeros())
}

/// Bytes needed to encode `x` (libhdf5 `H5VM_limit_enc_size`).
pub fn enc_size(x: u64) -> u64 {
    let log2 = if x == 0 { 0 } else { 63 - u64::from(x.leading_zeros()) };
    log2 / 8 + 1
}

impl FractalHeap {
    pub fn open(ctx: &Ctx, addr: u64) -> Result<Self> {
        ctx.tick("fractal heap")?;
        let sz = ctx.sz;
        let (o, l) = (u64::from(sz.offset), u64::from(sz.length));
        let fixed = 4 + 1 + 2 + 2 + 1 + 4 + l + o + l + o + l * 4 + l * 4 + 2 + l + l + 2 + 2 + o + 2;
        let buf = ctx.read(addr, fixed, "fractal heap header")?;
        let mut c = Cursor::new(&buf, "fractal heap header");
        c.expect_sig(b"FRHP")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("fractal heap"), version = version)));
        }
        let id_len = u64::from(c.u16()?);
        let filter_len = c.u16()?;
        c.skip(1)?; // flags
        let max_managed = u64::from(c.u32()?);
        c.length(sz)?; // next huge ID
        let huge_btree = c.addr(sz)?;
        c.length(sz)?;
        c.addr(sz)?; // free space manager
        for _ in 0..8 {
            c.length(sz)?; // space and object counters
        }
        let width = u64::from(c.u16()?);
        let start_block = c.length(sz)?;
        let max_direct_block = c.length(sz)?;
        let max_heap_bits = c.u16()?;
        c.skip(2)?; // starting rows
        let root = c.addr(sz)?;
        let root_rows = u64::from(c.u16()?);
        if width == 0 || !width.is_power_of_two() || width > 1 << 16 {
            return Err(Hdf5Error::new(msg!(en::H5_TABLE_WIDTH, width = width)));
        }
        log2_pow2(start_block, "starting block size")?;
        log2_pow2(max_direct_block, "max direct block size")?;
        if !(1..=64).contains(&max_heap_bits) || max_direct_block < start_block {
            return Err(Hdf5Error::new(msg!(en::H5_INCONSISTENT_SIZES)));
        }
        if id_len == 0 || id_len > 4096 {
            return Err(Hdf5Error::new(msg!(en::H5_HEAP_ID_LENGTH, length = id_len)));
        }
        Ok(FractalHeap {
            id_len,
            max_managed,
            filtered: filter_len > 0,
            huge_btree,
            width,
            start_block,
            max_direct_block,
            max_heap_bits,
            root,
            root_rows,
        })
    }

    fn off_size(&self) -> u64 {
        u64::from(self.max_heap_bits).div_ceil(8)
    }

    /// Rows of an indirect block that hold direct blocks.
    fn max_direct_rows(&self) -> Result<u64> {
        let a = log2_pow2(self.max_direct_block, "max direct block size")?;
        let b = log2_pow2(self.start_block, "starting block size")?;
        Ok(u64::from(a - b) + 2)
    }

    fn row_block_size(&self, row: u64) -> Result<u64> {
        if row == 0 {
            return Ok(self.start_block);
        }
        u32::try_from(row - 1)
            .ok()
            .filter(|&s| s < self.start_block.leading_zeros())
            .map(|s| self.start_block << s)
            .ok_or_else(|| Hdf5Error::new(msg!(en::H5_ROW_OVERFLOWS, row = row)))
    }

    /// The object with heap ID `id`, at most `max` bytes.
    pub fn get(&self, ctx: &Ctx, id: &[u8], max: u64) -> Result<Vec<u8>> {
        let mut c = Cursor::new(id, "fractal heap ID");
        let flag = c.u8()?;
        if flag >> 6 != 0 {
            return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("fractal heap ID"), version = flag >> 6)));
        }
        match (flag >> 4) & 3 {
            0 => {
                let off = c.uint(self.off_size() as u8)?;
                // libhdf5: min(bytes of a direct-block offset, bytes to encode the max managed size)
                let dblock_bits = u64::from(self.max_direct_block.trailing_zeros());
                let len_size = dblock_bits.div_ceil(8).min(enc_size(self.max_managed)).min(8) as u8;
                let len = c.uint(len_size)?;
                if len > max {
                    return Err(Hdf5Error::new(msg!(
                        en::H5_OBJECT_OVER_LIMIT,
                        what = term("fractal heap object"),
                        len = len
                    )));
                }
                self.managed(ctx, off, len)
            }
            1 => self.huge(ctx, id, max),
            2 => {
                let (len, start) = if self.id_len <= 18 {
                    (u64::from(flag & 0x0f) + 1, 1)
                } else {
                    let b1 = id
                        .get(1)
                        .copied()
                        .ok_or_else(|| Hdf5Error::new(msg!(en::H5_TRUNCATED, what = term("tiny heap ID"))))?;
                    ((u64::from(flag & 0x0f) << 8 | u64::from(b1)) + 1, 2)
                };
                let end = start + len as usize;
                id.get(start..end)
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| Hdf5Error::new(msg!(en::H5_TRUNCATED, what = term("tiny heap object"))))
            }
            t => Err(Hdf5Error::new(msg!(
                en::H5_UNKNOWN,
                what = term("fractal heap ID"),
                kind = term("type"),
                value = t
            ))),
        }
    }

    fn managed(&self, ctx: &Ctx, off: u64, len: u64) -> Result<Vec<u8>> {
        if self.filtered {
            return Err(Hdf5Error::new(msg!(en::H5_FILTERED_BLOCKS)));
        }
        let root = self.root.ok_or_else(|| Hdf5Error::new(msg!(en::H5_EMPTY_HEAP)))?;
        if self.root_rows == 0 {
            // The root is a single direct block of the starting size.
            if off.checked_add(len).is_none_or(|e| e > self.start_block) {
                return Err(Hdf5Error::new(msg!(en::H5_OUTSIDE_ROOT_BLOCK)));
            }
            return ctx
                .read(
                    root.checked_add(off)
                        .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOW, what = term("fractal heap address"))))?,
                    len,
                    "fractal heap object",
                )
                .map(Cow::into_owned);
        }
        let (o, l) = (u64::from(ctx.sz.offset), u64::from(ctx.sz.length));
        let dentry = if self.filtered { o + l + 4 } else { o };
        let hdr_len = 4 + 1 + o + self.off_size();
        let max_drows = self.max_direct_rows()?;
        let mut iblock = root;
        let mut rows = self.root_rows;
        let mut block_start = 0u64; // heap offset of the current indirect block
        let mut seen = HashSet::new();
        for _ in 0..MAX_IBLOCK_DEPTH {
            if !seen.insert(iblock) {
                return Err(Hdf5Error::new(msg!(en::H5_INDIRECT_CYCLE)));
            }
            ctx.tick("fractal heap indirect block")?;
            let mut rel =
                off.checked_sub(block_start).ok_or_else(|| Hdf5Error::new(msg!(en::H5_OFFSET_BEFORE_BLOCK)))?;
            let mut found = None;
            for r in 0..rows {
                let bs = self.row_block_size(r)?;
                let span = bs.checked_mul(self.width).ok_or_else(|| {
                    Hdf5Error::new(within(term("fractal heap"), msg!(en::H5_OVERFLOWS, what = term("row span"))))
                })?;
                if rel < span {
                    found = Some((r, rel / bs, rel % bs, bs));
                    break;
                }
                rel -= span;
            }
            let (r, col, within, bs) =
                found.ok_or_else(|| Hdf5Error::new(msg!(en::H5_OFFSET_OUTSIDE, offset = off)))?;
            let ndirect_rows = rows.min(max_drows);
            let entry_pos = if r < max_drows {
                hdr_len + (r * self.width + col) * dentry
            } else {
                hdr_len + ndirect_rows * self.width * dentry + ((r - max_drows) * self.width + col) * o
            };
            let e = ctx.read(
                iblock
                    .checked_add(entry_pos)
                    .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOW, what = term("fractal heap address"))))?,
                o,
                "fractal heap indirect block entry",
            )?;
            let child = le(&e);
            if crate::container::hdf5::cursor::is_undef(child, ctx.sz.offset) {
                return Err(Hdf5Error::new(msg!(en::H5_UNALLOCATED_BLOCK)));
            }
            if r < max_drows {
                if within.checked_add(len).is_none_or(|e| e > bs) {
                    return Err(Hdf5Error::new(msg!(en::H5_CROSSES_BLOCK)));
                }
                // Offsets count from the block start, header included.
                return ctx
                    .read(
                        child.checked_add(within).ok_or_else(|| {
                            Hdf5Error::new(msg!(en::H5_OVERFLOW, what = term("fractal heap address")))
                        })?,
                        len,
                        "fractal heap object",
                    )
                    .map(Cow::into_owned);
            }
            // A child indirect block covering `bs` bytes of heap space.
            let first = self
                .start_block
                .checked_mul(self.width)
                .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOW, what = term("fractal heap"))))?;
            let child_rows = u64::from(log2_pow2(bs, "indirect block size")?)
                .checked_sub(u64::from(log2_pow2(first, "first row size")?))
                .ok_or_else(|| Hdf5Error::new(msg!(en::H5_INDIRECT_SMALL)))?
                + 1;
            if child_rows >= rows {
                return Err(Hdf5Error::new(msg!(en::H5_CHILD_NOT_SMALLER)));
            }
            block_start = off - within;
            iblock = child;
            rows = child_rows;
        }
        Err(Hdf5Error::new(msg!(en::H5_INDIRECT_DEEP)))
    }

    fn huge(&self, ctx: &Ctx, id: &[u8], max: u64) -> Result<Vec<u8>> {
        let sz = ctx.sz;
        let (o, l) = (u64::from(sz.offset), u64::from(sz.length));
        let rest = id.get(1..).unwrap_or_default();
        let (addr, len) = if !self.filtered && self.id_len >= 1 + o + l {
            // The ID holds the address and length directly.
            let mut c = Cursor::new(rest, "huge heap ID");
            (
                c.addr(sz)?.ok_or_else(|| {
                    Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("huge object"), field = term("address")))
                })?,
                c.length(sz)?,
            )
        } else {
            if self.filtered {
                return Err(Hdf5Error::new(msg!(en::H5_FILTERED_HUGE)));
            }
            let key = le(rest.get(..rest.len().min(8)).unwrap_or_default());
            let bt = self.huge_btree.ok_or_else(|| Hdf5Error::new(msg!(en::H5_HUGE_NO_BTREE)))?;
            let mut hit = None;
            v2::for_each(ctx, bt, 1, &mut |rec| {
                let mut c = Cursor::new(rec, "huge object record");
                let a = c.addr(sz)?;
                let n = c.length(sz)?;
                let k = c.length(sz)?;
                if k == key {
                    hit = Some((a, n));
                    return Ok(false);
                }
                Ok(true)
            })?;
            match hit {
                Some((Some(a), n)) => (a, n),
                _ => return Err(Hdf5Error::new(msg!(en::H5_HUGE_NOT_FOUND, key = key))),
            }
        };
        let _ = l;
        if len > max {
            return Err(Hdf5Error::new(msg!(en::H5_OBJECT_OVER_LIMIT, what = term("huge heap object"), len = len)));
        }
        ctx.read(addr, len, "huge heap object").map(Cow::into_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::hdf5::cursor::Sizes;
    use crate::limits::Limits;

    /// Header: width 1, start block 64, max direct block 128, 16-bit heap, max managed 100.
    fn header(root: u64, root_rows: u16) -> Vec<u8> {
        let mut b = b"FRHP".to_vec();
        b.push(0);
        b.extend_from_slice(&4u16.to_le_bytes()); // heap ID length
        b.extend_from_slice(&0u16.to_le_bytes()); // no filters
        b.push(0);
        b.extend_from_slice(&100u32.to_le_bytes());
        b.extend_from_slice(&0u64.to_le_bytes()); // next huge id
        b.extend_from_slice(&u64::MAX.to_le_bytes()); // huge B-tree
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        for _ in 0..8 {
            b.extend_from_slice(&0u64.to_le_bytes());
        }
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&64u64.to_le_bytes());
        b.extend_from_slice(&128u64.to_le_bytes());
        b.extend_from_slice(&16u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&root.to_le_bytes());
        b.extend_from_slice(&root_rows.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b
    }

    fn iblock(entries: &[u64]) -> Vec<u8> {
        let mut b = b"FHIB".to_vec();
        b.push(0);
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        for e in entries {
            b.extend_from_slice(&e.to_le_bytes());
        }
        b
    }

    fn put(f: &mut Vec<u8>, at: usize, b: &[u8]) {
        if f.len() < at + b.len() {
            f.resize(at + b.len(), 0);
        }
        f[at..at + b.len()].copy_from_slice(b);
    }

    #[test]
    fn managed_object_through_a_child_indirect_block() {
        // Rows: 0 [0,64) 1 [64,128) 2 [128,256) direct; 3 [256,512) an indirect block
        // whose row 0 direct block holds heap offsets [256,320).
        let mut f = header(200, 4);
        put(&mut f, 200, &iblock(&[u64::MAX, u64::MAX, u64::MAX, 300]));
        put(&mut f, 300, &iblock(&[400, u64::MAX, u64::MAX]));
        put(&mut f, 400 + 44, b"found it");
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let h = FractalHeap::open(&ctx, 0).unwrap();
        let id = [0x00, 0x2c, 0x01, 8]; // managed, offset 300, length 8
        assert_eq!(h.get(&ctx, &id, 100).unwrap(), b"found it");
        // unallocated block, past the heap, over the limit
        assert!(h.get(&ctx, &[0x00, 0x10, 0x00, 4], 100).is_err());
        assert!(h.get(&ctx, &[0x00, 0xff, 0xff, 4], 100).is_err());
        assert!(h.get(&ctx, &id, 4).is_err());
        // a child that points back at the root is refused (not a loop)
        put(&mut f, 300, &iblock(&[400, u64::MAX, u64::MAX]));
        put(&mut f, 200, &iblock(&[u64::MAX, u64::MAX, u64::MAX, 200]));
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        assert!(h.get(&ctx, &id, 100).is_err());
    }

    #[test]
    fn root_direct_block_and_tiny_objects() {
        let mut f = header(200, 0);
        put(&mut f, 200 + 20, b"abc");
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let h = FractalHeap::open(&ctx, 0).unwrap();
        assert_eq!(h.get(&ctx, &[0x00, 20, 0, 3], 100).unwrap(), b"abc");
        assert!(h.get(&ctx, &[0x00, 62, 0, 3], 100).is_err()); // crosses the block end
        assert_eq!(h.get(&ctx, &[0x22, b'x', b'y', b'z'], 100).unwrap(), b"xyz");
        assert!(h.get(&ctx, &[0x2f, b'x'], 100).is_err());
        assert!(h.get(&ctx, &[0x40], 100).is_err());
    }

    #[test]
    fn rejects_inconsistent_headers() {
        let limits = Limits::default();
        let mut f = header(200, 0);
        f[4 + 1 + 2 + 2 + 1 + 4 + 8 * 12] = 3; // table width 3
        assert!(FractalHeap::open(&Ctx::new(&f, 0, Sizes::EIGHT, &limits), 0).is_err());
        let f = header(200, 0);
        let short = &f[..60];
        assert!(FractalHeap::open(&Ctx::new(&short, 0, Sizes::EIGHT, &limits), 0).is_err());
    }

    #[test]
    fn enc_size_matches_libhdf5() {
        assert_eq!(enc_size(0), 1);
        assert_eq!(enc_size(255), 1);
        assert_eq!(enc_size(256), 2);
        assert_eq!(enc_size(65536), 3);
        assert_eq!(enc_size(u64::MAX), 8);
    }
}

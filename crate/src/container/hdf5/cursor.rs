//! Bounds-checked little-endian reader over a metadata buffer already read from the file.
//! Every field read can fail; nothing indexes past the end.

use super::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// Sizes of file addresses (`O`) and lengths (`L`) from the superblock: 2, 4 or 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub offset: u8,
    pub length: u8,
}

impl Sizes {
    #[cfg(test)]
    pub const EIGHT: Sizes = Sizes { offset: 8, length: 8 };
}

pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    /// `what` names the structure in error messages.
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Cursor { buf, pos: 0, what }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn truncated(&self, want: u64) -> Hdf5Error {
        Hdf5Error::new(msg!(
            en::H5_TRUNCATED_NEED,
            what = term(self.what),
            want = want,
            pos = self.pos,
            have = self.remaining()
        ))
    }

    pub fn bytes(&mut self, n: u64) -> Result<&'a [u8]> {
        let n_usize = usize::try_from(n).map_err(|_| self.truncated(n))?;
        let end = self.pos.checked_add(n_usize).ok_or_else(|| self.truncated(n))?;
        let s = self.buf.get(self.pos..end).ok_or_else(|| self.truncated(n))?;
        self.pos = end;
        Ok(s)
    }

    pub fn skip(&mut self, n: u64) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.buf.len() {
            return Err(self.truncated(pos as u64));
        }
        self.pos = pos;
        Ok(())
    }

    /// Advances to the next multiple of 8 from the buffer start (v1 header alignment).
    pub fn align8(&mut self) -> Result<()> {
        let pad = (8 - self.pos % 8) % 8;
        self.skip(pad as u64)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(self.uint(2)? as u16)
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(self.uint(4)? as u32)
    }

    /// Little-endian unsigned integer of `n` <= 8 bytes.
    pub fn uint(&mut self, n: u8) -> Result<u64> {
        if n > 8 {
            return Err(Hdf5Error::new(msg!(en::H5_INT_FIELD, what = term(self.what), size = n)));
        }
        let b = self.bytes(u64::from(n))?;
        Ok(le(b))
    }

    /// A file address; `None` for the undefined address (all bits set).
    pub fn addr(&mut self, sz: Sizes) -> Result<Option<u64>> {
        let v = self.uint(sz.offset)?;
        Ok(if is_undef(v, sz.offset) { None } else { Some(v) })
    }

    /// A length field (may also be UNDEF in a few places; callers bound it anyway).
    pub fn length(&mut self, sz: Sizes) -> Result<u64> {
        self.uint(sz.length)
    }

    /// Checks a 4-byte signature.
    pub fn expect_sig(&mut self, sig: &[u8; 4]) -> Result<()> {
        let got = self.bytes(4)?;
        if got != sig {
            return Err(Hdf5Error::new(msg!(
                en::H5_BAD_SIGNATURE,
                what = term(self.what),
                found = format!("{:?}", String::from_utf8_lossy(got)),
                expected = String::from_utf8_lossy(sig).into_owned()
            )));
        }
        Ok(())
    }
}

/// Little-endian value of up to 8 bytes (more are ignored by callers that checked).
pub fn le(b: &[u8]) -> u64 {
    // The widths fields have (addresses, lengths, counts) as single loads.
    match *b {
        [x0, x1] => u64::from(u16::from_le_bytes([x0, x1])),
        [x0, x1, x2, x3] => u64::from(u32::from_le_bytes([x0, x1, x2, x3])),
        [x0, x1, x2, x3, x4, x5, x6, x7, ..] => u64::from_le_bytes([x0, x1, x2, x3, x4, x5, x6, x7]),
        _ => b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)),
    }
}

pub fn is_undef(v: u64, size: u8) -> bool {
    match size {
        8 => v == u64::MAX,
        n if n < 8 => v == (1u64 << (u32::from(n) * 8)) - 1,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_refuses_past_the_end() {
        let b = [1u8, 2, 0, 3, 0, 0, 0, 0xff, 0xff];
        let mut c = Cursor::new(&b, "t");
        assert_eq!(c.u8().unwrap(), 1);
        assert_eq!(c.u16().unwrap(), 2);
        assert_eq!(c.u32().unwrap(), 3);
        assert!(c.u32().is_err());
        assert_eq!(c.addr(Sizes { offset: 2, length: 2 }).unwrap(), None);
        assert!(c.u8().is_err());
        assert!(Cursor::new(&b, "t").bytes(u64::MAX).is_err());
    }

    /// Every width 0..=9 against the byte-by-byte definition (the first 8 bytes count).
    #[test]
    fn le_is_little_endian_at_every_width() {
        let b: Vec<u8> = (0..9u8).map(|i| 0xf1u8.wrapping_mul(i + 1)).collect();
        for n in 0..=9 {
            let want = b[..n].iter().take(8).rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
            assert_eq!(le(&b[..n]), want, "{n}");
        }
    }

    #[test]
    fn align8_pads_from_the_start() {
        let b = [0u8; 16];
        let mut c = Cursor::new(&b, "t");
        c.skip(3).unwrap();
        c.align8().unwrap();
        assert_eq!(c.pos(), 8);
        c.align8().unwrap();
        assert_eq!(c.pos(), 8);
    }
}

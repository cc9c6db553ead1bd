//! Superblock v0–v3: field sizes and the root object.

use super::cursor::{Cursor, Sizes};
use super::{Hdf5Error, Result};
use crate::messages::{en, term, within};
use crate::msg;
use crate::source::ByteSource;

const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', 0x0d, 0x0a, 0x1a, 0x0a];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    pub version: u8,
    pub sz: Sizes,
    /// Root group object header address (relative to the base).
    pub root: u64,
    /// v0/v1 root symbol-table entry scratch pad: cached (B-tree, local heap) addresses.
    /// A hint only, used when the root header lacks a symbol table message.
    pub root_hint: Option<(u64, u64)>,
    /// v2/v3 superblock extension object header (holds the shared message table).
    pub extension: Option<u64>,
}

fn sizes(o: u8, l: u8) -> Result<Sizes> {
    let ok = |n: u8| matches!(n, 2 | 4 | 8);
    if !ok(o) || !ok(l) {
        return Err(Hdf5Error::new(msg!(en::H5_SB_SIZES, offset = o, length = l)));
    }
    Ok(Sizes { offset: o, length: l })
}

/// Parses the superblock at absolute offset `at`. The base address is `at` itself, as
/// libhdf5 does when the stored base differs from where the superblock was found.
pub fn read(src: &dyn ByteSource, at: u64, verify: bool) -> Result<Superblock> {
    let avail = src.len().saturating_sub(at).min(256);
    let mut buf = vec![0u8; avail as usize];
    src.read_at(at, &mut buf).map_err(|e| Hdf5Error::new(within(term("superblock"), e.message())))?;
    parse(&buf, verify)
}

pub fn parse(buf: &[u8], verify: bool) -> Result<Superblock> {
    let mut c = Cursor::new(buf, "superblock");
    if c.bytes(8)? != SIGNATURE {
        return Err(Hdf5Error::new(msg!(en::H5_SB_NO_SIGNATURE)));
    }
    let version = c.u8()?;
    match version {
        0 | 1 => {
            c.skip(4)?; // free-space, root symbol table, reserved, shared header versions
            let (o, l) = (c.u8()?, c.u8()?);
            let sz = sizes(o, l)?;
            c.skip(1 + 2 + 2 + 4)?; // reserved, leaf K, internal K, flags
            if version == 1 {
                c.skip(4)?; // indexed storage K, reserved
            }
            c.skip(4 * u64::from(o))?; // base, free-space, end-of-file, driver info
                                       // Root symbol table entry.
            c.skip(u64::from(o))?; // link name offset
            let root = c.addr(sz)?.ok_or_else(|| {
                Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("superblock"), field = term("root object address")))
            })?;
            let cache = c.u32()?;
            c.skip(4)?;
            let hint = if cache == 1 {
                match (c.addr(sz)?, c.addr(sz)?) {
                    (Some(b), Some(h)) => Some((b, h)),
                    _ => None,
                }
            } else {
                None
            };
            Ok(Superblock { version, sz, root, root_hint: hint, extension: None })
        }
        2 | 3 => {
            let (o, l) = (c.u8()?, c.u8()?);
            let sz = sizes(o, l)?;
            c.skip(1)?; // flags
            c.skip(u64::from(o))?; // base
            let extension = c.addr(sz)?;
            c.skip(u64::from(o))?; // end-of-file
            let root = c.addr(sz)?.ok_or_else(|| {
                Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("superblock"), field = term("root object address")))
            })?;
            let end = c.pos() + 4;
            if verify {
                let s =
                    buf.get(..end).ok_or_else(|| Hdf5Error::new(msg!(en::H5_TRUNCATED, what = term("superblock"))))?;
                super::checksum::verify(s, "superblock")?;
            } else {
                c.skip(4)?;
            }
            Ok(Superblock { version, sz, root, root_hint: None, extension })
        }
        v => Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("superblock"), version = v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn v0(root: u64) -> Vec<u8> {
        let mut b = SIGNATURE.to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 0, 8, 8, 0, 4, 0, 16, 0, 0, 0, 0, 0]);
        for a in [0u64, u64::MAX, 4096, u64::MAX] {
            b.extend_from_slice(&a.to_le_bytes());
        }
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&root.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&136u64.to_le_bytes());
        b.extend_from_slice(&680u64.to_le_bytes());
        b
    }

    #[test]
    fn parses_v0_with_hint() {
        let sb = parse(&v0(96), false).unwrap();
        assert_eq!(sb.version, 0);
        assert_eq!(sb.sz, Sizes::EIGHT);
        assert_eq!(sb.root, 96);
        assert_eq!(sb.root_hint, Some((136, 680)));
    }

    #[test]
    fn parses_v2_and_checks_checksum() {
        let mut b = SIGNATURE.to_vec();
        b.extend_from_slice(&[2, 8, 8, 0]);
        for a in [0u64, u64::MAX, 4096, 48] {
            b.extend_from_slice(&a.to_le_bytes());
        }
        let sum = super::super::checksum::lookup3(&b, 0);
        b.extend_from_slice(&sum.to_le_bytes());
        assert_eq!(parse(&b, true).unwrap().root, 48);
        b[20] ^= 1;
        assert!(parse(&b, true).is_err());
        assert!(parse(&b, false).is_ok());
    }

    #[test]
    fn rejects_truncation_bad_sizes_and_versions() {
        let b = v0(96);
        for n in 0..b.len() {
            assert!(parse(&b[..n], false).is_err(), "prefix {n}");
        }
        let mut bad = v0(96);
        bad[13] = 3;
        assert!(parse(&bad, false).is_err());
        let mut bad = v0(96);
        bad[8] = 9;
        assert!(parse(&bad, false).is_err());
    }
}

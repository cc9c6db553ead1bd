//! Data layout message (0x08), metadata only: where the data is, never the data.

use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

fn unknown_class(version: u8, k: u8) -> Hdf5Error {
    let what = msg!(en::H5_LAYOUT_VERSION, version = version);
    Hdf5Error::new(msg!(en::H5_UNKNOWN, what = what, kind = term("class"), value = k))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Compact {
        size: u64,
    },
    Contiguous {
        addr: Option<u64>,
        size: u64,
    },
    Chunked {
        dims: Vec<u64>,
    },
    /// Virtual dataset: its mapping lives in the global heap (CVE-2026-12480).
    Virtual {
        heap_addr: Option<u64>,
        index: u32,
    },
}

pub fn parse(buf: &[u8], sz: Sizes) -> Result<Layout> {
    let mut c = Cursor::new(buf, "layout message");
    let version = c.u8()?;
    match version {
        1 | 2 => {
            let rank = c.u8()?;
            let class = c.u8()?;
            c.skip(5)?;
            let addr = if class != 0 { c.addr(sz)? } else { None };
            let mut dims = Vec::new();
            for _ in 0..rank.min(33) {
                dims.push(u64::from(c.u32()?));
            }
            match class {
                0 => Ok(Layout::Compact { size: u64::from(c.u32()?) }),
                1 => {
                    let size = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).unwrap_or(u64::MAX);
                    Ok(Layout::Contiguous { addr, size })
                }
                2 => Ok(Layout::Chunked { dims }),
                k => Err(unknown_class(version, k)),
            }
        }
        3 | 4 => match c.u8()? {
            0 => Ok(Layout::Compact { size: u64::from(c.u16()?) }),
            1 => Ok(Layout::Contiguous { addr: c.addr(sz)?, size: c.length(sz)? }),
            2 if version == 3 => {
                let rank = c.u8()?;
                c.addr(sz)?;
                let mut dims = Vec::new();
                for _ in 0..rank.min(34) {
                    dims.push(u64::from(c.u32()?));
                }
                Ok(Layout::Chunked { dims })
            }
            2 => {
                c.skip(1)?; // flags
                let rank = c.u8()?;
                let enc = c.u8()?;
                let mut dims = Vec::new();
                for _ in 0..rank.min(34) {
                    dims.push(c.uint(enc)?);
                }
                Ok(Layout::Chunked { dims })
            }
            3 if version == 4 => Ok(Layout::Virtual { heap_addr: c.addr(sz)?, index: c.u32()? }),
            k => Err(unknown_class(version, k)),
        },
        v => Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("layout"), version = v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_and_virtual() {
        let mut b = vec![3, 1];
        b.extend_from_slice(&2048u64.to_le_bytes());
        b.extend_from_slice(&400u64.to_le_bytes());
        assert_eq!(parse(&b, Sizes::EIGHT).unwrap(), Layout::Contiguous { addr: Some(2048), size: 400 });
        let mut v = vec![4, 3];
        v.extend_from_slice(&96u64.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        assert_eq!(parse(&v, Sizes::EIGHT).unwrap(), Layout::Virtual { heap_addr: Some(96), index: 1 });
        assert!(parse(&v[..5], Sizes::EIGHT).is_err());
        assert!(parse(&[3, 3], Sizes::EIGHT).is_err());
    }
}

//! Datatype message (0x03): the classes Keras files use, the rest as `Other`.

use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// Nesting of vlen/array/enum base types accepted (real files use 1–2).
const MAX_NESTING: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dtype {
    Int {
        size: u64,
        signed: bool,
        big_endian: bool,
    },
    Float {
        size: u64,
        big_endian: bool,
    },
    /// Padding: 0 NULLTERM, 1 NULLPAD, 2 SPACEPAD.
    FixedString {
        size: u64,
        pad: u8,
        utf8: bool,
    },
    VlenString {
        size: u64,
        utf8: bool,
    },
    VlenSequence {
        size: u64,
        base: Box<Dtype>,
    },
    Opaque {
        size: u64,
        tag: String,
    },
    Enum {
        size: u64,
        base: Box<Dtype>,
    },
    Array {
        size: u64,
        dims: Vec<u64>,
        base: Box<Dtype>,
    },
    Other {
        class: u8,
        size: u64,
    },
}

impl Dtype {
    /// Bytes per element as declared.
    pub fn size(&self) -> u64 {
        match self {
            Dtype::Int { size, .. }
            | Dtype::Float { size, .. }
            | Dtype::FixedString { size, .. }
            | Dtype::VlenString { size, .. }
            | Dtype::VlenSequence { size, .. }
            | Dtype::Opaque { size, .. }
            | Dtype::Enum { size, .. }
            | Dtype::Array { size, .. }
            | Dtype::Other { size, .. } => *size,
        }
    }
}

/// `_sz` is unused today (no class Keras writes embeds addresses) but kept so reference
/// and committed types can be added without touching callers.
pub fn parse(buf: &[u8], _sz: Sizes) -> Result<Dtype> {
    let mut c = Cursor::new(buf, "datatype message");
    parse_at(&mut c, 0)
}

fn parse_at(c: &mut Cursor, depth: u32) -> Result<Dtype> {
    if depth > MAX_NESTING {
        return Err(Hdf5Error::new(msg!(en::H5_DATATYPE_DEEP)));
    }
    let cv = c.u8()?;
    let (class, version) = (cv & 0x0f, cv >> 4);
    if !(1..=5).contains(&version) {
        return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("datatype"), version = version)));
    }
    let bits = c.bytes(3)?;
    let (b0, b1) = (bits[0], bits[1]);
    let size = u64::from(c.u32()?);
    Ok(match class {
        0 => {
            c.skip(4)?; // bit offset, precision
            Dtype::Int { size, signed: b0 & 0x08 != 0, big_endian: b0 & 0x01 != 0 }
        }
        1 => Dtype::Float { size, big_endian: b0 & 0x01 != 0 },
        3 => Dtype::FixedString { size, pad: b0 & 0x0f, utf8: (b0 >> 4) == 1 },
        5 => {
            let n = u64::from(b0);
            let tag = c.bytes(n)?;
            let end = tag.iter().position(|&x| x == 0).unwrap_or(tag.len());
            Dtype::Opaque { size, tag: String::from_utf8_lossy(tag.get(..end).unwrap_or_default()).into_owned() }
        }
        8 => Dtype::Enum { size, base: Box::new(parse_at(c, depth + 1)?) },
        9 => match b0 & 0x0f {
            1 => Dtype::VlenString { size, utf8: (b1 & 0x0f) == 1 },
            0 => Dtype::VlenSequence { size, base: Box::new(parse_at(c, depth + 1)?) },
            t => {
                return Err(Hdf5Error::new(msg!(
                    en::H5_UNKNOWN,
                    what = term("datatype"),
                    kind = term("vlen type"),
                    value = t
                )))
            }
        },
        10 => {
            let rank = c.u8()?;
            if rank > super::dataspace::MAX_RANK {
                return Err(Hdf5Error::new(msg!(en::H5_RANK, what = term("array datatype"), rank = rank)));
            }
            if version < 3 {
                c.skip(3)?;
            }
            let mut dims = Vec::with_capacity(usize::from(rank));
            for _ in 0..rank {
                dims.push(u64::from(c.u32()?));
            }
            if version < 3 {
                c.skip(4 * u64::from(rank))?; // permutation indices
            }
            Dtype::Array { size, dims, base: Box::new(parse_at(c, depth + 1)?) }
        }
        class => Dtype::Other { class, size },
    })
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn vlen_str() -> Vec<u8> {
        // class 9 v1, string, NULLTERM, ASCII; size 16; base: 1-byte fixed string
        let mut b = vec![0x19, 0x01, 0x00, 0x00];
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&[0x13, 0x00, 0x00, 0x00, 1, 0, 0, 0]);
        b
    }

    pub fn fixed_str(n: u32, pad: u8) -> Vec<u8> {
        let mut b = vec![0x13, pad, 0, 0];
        b.extend_from_slice(&n.to_le_bytes());
        b
    }

    #[test]
    fn strings() {
        assert_eq!(parse(&vlen_str(), Sizes::EIGHT).unwrap(), Dtype::VlenString { size: 16, utf8: false });
        assert_eq!(parse(&fixed_str(7, 1), Sizes::EIGHT).unwrap(), Dtype::FixedString { size: 7, pad: 1, utf8: false });
    }

    #[test]
    fn numbers_opaque_array() {
        let mut f = vec![0x11, 0x20, 0x3f, 0x00];
        f.extend_from_slice(&4u32.to_le_bytes());
        assert_eq!(parse(&f, Sizes::EIGHT).unwrap(), Dtype::Float { size: 4, big_endian: false });
        let mut o = vec![0x15, 0x08, 0, 0];
        o.extend_from_slice(&2u32.to_le_bytes());
        o.extend_from_slice(b"bf16\0\0\0\0");
        assert_eq!(parse(&o, Sizes::EIGHT).unwrap(), Dtype::Opaque { size: 2, tag: "bf16".into() });
        let mut a = vec![0x3a, 0, 0, 0];
        a.extend_from_slice(&21u32.to_le_bytes());
        a.push(1);
        a.extend_from_slice(&3u32.to_le_bytes());
        a.extend_from_slice(&fixed_str(7, 1));
        let Dtype::Array { dims, base, .. } = parse(&a, Sizes::EIGHT).unwrap() else { panic!() };
        assert_eq!((dims, base.size()), (vec![3], 7));
    }

    #[test]
    fn self_nesting_is_bounded() {
        // An array whose base is truncated/repeated must fail, not recurse forever.
        let mut a = Vec::new();
        for _ in 0..20 {
            a.extend_from_slice(&[0x19, 0x00, 0, 0, 16, 0, 0, 0]);
        }
        assert!(parse(&a, Sizes::EIGHT).is_err());
    }
}

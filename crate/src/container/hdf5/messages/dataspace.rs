//! Dataspace message (0x01), versions 1 and 2.

use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// HDF5's own maximum rank.
pub const MAX_RANK: u8 = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataspace {
    /// Empty for a scalar.
    pub dims: Vec<u64>,
    /// Null dataspace: no elements at all.
    pub null: bool,
}

impl Dataspace {
    /// Number of elements; `None` if the product overflows u64.
    pub fn count(&self) -> Option<u64> {
        if self.null {
            return Some(0);
        }
        self.dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
    }
}

pub fn parse(buf: &[u8], sz: Sizes) -> Result<Dataspace> {
    let mut c = Cursor::new(buf, "dataspace message");
    let version = c.u8()?;
    let rank = c.u8()?;
    let _flags = c.u8()?;
    let null = match version {
        1 => {
            c.skip(5)?;
            false
        }
        2 => match c.u8()? {
            0 | 1 => false,
            2 => true,
            t => {
                return Err(Hdf5Error::new(msg!(
                    en::H5_UNKNOWN,
                    what = term("dataspace"),
                    kind = term("type"),
                    value = t
                )))
            }
        },
        v => return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("dataspace"), version = v))),
    };
    if rank > MAX_RANK {
        return Err(Hdf5Error::new(msg!(en::H5_RANK_ABOVE, what = term("dataspace"), rank = rank, max = MAX_RANK)));
    }
    let mut dims = Vec::with_capacity(usize::from(rank));
    for _ in 0..rank {
        dims.push(c.length(sz)?);
    }
    Ok(Dataspace { dims, null })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_scalar_and_simple() {
        let s = parse(&[1, 0, 0, 0, 0, 0, 0, 0], Sizes::EIGHT).unwrap();
        assert_eq!(s.count(), Some(1));
        let mut b = vec![1, 2, 0, 0, 0, 0, 0, 0];
        b.extend_from_slice(&3u64.to_le_bytes());
        b.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(parse(&b, Sizes::EIGHT).unwrap().count(), Some(15));
        assert!(parse(&b[..15], Sizes::EIGHT).is_err());
    }

    #[test]
    fn v2_null_overflow_and_rank() {
        assert_eq!(parse(&[2, 0, 0, 2], Sizes::EIGHT).unwrap().count(), Some(0));
        let mut b = vec![2, 2, 0, 1];
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        b.extend_from_slice(&2u64.to_le_bytes());
        assert_eq!(parse(&b, Sizes::EIGHT).unwrap().count(), None);
        assert!(parse(&[2, 33, 0, 1], Sizes::EIGHT).is_err());
    }
}

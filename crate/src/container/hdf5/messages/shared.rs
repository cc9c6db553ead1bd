//! Shared message encoding (libhdf5 `H5O__shared_decode`): a message whose body lives
//! elsewhere, either in another object header (a committed, "named" datatype) or in the
//! file's shared object header message (SOHM) heap.

use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedRef {
    /// The first message of the same type in the object header at this address.
    Committed(u64),
    /// An 8-byte fractal heap ID in the SOHM heap of the message's type.
    Sohm([u8; 8]),
}

/// Share type values of version 3 (`H5O_SHARE_TYPE_*`).
const SHARE_SOHM: u8 = 1;
const SHARE_COMMITTED: u8 = 2;

pub fn parse(buf: &[u8], sz: Sizes) -> Result<SharedRef> {
    let mut c = Cursor::new(buf, "shared message");
    let version = c.u8()?;
    let kind = c.u8()?;
    let addr = |c: &mut Cursor| {
        c.addr(sz)?.map(SharedRef::Committed).ok_or_else(|| {
            Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("shared message"), field = term("address")))
        })
    };
    match version {
        // v1: type ignored, 6 reserved bytes, a symbol-table-entry-like body whose
        // first field (a heap address of `L` bytes) libhdf5 skips.
        1 => {
            c.skip(6 + u64::from(sz.length))?;
            addr(&mut c)
        }
        // v2: always a committed object, whatever the type byte says.
        2 => addr(&mut c),
        3 => match kind {
            SHARE_SOHM => {
                let id = c.bytes(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(id);
                Ok(SharedRef::Sohm(a))
            }
            SHARE_COMMITTED => addr(&mut c),
            k => Err(Hdf5Error::new(msg!(
                en::H5_UNKNOWN,
                what = term("shared message"),
                kind = term("share type"),
                value = k
            ))),
        },
        v => Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("shared message"), version = v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        let mut v1 = vec![1, 0, 0, 0, 0, 0, 0, 0];
        v1.extend_from_slice(&[0xee; 8]);
        v1.extend_from_slice(&800u64.to_le_bytes());
        assert_eq!(parse(&v1, Sizes::EIGHT).unwrap(), SharedRef::Committed(800));
        let mut v2 = vec![2, 2];
        v2.extend_from_slice(&96u64.to_le_bytes());
        assert_eq!(parse(&v2, Sizes::EIGHT).unwrap(), SharedRef::Committed(96));
        let mut v3 = vec![3, 1];
        v3.extend_from_slice(&[9; 8]);
        assert_eq!(parse(&v3, Sizes::EIGHT).unwrap(), SharedRef::Sohm([9; 8]));
        v3[1] = 2;
        assert_eq!(parse(&v3, Sizes::EIGHT).unwrap(), SharedRef::Committed(0x0909_0909_0909_0909));
        v3[1] = 7;
        assert!(parse(&v3, Sizes::EIGHT).is_err());
        let mut undef = vec![2, 2];
        undef.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse(&undef, Sizes::EIGHT).is_err());
        for n in 0..v1.len() {
            assert!(parse(&v1[..n], Sizes::EIGHT).is_err());
        }
    }
}

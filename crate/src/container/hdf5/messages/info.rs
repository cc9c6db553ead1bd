//! Link info (0x02) and attribute info (0x15): where dense storage lives.

use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// Dense storage: fractal heap and the v2 B-tree indexing it by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenseInfo {
    pub heap: Option<u64>,
    pub name_index: Option<u64>,
}

/// Link info message; the max creation index is 8 bytes here.
pub fn link_info(buf: &[u8], sz: Sizes) -> Result<DenseInfo> {
    parse(buf, sz, 8, "link info message")
}

/// Attribute info message; the max creation index is 2 bytes here.
pub fn attribute_info(buf: &[u8], sz: Sizes) -> Result<DenseInfo> {
    parse(buf, sz, 2, "attribute info message")
}

fn parse(buf: &[u8], sz: Sizes, index_size: u64, what: &'static str) -> Result<DenseInfo> {
    let mut c = Cursor::new(buf, what);
    let version = c.u8()?;
    if version != 0 {
        return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term(what), version = version)));
    }
    let flags = c.u8()?;
    if flags & 0x01 != 0 {
        c.skip(index_size)?;
    }
    Ok(DenseInfo { heap: c.addr(sz)?, name_index: c.addr(sz)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds() {
        let mut b = vec![0, 1, 9, 0];
        b.extend_from_slice(&100u64.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(attribute_info(&b, Sizes::EIGHT).unwrap(), DenseInfo { heap: Some(100), name_index: None });
        assert!(link_info(&b, Sizes::EIGHT).is_err());
    }
}

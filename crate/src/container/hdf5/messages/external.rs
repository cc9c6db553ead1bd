//! External data files message (0x07): a dataset's data lives in other files
//! (CVE-2026-1669). Only the file names are read, for the report.

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::Cursor;
use crate::container::hdf5::heap::local::LocalHeap;
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, join_comma, term, Message};
use crate::msg;

/// Most slots whose names are looked up (the rest are counted).
const MAX_NAMES: u16 = 16;

/// Names of the external files, or a note why they could not be read.
pub fn describe(ctx: &Ctx, buf: &[u8]) -> Result<Message> {
    let mut c = Cursor::new(buf, "external data files message");
    let version = c.u8()?;
    if version != 1 {
        return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("external data files"), version = version)));
    }
    c.skip(3 + 2)?;
    let used = c.u16()?;
    let heap = c.addr(ctx.sz)?;
    let mut names = Vec::new();
    let heap = match heap {
        Some(h) => LocalHeap::read(ctx, h).ok(),
        None => None,
    };
    for _ in 0..used.min(MAX_NAMES) {
        let off = c.length(ctx.sz)?;
        c.skip(2 * u64::from(ctx.sz.length))?;
        let name = match heap.as_ref().and_then(|h| h.name(off).ok()) {
            Some(n) => msg!(en::TEXT, text = n),
            None => msg!(en::H5_EXTERNAL_NAME_AT, offset = off),
        };
        names.push(name);
    }
    let names = join_comma(names);
    Ok(if used > MAX_NAMES {
        msg!(en::H5_EXTERNAL_LIST_MORE, count = used, names = names, more = used - MAX_NAMES)
    } else {
        msg!(en::H5_EXTERNAL_LIST, count = used, names = names)
    })
}

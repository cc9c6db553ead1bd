//! Global heap collections (`GCOL`): where vlen strings such as `model_config` live.

use std::rc::Rc;

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::Cursor;
use crate::container::hdf5::{Hdf5Error, Result};

/// Reads (and caches) the whole collection at `addr`.
fn collection(ctx: &Ctx, addr: u64) -> Result<Rc<Vec<u8>>> {
    if let Some(c) = ctx.gheap.borrow().get(&addr) {
        return Ok(c.clone());
    }
    ctx.tick("global heap collection")?;
    let sz = ctx.sz;
    let hdr = ctx.read(addr, 8 + u64::from(sz.length), "global heap")?;
    let mut c = Cursor::new(&hdr, "global heap");
    c.expect_sig(b"GCOL")?;
    let version = c.u8()?;
    if version != 1 {
        return Err(Hdf5Error(format!("global heap: unsupported version {version}")));
    }
    c.skip(3)?;
    let size = c.length(sz)?;
    let data = Rc::new(ctx.read(addr, size, "global heap collection")?);
    ctx.gheap.borrow_mut().insert(addr, data.clone());
    Ok(data)
}

/// Object `index` of the collection at `addr`, at most `len` bytes of it.
pub fn object(ctx: &Ctx, addr: u64, index: u32, len: u64) -> Result<Vec<u8>> {
    let coll = collection(ctx, addr)?;
    find(&coll, index, len, ctx.sz)
}

fn find(coll: &[u8], index: u32, len: u64, sz: super::super::cursor::Sizes) -> Result<Vec<u8>> {
    let mut c = Cursor::new(coll, "global heap collection");
    c.skip(8 + u64::from(sz.length))?;
    let obj_hdr = 8 + u64::from(sz.length);
    while c.remaining() as u64 >= obj_hdr {
        let idx = c.u16()?;
        c.skip(6)?; // reference count, reserved
        let size = c.length(sz)?;
        if idx == 0 {
            break; // free space runs to the end of the collection
        }
        let data = c.bytes(size)?;
        if u32::from(idx) == index {
            if len > size {
                return Err(Hdf5Error(format!("global heap object {index}: {len} bytes requested, {size} stored")));
            }
            return Ok(data.get(..len as usize).unwrap_or_default().to_vec());
        }
        c.align8()?;
    }
    Err(Hdf5Error(format!("global heap object {index} not found")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::hdf5::cursor::Sizes;

    fn coll(objs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = b"GCOL\x01\0\0\0".to_vec();
        b.extend_from_slice(&0u64.to_le_bytes());
        for (i, d) in objs {
            b.extend_from_slice(&i.to_le_bytes());
            b.extend_from_slice(&[1, 0, 0, 0, 0, 0]);
            b.extend_from_slice(&(d.len() as u64).to_le_bytes());
            b.extend_from_slice(d);
            while b.len() & 7 != 0 {
                b.push(0);
            }
        }
        let n = b.len() as u64;
        b[8..16].copy_from_slice(&n.to_le_bytes());
        b
    }

    #[test]
    fn finds_objects_by_index() {
        let c = coll(&[(1, b"{\"a\":1}"), (2, b"tensorflow")]);
        assert_eq!(find(&c, 2, 10, Sizes::EIGHT).unwrap(), b"tensorflow");
        assert_eq!(find(&c, 1, 3, Sizes::EIGHT).unwrap(), b"{\"a");
        assert!(find(&c, 3, 1, Sizes::EIGHT).is_err());
        assert!(find(&c, 1, 100, Sizes::EIGHT).is_err());
        for n in 0..c.len() {
            let _ = find(&c[..n], 2, 10, Sizes::EIGHT);
        }
    }
}

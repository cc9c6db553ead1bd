//! Global heap collections (`GCOL`): where vlen strings such as `model_config` live.

use std::collections::HashMap;
use std::rc::Rc;

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// A collection, read once, with where each object lies. Parsed as libhdf5 does
/// (`H5HG__cache_heap_deserialize`): objects follow each other, each `header +
/// align8(size)` bytes long, except the free-space object (index 0) whose size counts
/// its header; parsing goes on after it; a later object with the same index replaces
/// the earlier one; a tail too short for an object header is free space.
pub struct Collection {
    data: Vec<u8>,
    objects: Objects,
    /// Earlier objects of an index that a later one replaced (never written by libhdf5).
    replaced: Replaced,
}

/// Reads (and caches) the collection at `addr`.
fn collection(ctx: &Ctx, addr: u64) -> Result<Rc<Collection>> {
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
        return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("global heap"), version = version)));
    }
    c.skip(3)?;
    let size = c.length(sz)?;
    let data = ctx.read(addr, size, "global heap collection")?.into_owned();
    let (objects, replaced) = index(&data, sz)?;
    let coll = Rc::new(Collection { data, objects, replaced });
    ctx.gheap.borrow_mut().insert(addr, coll.clone());
    Ok(coll)
}

/// Index → (start of the object's data, size).
type Objects = HashMap<u16, (usize, u64)>;
/// Index → earlier objects of that index.
type Replaced = HashMap<u16, Vec<(usize, u64)>>;

fn index(coll: &[u8], sz: Sizes) -> Result<(Objects, Replaced)> {
    let obj_hdr = 8 + u64::from(sz.length);
    // Sized for the objects that fit (each at least a header), up to a few dozen: growing
    // from empty would rehash them several times.
    let mut objects = HashMap::with_capacity((coll.len() / obj_hdr as usize).min(32));
    let mut replaced = Replaced::new();
    let mut p = obj_hdr; // after the collection header (same size as an object header)
    let end = coll.len() as u64;
    while p.checked_add(obj_hdr).is_some_and(|e| e <= end) {
        let mut c = Cursor::new(coll.get(p as usize..).unwrap_or_default(), "global heap object");
        let idx = c.u16()?;
        c.skip(6)?; // reference count, reserved
        let size = c.length(sz)?;
        let need = if idx == 0 {
            size
        } else {
            let padded = size.checked_add(7).map(|s| s & !7).ok_or_else(|| Hdf5Error::new(msg!(en::H5_GHEAP_SIZE)))?;
            obj_hdr.checked_add(padded).ok_or_else(|| Hdf5Error::new(msg!(en::H5_GHEAP_SIZE)))?
        };
        if idx != 0 {
            if (p + obj_hdr).checked_add(size).is_none_or(|e| e > end) {
                return Err(Hdf5Error::new(msg!(en::H5_GHEAP_PAST, index = idx)));
            }
            if let Some(old) = objects.insert(idx, ((p + obj_hdr) as usize, size)) {
                replaced.entry(idx).or_default().push(old);
            }
        }
        if need == 0 {
            break; // a zero-sized free-space object would never advance
        }
        p = p.checked_add(need).ok_or_else(|| Hdf5Error::new(msg!(en::H5_GHEAP_SIZE)))?;
    }
    Ok((objects, replaced))
}

/// Earlier objects of `index` that libhdf5 does not return (at most `len` bytes each,
/// charged to the read budget).
pub fn replaced(ctx: &Ctx, addr: u64, index: u32, len: u64) -> Result<Vec<Vec<u8>>> {
    let coll = collection(ctx, addr)?;
    let Some(old) = u16::try_from(index).ok().and_then(|i| coll.replaced.get(&i)) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for &(start, size) in old {
        let n = len.min(size);
        ctx.charge(n, "global heap object")?;
        out.push(coll.data.get(start..start + n as usize).unwrap_or_default().to_vec());
    }
    Ok(out)
}

/// Object `index` of the collection at `addr`, at most `len` bytes of it. The copy is
/// charged to the read budget: many references to one large object cannot multiply it.
pub fn object(ctx: &Ctx, addr: u64, index: u32, len: u64) -> Result<Vec<u8>> {
    let coll = collection(ctx, addr)?;
    let v = find(&coll, index, len)?;
    ctx.charge(v.len() as u64, "global heap object")?;
    Ok(v)
}

fn find(coll: &Collection, index: u32, len: u64) -> Result<Vec<u8>> {
    let &(start, size) = u16::try_from(index)
        .ok()
        .and_then(|i| coll.objects.get(&i))
        .ok_or_else(|| Hdf5Error::new(msg!(en::H5_GHEAP_NOT_FOUND, index = index)))?;
    if len > size {
        return Err(Hdf5Error::new(msg!(en::H5_GHEAP_SHORT, index = index, len = len, size = size)));
    }
    Ok(coll.data.get(start..start + len as usize).unwrap_or_default().to_vec())
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

    fn get(c: &[u8], i: u32, len: u64) -> Result<Vec<u8>> {
        let (objects, replaced) = index(c, Sizes::EIGHT)?;
        find(&Collection { data: c.to_vec(), objects, replaced }, i, len)
    }

    #[test]
    fn finds_objects_by_index() {
        let c = coll(&[(1, b"{\"a\":1}"), (2, b"tensorflow")]);
        assert_eq!(get(&c, 2, 10).unwrap(), b"tensorflow");
        assert_eq!(get(&c, 1, 3).unwrap(), b"{\"a");
        assert!(get(&c, 3, 1).is_err());
        assert!(get(&c, 1, 100).is_err());
        assert!(get(&c, 70000, 1).is_err());
        for n in 0..c.len() {
            let _ = get(&c[..n], 2, 10);
        }
    }

    #[test]
    fn like_libhdf5_a_later_object_of_the_same_index_wins_and_free_space_is_skipped() {
        // object 1 twice: libhdf5 keeps the last; a free-space object (index 0, its
        // size counting its 16-byte header) in between does not end the parsing.
        let mut c = coll(&[(1, b"benign"), (1, b"malicious")]);
        let mut free = vec![0u8, 0, 0, 0, 0, 0, 0, 0];
        free.extend_from_slice(&24u64.to_le_bytes());
        free.extend_from_slice(&[0; 8]);
        let at = 16 + 16 + 8;
        c.splice(at..at, free);
        let n = c.len() as u64;
        c[8..16].copy_from_slice(&n.to_le_bytes());
        assert_eq!(get(&c, 1, 9).unwrap(), b"malicious");
        let (_, replaced) = index(&c, Sizes::EIGHT).unwrap();
        assert_eq!(replaced[&1].len(), 1, "the benign copy is kept as replaced");
    }
}

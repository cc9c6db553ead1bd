//! Attribute values: one raw attribute message decoded (a committed datatype followed),
//! and string values read from it (fixed-length, or vlen through the global heap).
//! Which message a name stands for is `h5py_view`'s business.

use super::context::Ctx;
use super::cursor::Cursor;
use super::heap::global;
use super::messages::attribute::{self, Attribute};
use super::messages::datatype::Dtype;
use super::messages::shared::SharedRef;
use super::object_header as oh;
use super::{Hdf5Error, Result};
use crate::messages::{en, term, within, Message};
use crate::msg;

/// The string elements of an attribute (one for a scalar), as raw bytes, as h5py
/// returns them.
pub fn strings(ctx: &Ctx, a: &Attribute) -> Result<Vec<Vec<u8>>> {
    strings_and_dropped(ctx, a).map(|(parts, _)| parts)
}

/// Bytes of a string value that are in the file but that h5py never returns.
#[derive(Debug)]
pub struct Unseen {
    pub what: crate::messages::Template,
    pub bytes: Vec<u8>,
}

/// As [`strings`], plus what h5py does not see: the bytes after a NUL in a vlen string
/// (h5py reads it through a C string; a fixed-length string keeps them), and earlier
/// global heap objects replaced by a later one of the same index.
pub fn strings_and_dropped(ctx: &Ctx, a: &Attribute) -> Result<(Vec<Vec<u8>>, Vec<Unseen>)> {
    string_elements(ctx, a)
        .map_err(|e| Hdf5Error::new(within(msg!(en::H5_ATTRIBUTE_NAMED, name = format!("{:?}", a.name)), e.0)))
}

fn string_elements(ctx: &Ctx, a: &Attribute) -> Result<(Vec<Vec<u8>>, Vec<Unseen>)> {
    let count = a.space.count().ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOWS, what = term("element count"))))?;
    let (dtype, count) = match &a.dtype {
        Dtype::Array { dims, base, .. } => {
            let per = dims
                .iter()
                .try_fold(1u64, |x, &d| x.checked_mul(d))
                .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOWS, what = term("array size"))))?;
            (
                base.as_ref(),
                count
                    .checked_mul(per)
                    .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOWS, what = term("array size"))))?,
            )
        }
        d => (d, count),
    };
    // Zero-sized elements would let a huge declared count spin without reading.
    if count > a.data.len() as u64 + 1 {
        return Err(Hdf5Error::new(msg!(en::H5_ELEMENTS_IN_VALUE, count = count, size = a.data.len())));
    }
    let max = ctx.limits.max_hdf5_attribute_bytes;
    let mut out = Vec::new();
    let mut dropped = Vec::new();
    let mut total = 0u64;
    let mut c = Cursor::new(&a.data, "attribute value");
    for _ in 0..count {
        let s = match dtype {
            Dtype::FixedString { size, pad, .. } => {
                let raw = c.bytes(*size)?;
                let s = match pad {
                    0 => raw.split(|&b| b == 0).next().unwrap_or_default(),
                    2 => raw.get(..raw.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1)).unwrap_or_default(),
                    _ => raw.get(..raw.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1)).unwrap_or_default(),
                };
                s.to_vec()
            }
            Dtype::VlenString { .. } => {
                let len = u64::from(c.u32()?);
                let addr = c.addr(ctx.sz)?;
                let index = c.u32()?;
                total = total.saturating_add(len);
                if total > max {
                    return Err(Hdf5Error::new(msg!(en::H5_STRING_TOO_LARGE, max = max)));
                }
                let mut v = match addr {
                    _ if len == 0 => Vec::new(),
                    Some(addr) => {
                        for bytes in global::replaced(ctx, addr, index, len)? {
                            dropped.push(Unseen { what: en::H5_UNSEEN_REPLACED, bytes });
                        }
                        global::object(ctx, addr, index, len)?
                    }
                    None => return Err(Hdf5Error::new(msg!(en::H5_VLEN_NO_HEAP))),
                };
                if let Some(nul) = first_nul(&v) {
                    let tail = v.get(nul + 1..).unwrap_or_default();
                    if tail.iter().any(|&b| b != 0) {
                        dropped.push(Unseen { what: en::H5_UNSEEN_AFTER_NUL, bytes: tail.to_vec() });
                    }
                    v.truncate(nul);
                }
                v
            }
            other => return Err(Hdf5Error::new(msg!(en::H5_NOT_STRING, what = describe(other)))),
        };
        out.push(s);
    }
    Ok((out, dropped))
}

pub fn describe(d: &Dtype) -> Message {
    match d {
        Dtype::Int { size, .. } => msg!(en::H5_DT_INT, size = *size),
        Dtype::Float { size, .. } => msg!(en::H5_DT_FLOAT, size = *size),
        Dtype::FixedString { size, .. } => msg!(en::H5_DT_STRING, size = *size),
        Dtype::VlenString { .. } => msg!(en::T_VLEN_STRING),
        Dtype::VlenSequence { .. } => msg!(en::T_VLEN_SEQUENCE),
        Dtype::Opaque { size, .. } => msg!(en::H5_DT_OPAQUE, size = *size),
        Dtype::Enum { .. } => msg!(en::T_ENUM),
        Dtype::Array { .. } => msg!(en::T_ARRAY),
        Dtype::Other { class, .. } => msg!(en::H5_DT_CLASS, class = *class),
    }
}

/// Parses one raw attribute message, following a committed or shared datatype and a
/// shared dataspace.
pub fn parse(ctx: &Ctx, raw: &[u8]) -> Result<Attribute> {
    attribute::parse_with(raw, ctx.sz, &mut |shared| super::committed::resolve(ctx, shared), &mut |shared| {
        match super::messages::shared::parse(shared, ctx.sz)? {
            SharedRef::Sohm(id) => {
                super::messages::dataspace::parse(&super::sohm::message(ctx, oh::MSG_DATASPACE, &id)?, ctx.sz)
            }
            SharedRef::Committed(_) => Err(Hdf5Error::new(msg!(en::H5_SPACE_COMMITTED))),
        }
    })
}

/// The value of an attribute as comparable bytes: its strings joined by NUL for a
/// string attribute (vlen strings resolved), else its raw value bytes.
pub fn value_bytes(ctx: &Ctx, raw: &[u8]) -> Result<Vec<u8>> {
    let a = parse(ctx, raw)?;
    match strings(ctx, &a) {
        Ok(parts) => Ok(parts.join(&0u8)),
        Err(_) => Ok(a.data),
    }
}

/// Where the first NUL is: every vlen string is searched whole (a `model_config` is
/// kilobytes), so 32 bytes are tested at a time without branches (vector compares) and
/// only the block that holds one is searched byte by byte.
fn first_nul(v: &[u8]) -> Option<usize> {
    const BLOCK: usize = 32;
    let blocks = v.chunks_exact(BLOCK);
    let rest = blocks.remainder();
    for (i, block) in blocks.enumerate() {
        if block.iter().fold(false, |any, &b| any | (b == 0)) {
            return block.iter().position(|&b| b == 0).map(|p| i * BLOCK + p);
        }
    }
    rest.iter().position(|&b| b == 0).map(|p| v.len() - rest.len() + p)
}

#[cfg(test)]
mod first_nul_tests {
    use super::first_nul;

    #[test]
    fn finds_the_first_nul_anywhere() {
        assert_eq!(first_nul(b""), None);
        for len in [1, 31, 32, 33, 64, 100] {
            let mut v = vec![b'x'; len];
            assert_eq!(first_nul(&v), None, "{len}");
            for at in 0..len {
                v[at] = 0;
                assert_eq!(first_nul(&v), Some(at), "{len} {at}");
                if at + 1 < len {
                    v[len - 1] = 0; // a later NUL does not change the first
                    assert_eq!(first_nul(&v), Some(at), "{len} {at}");
                    v[len - 1] = b'x';
                }
                v[at] = b'x';
            }
        }
    }
}

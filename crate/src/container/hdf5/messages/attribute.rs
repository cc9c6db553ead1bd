//! Attribute message (0x0C), versions 1–3: name, datatype, dataspace and raw value bytes.

use super::dataspace::{self, Dataspace};
use super::datatype::{self, Dtype};
use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term, within};
use crate::msg;

/// `attribute "name"`, the place an attribute's errors are reported at.
fn named(name: &impl std::fmt::Debug) -> crate::messages::Message {
    msg!(en::H5_ATTRIBUTE_NAMED, name = format!("{name:?}"))
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub dtype: Dtype,
    pub space: Dataspace,
    /// Raw value bytes (for vlen types: heap references).
    pub data: Vec<u8>,
}

/// Attribute flag bits of versions 2 and 3 (`H5O_ATTR_FLAG_*`).
const FLAG_TYPE_SHARED: u8 = 0x01;
const FLAG_SPACE_SHARED: u8 = 0x02;

struct Header<'a> {
    version: u8,
    flags: u8,
    name: &'a [u8],
    c: Cursor<'a>,
    dt_size: u64,
    ds_size: u64,
}

fn header(buf: &[u8]) -> Result<Header<'_>> {
    let mut c = Cursor::new(buf, "attribute message");
    let version = c.u8()?;
    if !(1..=3).contains(&version) {
        return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("attribute"), version = version)));
    }
    // Version 1 has a reserved byte here that libhdf5 never looks at.
    let flags = if version == 1 {
        c.skip(1)?;
        0
    } else {
        c.u8()?
    };
    if flags & !(FLAG_TYPE_SHARED | FLAG_SPACE_SHARED) != 0 {
        return Err(Hdf5Error::new(msg!(
            en::H5_UNKNOWN,
            what = term("attribute"),
            kind = term("flags"),
            value = format!("{flags:#x}")
        )));
    }
    let name_size = u64::from(c.u16()?);
    let dt_size = u64::from(c.u16()?);
    let ds_size = u64::from(c.u16()?);
    if version == 3 {
        c.skip(1)?; // name character set
    }
    let raw = c.bytes(name_size)?;
    if version == 1 {
        c.align8()?;
    }
    // The stored size counts the terminating NUL, and libhdf5 keeps `strndup(name,
    // size - 1)`: the last byte is dropped whether or not it is a NUL, and the name ends
    // at the first NUL before it. (A name stored as `model_configX` with size 13 is
    // `model_config` to h5py.)
    let kept =
        raw.len().checked_sub(1).ok_or_else(|| Hdf5Error::new(msg!(en::H5_EMPTY_NAME, what = term("attribute"))))?;
    let raw = raw.get(..kept).unwrap_or_default();
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let name = raw.get(..end).unwrap_or_default();
    Ok(Header { version, flags, name, c, dt_size, ds_size })
}

/// Only the name, as the bytes libhdf5 compares (`strcmp`).
pub fn raw_name(buf: &[u8]) -> Result<Vec<u8>> {
    Ok(header(buf)?.name.to_vec())
}

/// Parses an attribute whose datatype and dataspace are stored in the message.
#[cfg(test)]
pub fn parse(buf: &[u8], sz: Sizes) -> Result<Attribute> {
    let mut no_space = |_: &[u8]| Err(Hdf5Error::new(msg!(en::T_SHARED_DATASPACE)));
    parse_with(buf, sz, &mut |_| Err(Hdf5Error::new(msg!(en::T_SHARED_DATATYPE))), &mut no_space)
}

/// Parses an attribute; a shared datatype (committed, or in the shared message table)
/// or a shared dataspace is handed, as its shared-message bytes, to `shared_dtype` or
/// `shared_space`, which return what it points to.
pub fn parse_with(
    buf: &[u8],
    sz: Sizes,
    shared_dtype: &mut dyn FnMut(&[u8]) -> Result<Dtype>,
    shared_space: &mut dyn FnMut(&[u8]) -> Result<Dataspace>,
) -> Result<Attribute> {
    let Header { version, flags, name, mut c, dt_size, ds_size } = header(buf)?;
    let name = String::from_utf8_lossy(name).into_owned();
    let dt = c.bytes(dt_size)?;
    if version == 1 {
        c.align8()?;
    }
    let ds = c.bytes(ds_size)?;
    if version == 1 {
        c.align8()?;
    }
    let dtype = if flags & FLAG_TYPE_SHARED != 0 { shared_dtype(dt) } else { datatype::parse(dt, sz) }
        .map_err(|e| Hdf5Error::new(within(named(&name), e.0)))?;
    let space = if flags & FLAG_SPACE_SHARED != 0 { shared_space(ds) } else { dataspace::parse(ds, sz) }
        .map_err(|e| Hdf5Error::new(within(named(&name), e.0)))?;
    let count = space
        .count()
        .ok_or_else(|| Hdf5Error::new(within(named(&name), msg!(en::H5_OVERFLOWS, what = term("element count")))))?;
    let len = count
        .checked_mul(dtype.size())
        .ok_or_else(|| Hdf5Error::new(within(named(&name), msg!(en::H5_OVERFLOWS, what = term("value size")))))?;
    // The value lies inside the message, so its size is bounded by the message size.
    let data = c.bytes(len).map_err(|e| Hdf5Error::new(within(named(&name), within(term("value"), e.0))))?.to_vec();
    Ok(Attribute { name, dtype, space, data })
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::container::hdf5::messages::datatype::tests::fixed_str;

    /// A v1 attribute message.
    pub fn v1(name: &str, dt: &[u8], ds: &[u8], data: &[u8]) -> Vec<u8> {
        let pad = |v: &mut Vec<u8>| {
            while v.len() & 7 != 0 {
                v.push(0)
            }
        };
        let mut b = vec![1, 0];
        b.extend_from_slice(&((name.len() + 1) as u16).to_le_bytes());
        b.extend_from_slice(&(dt.len() as u16).to_le_bytes());
        b.extend_from_slice(&(ds.len() as u16).to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        pad(&mut b);
        b.extend_from_slice(dt);
        pad(&mut b);
        b.extend_from_slice(ds);
        pad(&mut b);
        b.extend_from_slice(data);
        b
    }

    pub const SCALAR: [u8; 8] = [1, 0, 0, 0, 0, 0, 0, 0];

    #[test]
    fn v1_fixed_string() {
        let m = v1("backend", &fixed_str(10, 1), &SCALAR, b"tensorflow");
        let a = parse(&m, Sizes::EIGHT).unwrap();
        assert_eq!(a.name, "backend");
        assert_eq!(a.data, b"tensorflow");
        assert_eq!(raw_name(&m).unwrap(), b"backend");
    }

    #[test]
    fn v1_reserved_byte_is_ignored_and_v2_flags_are_checked() {
        let mut m = v1("backend", &fixed_str(10, 1), &SCALAR, b"tensorflow");
        m[1] = 0xff; // libhdf5 never reads it in version 1
        assert_eq!(parse(&m, Sizes::EIGHT).unwrap().data, b"tensorflow");
        let mut v2 = vec![2, 0x04, 2, 0, 8, 0, 8, 0, b'x', 0];
        v2.extend_from_slice(&fixed_str(1, 1));
        v2.extend_from_slice(&SCALAR);
        v2.push(b'y');
        assert!(parse(&v2, Sizes::EIGHT).is_err(), "unknown flag");
        v2[1] = 0;
        assert_eq!(parse(&v2, Sizes::EIGHT).unwrap().data, b"y");
        v2[1] = 1; // shared datatype: handed to the resolver
        let got = parse_with(
            &v2,
            Sizes::EIGHT,
            &mut |b| {
                assert_eq!(b, &fixed_str(1, 1)[..]);
                Ok(Dtype::FixedString { size: 1, pad: 0, utf8: true })
            },
            &mut |_| panic!("dataspace is not shared"),
        )
        .unwrap();
        assert_eq!(got.dtype, Dtype::FixedString { size: 1, pad: 0, utf8: true });
    }

    #[test]
    fn name_drops_its_last_byte_like_libhdf5() {
        let mut m = v1("model_configX", &fixed_str(1, 1), &SCALAR, b"x");
        m[2] = 13; // name size without the NUL: h5py reads "model_config"
        assert_eq!(raw_name(&m).unwrap(), b"model_config");
        m[2] = 0;
        assert!(raw_name(&m).is_err());
    }

    #[test]
    fn value_larger_than_message_is_refused() {
        let m = v1("x", &fixed_str(1000, 1), &SCALAR, b"short");
        assert!(parse(&m, Sizes::EIGHT).is_err());
        // every truncation fails cleanly
        let m = v1("backend", &fixed_str(10, 1), &SCALAR, b"tensorflow");
        for n in 0..m.len() {
            assert!(parse(&m[..n], Sizes::EIGHT).is_err());
        }
    }
}

//! Link message (0x06): one named link of a compact or dense group.

use crate::container::hdf5::cursor::{Cursor, Sizes};
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Hard(u64),
    Soft(String),
    External {
        file: String,
        path: String,
    },
    /// User-defined link types (65–255) and anything else.
    Other(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub target: Target,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn parse(buf: &[u8], sz: Sizes) -> Result<Link> {
    let mut c = Cursor::new(buf, "link message");
    let version = c.u8()?;
    if version != 1 {
        return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("link"), version = version)));
    }
    let flags = c.u8()?;
    let kind = if flags & 0x08 != 0 { c.u8()? } else { 0 };
    if flags & 0x04 != 0 {
        c.skip(8)?; // creation order
    }
    if flags & 0x10 != 0 {
        c.skip(1)?; // name character set
    }
    let name_len = c.uint(1 << (flags & 3))?;
    let name = lossy(c.bytes(name_len)?);
    let target = match kind {
        0 => Target::Hard(c.addr(sz)?.ok_or_else(|| {
            Hdf5Error::new(msg!(
                en::H5_UNDEFINED,
                what = msg!(en::H5_LINK_NAMED, name = format!("{name:?}")),
                field = term("address")
            ))
        })?),
        1 => {
            let n = u64::from(c.u16()?);
            Target::Soft(lossy(c.bytes(n)?))
        }
        64 => {
            let n = u64::from(c.u16()?);
            let v = c.bytes(n)?;
            // version/flags byte, then two NUL-terminated strings
            let rest = v.get(1..).unwrap_or_default();
            let mut parts = rest.split(|&b| b == 0);
            let file = lossy(parts.next().unwrap_or_default());
            let path = lossy(parts.next().unwrap_or_default());
            Target::External { file, path }
        }
        k => Target::Other(k),
    };
    Ok(Link { name, target })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_soft_external() {
        let mut h = vec![1, 0, 3];
        h.extend_from_slice(b"abc");
        h.extend_from_slice(&800u64.to_le_bytes());
        assert_eq!(parse(&h, Sizes::EIGHT).unwrap(), Link { name: "abc".into(), target: Target::Hard(800) });
        let mut s = vec![1, 0x08, 1, 1, b's', 4, 0];
        s.extend_from_slice(b"/a/b");
        assert_eq!(parse(&s, Sizes::EIGHT).unwrap().target, Target::Soft("/a/b".into()));
        let mut e = vec![1, 0x08, 64, 1, b'e', 11, 0, 0];
        e.extend_from_slice(b"f.h5\0/data\0");
        assert_eq!(
            parse(&e, Sizes::EIGHT).unwrap().target,
            Target::External { file: "f.h5".into(), path: "/data".into() }
        );
        assert!(parse(&e[..9], Sizes::EIGHT).is_err());
    }
}

//! Jenkins lookup3 `hashlittle`, the checksum of HDF5 v2 structures (OHDR, OCHK, BTHD, …).

use crate::messages::{en, term};
use crate::msg;

fn rot(x: u32, k: u32) -> u32 {
    x.rotate_left(k)
}

pub fn lookup3(data: &[u8], init: u32) -> u32 {
    let mut a = 0xdead_beef_u32.wrapping_add(data.len() as u32).wrapping_add(init);
    let mut b = a;
    let mut c = a;
    let w = |s: &[u8], i: usize| -> u32 {
        let mut v = [0u8; 4];
        for (j, x) in v.iter_mut().enumerate() {
            *x = s.get(i + j).copied().unwrap_or(0);
        }
        u32::from_le_bytes(v)
    };
    let mut k = data;
    while k.len() > 12 {
        a = a.wrapping_add(w(k, 0));
        b = b.wrapping_add(w(k, 4));
        c = c.wrapping_add(w(k, 8));
        a = a.wrapping_sub(c);
        a ^= rot(c, 4);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= rot(a, 6);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= rot(b, 8);
        b = b.wrapping_add(a);
        a = a.wrapping_sub(c);
        a ^= rot(c, 16);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= rot(a, 19);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= rot(b, 4);
        b = b.wrapping_add(a);
        k = &k[12..];
    }
    if k.is_empty() {
        return c;
    }
    // The tail is read byte by byte in the reference; zero padding is equivalent.
    a = a.wrapping_add(w(k, 0));
    b = b.wrapping_add(w(k, 4));
    c = c.wrapping_add(w(k, 8));
    c ^= b;
    c = c.wrapping_sub(rot(b, 14));
    a ^= c;
    a = a.wrapping_sub(rot(c, 11));
    b ^= a;
    b = b.wrapping_sub(rot(a, 25));
    c ^= b;
    c = c.wrapping_sub(rot(b, 16));
    a ^= c;
    a = a.wrapping_sub(rot(c, 4));
    b ^= a;
    b = b.wrapping_sub(rot(a, 14));
    c ^= b;
    c = c.wrapping_sub(rot(b, 24));
    c
}

/// Checks the 4-byte checksum stored after `data` in `with_sum` (data then sum).
pub fn verify(with_sum: &[u8], what: &str) -> Result<(), super::Hdf5Error> {
    let n = with_sum
        .len()
        .checked_sub(4)
        .ok_or_else(|| super::Hdf5Error::new(msg!(en::H5_NO_ROOM_CHECKSUM, what = term(what))))?;
    let (data, sum) = with_sum.split_at(n);
    let stored = u32::from(sum[0]) | u32::from(sum[1]) << 8 | u32::from(sum[2]) << 16 | u32::from(sum[3]) << 24;
    let computed = lookup3(data, 0);
    if stored != computed {
        return Err(super::Hdf5Error::new(msg!(
            en::H5_CHECKSUM,
            what = term(what),
            stored = format!("{stored:#010x}"),
            computed = format!("{computed:#010x}")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(lookup3(b"", 0), 0xdead_beef);
        assert_eq!(lookup3(b"Four score and seven years ago", 0), 0x1777_0551);
        assert_eq!(lookup3(b"Four score and seven years ago", 1), 0xcd62_8161);
    }

    #[test]
    fn verify_detects_a_flip() {
        let mut v = b"abcdefghijklmnop".to_vec();
        v.extend_from_slice(&lookup3(&v, 0).to_le_bytes());
        assert!(verify(&v, "t").is_ok());
        v[3] ^= 1;
        assert!(verify(&v, "t").is_err());
    }
}

//! Shared datatype messages: an attribute or dataset whose datatype is a committed
//! ("named") datatype, `dtype=f["t"]` in h5py. libhdf5 (`H5O__shared_read`) reads the
//! first datatype message of the object header the shared message points to; h5py and
//! Keras read such attributes like any other, so the scanner must too.

use super::context::Ctx;
use super::messages::datatype::{self, Dtype};
use super::messages::shared::{self, SharedRef};
use super::object_header::{self as oh};
use super::{Hdf5Error, Result};
use crate::messages::{en, within, Message};
use crate::msg;

fn at(addr: u64) -> Message {
    msg!(en::H5_COMMITTED_AT, addr = format!("{addr:#x}"))
}

/// The datatype a shared datatype message (its raw bytes) points to.
pub fn resolve(ctx: &Ctx, shared_msg: &[u8]) -> Result<Dtype> {
    match shared::parse(shared_msg, ctx.sz)? {
        SharedRef::Committed(addr) => {
            if let Some(d) = ctx.committed.borrow().get(&addr) {
                return Ok(d.clone());
            }
            let msgs = oh::read(ctx, addr).map_err(|e| Hdf5Error::new(within(at(addr), e.0)))?;
            let m = msgs
                .iter()
                .find(|m| m.mtype == oh::MSG_DATATYPE)
                .ok_or_else(|| Hdf5Error::new(within(at(addr), msg!(en::H5_NO_DATATYPE))))?;
            // One level only: a committed type whose own datatype is shared again (at
            // worst, itself) would be followed forever; libhdf5 never writes one.
            if m.shared() {
                return Err(Hdf5Error::new(msg!(en::H5_COMMITTED_SHARED, addr = format!("{addr:#x}"))));
            }
            let d = datatype::parse(&m.data, ctx.sz).map_err(|e| Hdf5Error::new(within(at(addr), e.0)))?;
            ctx.committed.borrow_mut().insert(addr, d.clone());
            Ok(d)
        }
        SharedRef::Sohm(id) => datatype::parse(&super::sohm::message(ctx, oh::MSG_DATATYPE, &id)?, ctx.sz),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::hdf5::cursor::Sizes;
    use crate::container::hdf5::messages::datatype::tests::fixed_str;
    use crate::container::hdf5::object_header::tests::v1_header;
    use crate::limits::Limits;

    fn shared_to(addr: u64) -> Vec<u8> {
        let mut b = vec![3, 2];
        b.extend_from_slice(&addr.to_le_bytes());
        b
    }

    #[test]
    fn follows_one_committed_type_and_refuses_self_reference() {
        let mut f = v1_header(&[(oh::MSG_DATATYPE, fixed_str(12, 1))]);
        let second = f.len() as u64;
        // A second header whose datatype message is shared and points at itself.
        let mut h = v1_header(&[(oh::MSG_DATATYPE, shared_to(second))]);
        h[16 + 4] = oh::FLAG_SHARED;
        f.extend_from_slice(&h);
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        assert_eq!(resolve(&ctx, &shared_to(0)).unwrap(), Dtype::FixedString { size: 12, pad: 1, utf8: false });
        let e = resolve(&ctx, &shared_to(second)).unwrap_err();
        assert!(e.0.text.contains("itself a shared message"), "{e}");
        assert!(resolve(&ctx, &shared_to(1 << 40)).is_err());
        let mut sohm = vec![3, 1];
        sohm.extend_from_slice(&[0; 8]);
        // no superblock extension: a shared-table reference cannot resolve
        assert!(resolve(&ctx, &sohm).unwrap_err().0.text.contains("superblock extension"));
    }
}

//! Version 2 B-tree (`BTHD`/`BTIN`/`BTLF`): every record of one tree, depth-first.
//! Node depth strictly decreases, nodes are visited once, records are counted.

use std::collections::HashSet;

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::Cursor;
use crate::container::hdf5::heap::fractal::enc_size;
use crate::container::hdf5::{Hdf5Error, Result};

/// Deepest tree accepted (millions of records fit in depth 4).
const MAX_DEPTH: u16 = 32;
/// signature, version, type, checksum
const PREFIX: u64 = 10;

struct Level {
    max_nrec: u64,
    cum_max_nrec_size: u64,
}

/// Calls `f` with each record of type `rtype` until it returns `Ok(false)`.
pub fn for_each(ctx: &Ctx, addr: u64, rtype: u8, f: &mut dyn FnMut(&[u8]) -> Result<bool>) -> Result<()> {
    ctx.tick("v2 B-tree")?;
    let sz = ctx.sz;
    let o = u64::from(sz.offset);
    let hdr = ctx.read(addr, 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + o + 2 + u64::from(sz.length) + 4, "v2 B-tree header")?;
    ctx.checksum(&hdr, "v2 B-tree header")?;
    let mut c = Cursor::new(&hdr, "v2 B-tree header");
    c.expect_sig(b"BTHD")?;
    let version = c.u8()?;
    if version != 0 {
        return Err(Hdf5Error(format!("v2 B-tree: unsupported version {version}")));
    }
    let t = c.u8()?;
    if t != rtype {
        return Err(Hdf5Error(format!("v2 B-tree: record type {t}, expected {rtype}")));
    }
    let node_size = u64::from(c.u32()?);
    let rec_size = u64::from(c.u16()?);
    let depth = c.u16()?;
    c.skip(2)?;
    let root = c.addr(sz)?;
    let root_nrec = u64::from(c.u16()?);
    let Some(root) = root else { return Ok(()) };
    if depth > MAX_DEPTH || rec_size == 0 || node_size <= PREFIX || node_size > ctx.file_len() {
        return Err(Hdf5Error(format!(
            "v2 B-tree: implausible node size {node_size}, record size {rec_size} or depth {depth}"
        )));
    }
    // Per-depth sizes as libhdf5 computes them (H5B2__hdr_init).
    let leaf_max = (node_size - PREFIX) / rec_size;
    let nrec_size = enc_size(leaf_max);
    let mut levels = vec![Level { max_nrec: leaf_max, cum_max_nrec_size: 0 }];
    let mut cum = leaf_max;
    for d in 1..=u64::from(depth) {
        let ptr = o + nrec_size + if d > 1 { levels[(d - 1) as usize].cum_max_nrec_size } else { 0 };
        let max_nrec = (node_size - PREFIX).saturating_sub(ptr) / (rec_size + ptr);
        cum = max_nrec.saturating_add(1).saturating_mul(cum).saturating_add(max_nrec);
        levels.push(Level { max_nrec, cum_max_nrec_size: enc_size(cum) });
    }
    let mut seen = HashSet::new();
    let mut stack = vec![(root, root_nrec, depth)];
    while let Some((addr, nrec, d)) = stack.pop() {
        if !seen.insert(addr) {
            return Err(Hdf5Error(format!("v2 B-tree: node {addr:#x} reached twice")));
        }
        ctx.tick("v2 B-tree node")?;
        let lvl = levels.get(usize::from(d)).ok_or_else(|| Hdf5Error("v2 B-tree: bad depth".into()))?;
        if nrec > lvl.max_nrec {
            return Err(Hdf5Error(format!("v2 B-tree: node with {nrec} records, at most {} fit", lvl.max_nrec)));
        }
        let buf = ctx.read(addr, node_size, "v2 B-tree node")?;
        let mut c = Cursor::new(&buf, "v2 B-tree node");
        c.expect_sig(if d == 0 { b"BTLF" } else { b"BTIN" })?;
        c.skip(1)?;
        let t = c.u8()?;
        if t != rtype {
            return Err(Hdf5Error(format!("v2 B-tree node: record type {t}, expected {rtype}")));
        }
        for _ in 0..nrec {
            ctx.tick("v2 B-tree record")?;
            if !f(c.bytes(rec_size)?)? {
                return Ok(());
            }
        }
        if d > 0 {
            let child_cum = if d > 1 { levels[usize::from(d - 1)].cum_max_nrec_size } else { 0 };
            let mut kids = Vec::new();
            for _ in 0..=nrec {
                let a = c.addr(sz)?.ok_or_else(|| Hdf5Error("v2 B-tree: undefined child".into()))?;
                let n = c.uint(nrec_size.min(8) as u8)?;
                c.skip(child_cum)?;
                kids.push((a, n, d - 1));
            }
            stack.extend(kids.into_iter().rev());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::hdf5::cursor::Sizes;
    use crate::limits::Limits;

    fn header(root: u64, nrec: u16, depth: u16) -> Vec<u8> {
        let mut b = b"BTHD".to_vec();
        b.extend_from_slice(&[0, 5]);
        b.extend_from_slice(&64u32.to_le_bytes()); // node size
        b.extend_from_slice(&4u16.to_le_bytes()); // record size
        b.extend_from_slice(&depth.to_le_bytes());
        b.extend_from_slice(&[100, 40]);
        b.extend_from_slice(&root.to_le_bytes());
        b.extend_from_slice(&nrec.to_le_bytes());
        b.extend_from_slice(&5u64.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b
    }

    fn node(sig: &[u8; 4], recs: &[u32], kids: &[(u64, u8)]) -> Vec<u8> {
        let mut b = sig.to_vec();
        b.extend_from_slice(&[0, 5]);
        for r in recs {
            b.extend_from_slice(&r.to_le_bytes());
        }
        for (a, n) in kids {
            b.extend_from_slice(&a.to_le_bytes());
            b.push(*n); // leaf max 13 records -> 1-byte counts
        }
        b.resize(64, 0);
        b
    }

    fn file(parts: &[(usize, Vec<u8>)]) -> Vec<u8> {
        let mut f = vec![0u8; 512];
        for (at, p) in parts {
            f[*at..*at + p.len()].copy_from_slice(p);
        }
        f
    }

    fn all(f: &[u8]) -> Result<Vec<u32>> {
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let mut v = Vec::new();
        for_each(&ctx, 0, 5, &mut |r| {
            v.push(u32::from_le_bytes([r[0], r[1], r[2], r[3]]));
            Ok(true)
        })?;
        v.sort();
        Ok(v)
    }

    #[test]
    fn internal_node_and_leaves() {
        let f = file(&[
            (0, header(100, 1, 1)),
            (100, node(b"BTIN", &[3], &[(200, 2), (300, 2)])),
            (200, node(b"BTLF", &[1, 2], &[])),
            (300, node(b"BTLF", &[4, 5], &[])),
        ]);
        assert_eq!(all(&f).unwrap(), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn cycles_wrong_kinds_and_overfull_nodes_fail() {
        // child points back at the internal node (which is not a leaf)
        let f = file(&[(0, header(100, 1, 1)), (100, node(b"BTIN", &[3], &[(100, 2), (300, 2)]))]);
        assert!(all(&f).is_err());
        // more records than a node can hold
        let f = file(&[(0, header(100, 200, 0)), (100, node(b"BTLF", &[1], &[]))]);
        assert!(all(&f).is_err());
        // depth beyond the cap
        let f = file(&[(0, header(100, 1, 999))]);
        assert!(all(&f).is_err());
    }
}

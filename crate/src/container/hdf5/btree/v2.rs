//! Version 2 B-tree (`BTHD`/`BTIN`/`BTLF`): every record of one tree, depth-first.
//! Node depth strictly decreases, nodes are visited once, records are counted.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::Cursor;
use crate::container::hdf5::heap::fractal::enc_size;
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// Deepest tree accepted (millions of records fit in depth 4).
const MAX_DEPTH: u16 = 32;
/// signature, version, type, checksum
const PREFIX: u64 = 10;

struct Level {
    max_nrec: u64,
    cum_max_nrec_size: u64,
}

/// A v2 B-tree header, with the per-depth sizes needed to decode its nodes.
struct Tree {
    rtype: u8,
    node_size: u64,
    rec_size: u64,
    depth: u16,
    /// Root node (address, records); `None` for an empty tree.
    root: Option<(u64, u64)>,
    nrec_size: u64,
    levels: Vec<Level>,
}

/// One decoded node: its records and, for internal nodes, its children
/// (address, records, depth).
struct Node {
    records: Vec<Vec<u8>>,
    children: Vec<(u64, u64, u16)>,
}

impl Tree {
    fn open(ctx: &Ctx, addr: u64, rtype: u8) -> Result<Tree> {
        ctx.tick("v2 B-tree")?;
        let sz = ctx.sz;
        let o = u64::from(sz.offset);
        let hdr =
            ctx.read(addr, 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + o + 2 + u64::from(sz.length) + 4, "v2 B-tree header")?;
        ctx.checksum(&hdr, "v2 B-tree header")?;
        let mut c = Cursor::new(&hdr, "v2 B-tree header");
        c.expect_sig(b"BTHD")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(Hdf5Error::new(msg!(en::H5_VERSION, what = term("v2 B-tree"), version = version)));
        }
        let t = c.u8()?;
        if t != rtype {
            return Err(Hdf5Error::new(msg!(
                en::H5_RECORD_TYPE,
                what = term("v2 B-tree"),
                found = t,
                expected = rtype
            )));
        }
        let node_size = u64::from(c.u32()?);
        let rec_size = u64::from(c.u16()?);
        let depth = c.u16()?;
        c.skip(2)?;
        let root = c.addr(sz)?;
        let root_nrec = u64::from(c.u16()?);
        if depth > MAX_DEPTH || rec_size == 0 || node_size <= PREFIX || node_size > ctx.file_len() {
            return Err(Hdf5Error::new(msg!(
                en::H5_BTREE_IMPLAUSIBLE,
                node_size = node_size,
                record_size = rec_size,
                depth = u64::from(depth)
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
        let root = root.map(|a| (a, root_nrec));
        Ok(Tree { rtype, node_size, rec_size, depth, root, nrec_size, levels })
    }

    fn node(&self, ctx: &Ctx, addr: u64, nrec: u64, d: u16) -> Result<Node> {
        ctx.tick("v2 B-tree node")?;
        let lvl = self.levels.get(usize::from(d)).ok_or_else(|| Hdf5Error::new(msg!(en::H5_BTREE_BAD_DEPTH)))?;
        if nrec > lvl.max_nrec {
            return Err(Hdf5Error::new(msg!(en::H5_BTREE_NODE_FULL, count = nrec, max = lvl.max_nrec)));
        }
        let buf = ctx.read(addr, self.node_size, "v2 B-tree node")?;
        let mut c = Cursor::new(&buf, "v2 B-tree node");
        c.expect_sig(if d == 0 { b"BTLF" } else { b"BTIN" })?;
        c.skip(1)?;
        let t = c.u8()?;
        if t != self.rtype {
            return Err(Hdf5Error::new(msg!(
                en::H5_RECORD_TYPE,
                what = term("v2 B-tree node"),
                found = t,
                expected = self.rtype
            )));
        }
        let mut records = Vec::new();
        for _ in 0..nrec {
            ctx.tick("v2 B-tree record")?;
            records.push(c.bytes(self.rec_size)?.to_vec());
        }
        let mut children = Vec::new();
        if d > 0 {
            let child_cum = if d > 1 { self.levels[usize::from(d - 1)].cum_max_nrec_size } else { 0 };
            for _ in 0..=nrec {
                let a = c.addr(ctx.sz)?.ok_or_else(|| {
                    Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("v2 B-tree"), field = term("child")))
                })?;
                let n = c.uint(self.nrec_size.min(8) as u8)?;
                c.skip(child_cum)?;
                children.push((a, n, d - 1));
            }
        }
        Ok(Node { records, children })
    }
}

/// Calls `f` with each record of type `rtype` until it returns `Ok(false)`.
pub fn for_each(ctx: &Ctx, addr: u64, rtype: u8, f: &mut dyn FnMut(&[u8]) -> Result<bool>) -> Result<()> {
    let tree = Tree::open(ctx, addr, rtype)?;
    let Some((root, root_nrec)) = tree.root else { return Ok(()) };
    let mut seen = HashSet::new();
    let mut stack = vec![(root, root_nrec, tree.depth)];
    while let Some((addr, nrec, d)) = stack.pop() {
        if !seen.insert(addr) {
            return Err(Hdf5Error::new(msg!(en::H5_NODE_TWICE, what = term("v2 B-tree"), addr = format!("{addr:#x}"))));
        }
        let node = tree.node(ctx, addr, nrec, d)?;
        for r in &node.records {
            if !f(r)? {
                return Ok(());
            }
        }
        stack.extend(node.children.into_iter().rev());
    }
    Ok(())
}

/// A whole tree in memory (each node read once), for repeated lookups by key.
pub struct Loaded {
    root: Option<(u64, u64)>,
    nodes: HashMap<u64, Node>,
    /// Every record, depth-first in key order as stored.
    pub records: Vec<Vec<u8>>,
}

pub fn load(ctx: &Ctx, addr: u64, rtype: u8) -> Result<Loaded> {
    let tree = Tree::open(ctx, addr, rtype)?;
    let mut out = Loaded { root: tree.root, nodes: HashMap::new(), records: Vec::new() };
    let Some((root, root_nrec)) = tree.root else { return Ok(out) };
    let mut stack = vec![(root, root_nrec, tree.depth)];
    while let Some((addr, nrec, d)) = stack.pop() {
        if out.nodes.contains_key(&addr) {
            return Err(Hdf5Error::new(msg!(en::H5_NODE_TWICE, what = term("v2 B-tree"), addr = format!("{addr:#x}"))));
        }
        let node = tree.node(ctx, addr, nrec, d)?;
        out.records.extend(node.records.iter().cloned());
        stack.extend(node.children.iter().rev().copied());
        out.nodes.insert(addr, node);
    }
    Ok(out)
}

impl Loaded {
    /// The record libhdf5's `H5B2_find` returns for a key: from the root down, a binary
    /// search of each node (`H5B2__locate_record`) with `cmp(record)` = key compared to
    /// the record; an equal record in an internal node is returned without descending.
    /// With duplicate or mis-ordered records this returns the one libhdf5 would, and
    /// `None` where libhdf5 says "not found" although a matching record exists.
    pub fn find(&self, cmp: &mut dyn FnMut(&[u8]) -> Result<Ordering>) -> Result<Option<&[u8]>> {
        let Some((mut at, nrec)) = self.root else { return Ok(None) };
        if nrec == 0 {
            return Ok(None);
        }
        // Children are one level down (checked when loading), so this ends.
        loop {
            let node = self.nodes.get(&at).ok_or_else(|| Hdf5Error::new(msg!(en::H5_BTREE_NOT_LOADED)))?;
            let (mut lo, mut hi, mut idx) = (0usize, node.records.len(), 0usize);
            let mut order = Ordering::Less;
            while lo < hi && order != Ordering::Equal {
                idx = (lo + hi) / 2;
                order = cmp(&node.records[idx])?;
                if order == Ordering::Less {
                    hi = idx;
                } else {
                    lo = idx + 1;
                }
            }
            if order == Ordering::Equal {
                return Ok(Some(&node.records[idx]));
            }
            if node.children.is_empty() {
                return Ok(None);
            }
            if order == Ordering::Greater {
                idx += 1;
            }
            at = node.children.get(idx).ok_or_else(|| Hdf5Error::new(msg!(en::H5_BTREE_CHILD_RANGE)))?.0;
        }
    }
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

    fn lookup(f: &[u8], key: u32) -> Option<u32> {
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let t = load(&ctx, 0, 5).unwrap();
        let rec = |r: &[u8]| u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
        t.find(&mut |r| Ok(key.cmp(&rec(r)))).unwrap().map(rec)
    }

    #[test]
    fn find_searches_like_libhdf5() {
        let f = file(&[
            (0, header(100, 1, 1)),
            (100, node(b"BTIN", &[3], &[(200, 2), (300, 3)])),
            (200, node(b"BTLF", &[1, 2], &[])),
            // out of order: 5 is stored but a binary search for it never reaches it
            (300, node(b"BTLF", &[4, 9, 5], &[])),
        ]);
        assert_eq!(lookup(&f, 3), Some(3), "found in the internal node");
        assert_eq!(lookup(&f, 2), Some(2));
        assert_eq!(lookup(&f, 9), Some(9));
        assert_eq!(lookup(&f, 5), None, "listed, yet not found by key");
        assert_eq!(lookup(&f, 6), None);
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        assert_eq!(load(&ctx, 0, 5).unwrap().records.len(), 6);
    }

    #[test]
    fn cycles_wrong_kinds_and_overfull_nodes_fail() {
        // child points back at the internal node (which is not a leaf)
        let f = file(&[(0, header(100, 1, 1)), (100, node(b"BTIN", &[3], &[(100, 2), (300, 2)]))]);
        assert!(all(&f).is_err());
        let limits = Limits::default();
        assert!(load(&Ctx::new(&f, 0, Sizes::EIGHT, &limits), 0, 5).is_err());
        // more records than a node can hold
        let f = file(&[(0, header(100, 200, 0)), (100, node(b"BTLF", &[1], &[]))]);
        assert!(all(&f).is_err());
        // depth beyond the cap
        let f = file(&[(0, header(100, 1, 999))]);
        assert!(all(&f).is_err());
    }
}

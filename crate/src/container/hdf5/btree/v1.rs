//! Version 1 B-tree (`TREE`) of a symbol-table group: its leaves point at `SNOD` nodes.
//! Levels must strictly decrease towards the leaves and no node is visited twice.

use std::collections::HashSet;

use crate::container::hdf5::context::Ctx;
use crate::container::hdf5::cursor::Cursor;
use crate::container::hdf5::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

/// Addresses of the symbol table nodes of the group B-tree rooted at `root`, in key order.
pub fn group_nodes(ctx: &Ctx, root: u64) -> Result<Vec<u64>> {
    let sz = ctx.sz;
    let (o, l) = (u64::from(sz.offset), u64::from(sz.length));
    let mut out = Vec::new();
    // Nodes met so far besides the root (most groups are one leaf: no set at all).
    let mut seen = HashSet::new();
    // (node address, level it must have; None for the root)
    let mut stack: Vec<(u64, Option<u8>)> = vec![(root, None)];
    while let Some((addr, want)) = stack.pop() {
        if want.is_some() && (addr == root || !seen.insert(addr)) {
            return Err(Hdf5Error::new(msg!(
                en::H5_NODE_TWICE,
                what = term("group B-tree"),
                addr = format!("{addr:#x}")
            )));
        }
        ctx.tick("group B-tree node")?;
        let head = ctx.read(addr, 8 + 2 * o, "group B-tree node")?;
        let mut c = Cursor::new(&head, "group B-tree node");
        c.expect_sig(b"TREE")?;
        let kind = c.u8()?;
        if kind != 0 {
            return Err(Hdf5Error::new(msg!(
                en::H5_NODE_TYPE,
                what = term("group B-tree"),
                found = kind,
                expected = 0u8
            )));
        }
        let level = c.u8()?;
        if want.is_some_and(|w| w != level) {
            return Err(Hdf5Error::new(msg!(
                en::H5_NODE_LEVEL,
                what = term("group B-tree"),
                found = level,
                expected = want.unwrap_or(0)
            )));
        }
        let used = u64::from(c.u16()?);
        let body_len = used
            .checked_mul(o + l)
            .and_then(|x| x.checked_add(l))
            .ok_or_else(|| Hdf5Error::new(msg!(en::H5_SIZE_OVERFLOW, what = term("group B-tree"))))?;
        let at = addr
            .checked_add(8 + 2 * o)
            .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOWS, what = term("group B-tree address"))))?;
        let body = ctx.read(at, body_len, "group B-tree entries")?;
        let mut c = Cursor::new(&body, "group B-tree entries");
        c.skip(l)?; // key 0
        let mut children = Vec::new();
        for _ in 0..used {
            let child = c.addr(sz)?.ok_or_else(|| {
                Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("group B-tree"), field = term("child")))
            })?;
            c.skip(l)?;
            children.push(child);
        }
        if level == 0 {
            out.extend(children);
        } else {
            // Reverse so the stack pops children in key order.
            for ch in children.into_iter().rev() {
                stack.push((ch, Some(level - 1)));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::hdf5::cursor::Sizes;
    use crate::limits::Limits;

    fn node(level: u8, children: &[u64]) -> Vec<u8> {
        let mut b = b"TREE".to_vec();
        b.extend_from_slice(&[0, level]);
        b.extend_from_slice(&(children.len() as u16).to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        b.extend_from_slice(&0u64.to_le_bytes());
        for c in children {
            b.extend_from_slice(&c.to_le_bytes());
            b.extend_from_slice(&0u64.to_le_bytes());
        }
        b
    }

    fn file(nodes: &[(u64, Vec<u8>)]) -> Vec<u8> {
        let mut f = vec![0u8; 1024];
        for (at, n) in nodes {
            f[*at as usize..*at as usize + n.len()].copy_from_slice(n);
        }
        f
    }

    #[test]
    fn two_levels_in_order() {
        let f = file(&[(0, node(1, &[200, 400])), (200, node(0, &[10, 11])), (400, node(0, &[12]))]);
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        assert_eq!(group_nodes(&ctx, 0).unwrap(), vec![10, 11, 12]);
    }

    #[test]
    fn cycles_and_level_violations_fail() {
        let limits = Limits::default();
        // child points back at the root
        let f = file(&[(0, node(1, &[0]))]);
        assert!(group_nodes(&Ctx::new(&f, 0, Sizes::EIGHT, &limits), 0).is_err());
        // child at the same level
        let f = file(&[(0, node(1, &[200])), (200, node(1, &[10]))]);
        assert!(group_nodes(&Ctx::new(&f, 0, Sizes::EIGHT, &limits), 0).is_err());
        // more entries than the file holds
        let mut n = node(0, &[1]);
        n[6] = 0xff;
        n[7] = 0xff;
        let f = file(&[(0, n)]);
        assert!(group_nodes(&Ctx::new(&f, 0, Sizes::EIGHT, &limits), 0).is_err());
    }
}

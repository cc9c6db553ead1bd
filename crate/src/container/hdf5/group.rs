//! Members of a group, whichever way it stores them: symbol table (v1 B-tree + local
//! heap), compact link messages, or dense links (fractal heap + v2 B-tree). One bad
//! member is an error for that member, not for the whole group.

use super::btree::{v1, v2};
use super::context::Ctx;
use super::cursor::Cursor;
use super::heap::fractal::FractalHeap;
use super::heap::local::LocalHeap;
use super::messages::link::{Link, Target};
use super::messages::{info, link};
use super::object_header::{self as oh, Message};
use super::{Hdf5Error, Result};
use crate::messages::{en, term, within, Message as Msg};
use crate::msg;

/// Group members and the errors met while listing them.
#[derive(Debug, Default)]
pub struct Members {
    /// The links h5py lists, in storage order.
    pub links: Vec<Link>,
    /// Links in storage libhdf5 does not consult for this group (see `h5py_view`), and
    /// second links of a name already listed.
    pub hidden: Vec<(Link, &'static str)>,
    pub errors: Vec<Msg>,
}

pub fn is_group(msgs: &[Message]) -> bool {
    msgs.iter().any(|m| matches!(m.mtype, oh::MSG_SYMBOL_TABLE | oh::MSG_LINK | oh::MSG_LINK_INFO))
}

/// Lists the members with libhdf5's precedence (`H5G__obj_iterate`): the first link
/// info message decides (dense storage if it names a fractal heap, else the link
/// messages); without one, the symbol table. `hint` is the superblock's cached
/// (B-tree, heap) for the root, used when the root header has no group message at all.
pub fn members(ctx: &Ctx, msgs: &[Message], hint: Option<(u64, u64)>) -> Members {
    let mut out = Members::default();
    let mut symtab = None;
    let mut compact = Members::default();
    let mut linfo = None;
    for m in msgs {
        match m.mtype {
            oh::MSG_SYMBOL_TABLE if symtab.is_none() => match oh::symbol_table(m, ctx.sz) {
                Ok(s) => symtab = Some(s),
                Err(e) => out.errors.push(*e.0),
            },
            oh::MSG_LINK => match link::parse(&m.data, ctx.sz) {
                Ok(l) => compact.links.push(l),
                Err(e) => out.errors.push(*e.0),
            },
            oh::MSG_LINK_INFO if linfo.is_none() => match info::link_info(&m.data, ctx.sz) {
                Ok(i) => linfo = Some(i),
                Err(e) => out.errors.push(*e.0),
            },
            _ => {}
        }
    }
    let symtab = symtab.or(if is_group(msgs) { None } else { hint });
    let mut shadowed = Members::default();
    match linfo {
        Some(info::DenseInfo { heap: Some(h), name_index }) => {
            match name_index {
                Some(b) => dense(ctx, h, b, &mut out),
                None => out.errors.push(msg!(en::H5_DENSE_LINKS_NO_INDEX)),
            }
            shadowed.links.append(&mut compact.links);
        }
        Some(_) => out.links.append(&mut compact.links),
        None => {
            if symtab.is_none() && !compact.links.is_empty() {
                out.errors.push(msg!(en::H5_LINKS_NO_INFO));
            }
            shadowed.links.append(&mut compact.links)
        }
    }
    if let Some((btree, heap)) = symtab {
        let target = if linfo.is_none() { &mut out } else { &mut shadowed };
        if let Err(e) = symbol_table(ctx, btree, heap, target) {
            out.errors.push(*e.0);
        }
    }
    out.errors.append(&mut shadowed.errors);
    out.hidden
        .extend(shadowed.links.into_iter().map(|l| (l, "in link storage libhdf5 does not consult for this group")));
    // A second link of a name: lookups by name reach only one of them. A few links (most
    // groups hold one to three) are compared pairwise, without hashing; more go through a
    // set, so a group of many links stays linear.
    let links = &out.links;
    let dups: Vec<usize> = if links.len() <= PAIRWISE_DUP_CHECK {
        (0..links.len()).filter(|&i| links[..i].iter().any(|l| l.name == links[i].name)).collect()
    } else {
        let mut names = std::collections::HashSet::new();
        (0..links.len()).filter(|&i| !names.insert(links[i].name.as_str())).collect()
    };
    for i in dups {
        out.hidden.push((out.links[i].clone(), "second link of the same name"));
    }
    out
}

/// Most links whose names are compared pairwise for duplicates (at most 28 comparisons).
const PAIRWISE_DUP_CHECK: usize = 8;

fn symbol_table(ctx: &Ctx, btree: u64, heap: u64, out: &mut Members) -> Result<()> {
    let heap = LocalHeap::read(ctx, heap)?;
    let sz = ctx.sz;
    let o = u64::from(sz.offset);
    let entry = 2 * o + 24;
    for node in v1::group_nodes(ctx, btree)? {
        ctx.tick("symbol table node")?;
        let head = ctx.read(node, 8, "symbol table node")?;
        let mut c = Cursor::new(&head, "symbol table node");
        c.expect_sig(b"SNOD")?;
        c.skip(2)?;
        let n = u64::from(c.u16()?);
        let at = node
            .checked_add(8)
            .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOWS, what = term("symbol table node address"))))?;
        let body = ctx.read(at, n * entry, "symbol table entries")?;
        let mut c = Cursor::new(&body, "symbol table entries");
        for _ in 0..n {
            ctx.tick("symbol table entry")?;
            let name_off = c.uint(sz.offset)?;
            let addr = c.addr(sz)?;
            let cache = c.u32()?;
            c.skip(4)?;
            let scratch = c.bytes(16)?;
            let name = match heap.name_charged(ctx, name_off) {
                Ok(n) => n,
                Err(e) if e.0.text.contains("budget") => return Err(e),
                Err(e) => {
                    out.errors.push(*e.0);
                    continue;
                }
            };
            let target = if cache == 2 {
                // Soft link: the scratch pad holds the heap offset of the link value.
                let off = super::cursor::le(scratch.get(..4).unwrap_or_default());
                Target::Soft(heap.name_charged(ctx, off).unwrap_or_else(|e| format!("<unreadable: {}>", e.0.text)))
            } else {
                match addr {
                    Some(a) => Target::Hard(a),
                    None => {
                        out.errors.push(msg!(en::H5_MEMBER_UNDEFINED, name = format!("{name:?}")));
                        continue;
                    }
                }
            };
            out.links.push(Link { name, target });
        }
    }
    Ok(())
}

fn dense(ctx: &Ctx, heap: u64, name_index: u64, out: &mut Members) {
    let heap = match FractalHeap::open(ctx, heap) {
        Ok(h) => h,
        Err(e) => return out.errors.push(within(term("dense links"), e.0)),
    };
    let max = ctx.limits.max_hdf5_attribute_bytes;
    let r = v2::for_each(ctx, name_index, 5, &mut |rec| {
        // name hash (4), heap ID
        let id = rec.get(4..).unwrap_or_default();
        match heap.get(ctx, id, max).and_then(|b| link::parse(&b, ctx.sz)) {
            Ok(l) => out.links.push(l),
            Err(e) => out.errors.push(within(term("dense link"), e.0)),
        }
        Ok(true)
    });
    if let Err(e) = r {
        out.errors.push(within(term("dense links"), e.0));
    }
}

/// Resolves `path` (`/a/b`) from the root through hard links only.
pub fn resolve(ctx: &Ctx, root: u64, hint: Option<(u64, u64)>, path: &str) -> Result<u64> {
    let mut addr = root;
    let mut first = true;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let msgs = oh::read(ctx, addr)?;
        let m = members(ctx, &msgs, if first { hint } else { None });
        first = false;
        let l = m
            .links
            .into_iter()
            .find(|l| l.name == part)
            .ok_or_else(|| Hdf5Error::new(msg!(en::H5_NOT_FOUND, name = format!("{part:?}"))))?;
        match l.target {
            Target::Hard(a) => addr = a,
            _ => return Err(Hdf5Error::new(msg!(en::H5_NOT_HARD_LINK, name = format!("{part:?}")))),
        }
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::hdf5::cursor::Sizes;
    use crate::limits::Limits;

    /// A symbol-table group: local heap at 0 (names at 64), B-tree at `bt`, one SNOD.
    fn file(names: &[u8], entries: &[(u64, u64)]) -> (Vec<u8>, Vec<Message>) {
        let bt = 64 + names.len() as u64 + 64;
        let snod = bt + 64;
        let mut f = b"HEAP\0\0\0\0".to_vec();
        f.extend_from_slice(&(names.len() as u64).to_le_bytes());
        f.extend_from_slice(&u64::MAX.to_le_bytes());
        f.extend_from_slice(&64u64.to_le_bytes());
        f.resize(64, 0);
        f.extend_from_slice(names);
        f.resize(bt as usize, 0);
        f.extend_from_slice(b"TREE\0\0\x01\0");
        f.extend_from_slice(&[0xff; 16]);
        f.extend_from_slice(&0u64.to_le_bytes());
        f.extend_from_slice(&snod.to_le_bytes());
        f.extend_from_slice(&0u64.to_le_bytes());
        f.resize(snod as usize, 0);
        f.extend_from_slice(b"SNOD\x01\0");
        f.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (name, addr) in entries {
            f.extend_from_slice(&name.to_le_bytes());
            f.extend_from_slice(&addr.to_le_bytes());
            f.extend_from_slice(&[0; 24]);
        }
        let mut st = bt.to_le_bytes().to_vec();
        st.extend_from_slice(&0u64.to_le_bytes());
        (f, vec![Message { mtype: oh::MSG_SYMBOL_TABLE, flags: 0, data: st.into() }])
    }

    #[test]
    fn lists_a_symbol_table_group() {
        let (f, msgs) = file(b"\0kernel:0\0bias:0\0", &[(1, 800), (10, 900), (99, 1000)]);
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let m = members(&ctx, &msgs, None);
        let names: Vec<_> = m.links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["kernel:0", "bias:0"]);
        assert_eq!(m.errors.len(), 1, "bad name offset is an error for that member only");
    }

    #[test]
    fn many_entries_pointing_at_an_unterminated_name_cost_what_they_scan() {
        // 60 KB without a NUL: every entry fails, but each scan is charged.
        let mut names = vec![0u8];
        names.extend_from_slice(&[b'A'; 60_000]);
        let entries = vec![(1u64, 800u64); 2000];
        let (f, msgs) = file(&names, &entries);
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let m = members(&ctx, &msgs, None);
        assert!(m.links.is_empty());
        assert!(m.errors.len() < 200, "{} entries scanned", m.errors.len());
        assert!(m.errors.iter().any(|e| e.text.contains("budget")), "{:?}", m.errors.last());
    }

    #[test]
    fn many_entries_sharing_one_long_name_hit_the_budget() {
        let mut names = vec![0u8];
        names.extend_from_slice(&[b'A'; 60_000]);
        names.push(0);
        let entries = vec![(1u64, 800u64); 2000];
        let (f, msgs) = file(&names, &entries);
        let limits = Limits::default();
        let ctx = Ctx::new(&f, 0, Sizes::EIGHT, &limits);
        let m = members(&ctx, &msgs, None);
        // 2000 x 60 KB of copies would be 120 MB; the budget is 4 x file + 1 MiB.
        assert!(m.links.len() < 200, "{}", m.links.len());
        assert!(m.errors.iter().any(|e| e.text.contains("budget")), "{:?}", m.errors);
    }
}

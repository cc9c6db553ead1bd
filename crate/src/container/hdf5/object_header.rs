//! Object headers v1 and v2: the list of raw messages, following continuation chunks
//! with a visited set and a chunk budget.

use std::collections::{HashSet, VecDeque};
use std::rc::Rc;

use super::context::Ctx;
use super::cursor::{Cursor, Sizes};
use super::{Hdf5Error, Result};
use crate::messages::{en, term};
use crate::msg;

pub const MSG_NIL: u16 = 0x00;
pub const MSG_DATASPACE: u16 = 0x01;
pub const MSG_LINK_INFO: u16 = 0x02;
pub const MSG_DATATYPE: u16 = 0x03;
pub const MSG_LINK: u16 = 0x06;
pub const MSG_EXTERNAL_FILES: u16 = 0x07;
pub const MSG_LAYOUT: u16 = 0x08;
pub const MSG_ATTRIBUTE: u16 = 0x0C;
pub const MSG_CONTINUATION: u16 = 0x10;
pub const MSG_SYMBOL_TABLE: u16 = 0x11;
pub const MSG_ATTRIBUTE_INFO: u16 = 0x15;
/// Highest message type the format defines; above it a message is unknown.
const MSG_MAX_KNOWN: u16 = 0x18;

/// Message flag bit 1: the data is a reference to a shared message elsewhere.
pub const FLAG_SHARED: u8 = 0x02;
/// Message flag bit 7: readers that do not understand the type must fail.
const FLAG_FAIL_IF_UNKNOWN: u8 = 0x80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub mtype: u16,
    pub flags: u8,
    pub data: MessageData,
}

/// A message's bytes: its range of the object header chunk, which the messages of one
/// chunk share (one allocation per chunk, not one per message). Reads as a `&[u8]`.
#[derive(Clone)]
pub struct MessageData {
    chunk: Rc<[u8]>,
    start: usize,
    end: usize,
}

impl MessageData {
    fn new(chunk: &Rc<[u8]>, range: std::ops::Range<usize>) -> MessageData {
        MessageData { chunk: Rc::clone(chunk), start: range.start, end: range.end }
    }
}

impl std::ops::Deref for MessageData {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.chunk[self.start..self.end]
    }
}

impl From<Vec<u8>> for MessageData {
    fn from(v: Vec<u8>) -> MessageData {
        let end = v.len();
        MessageData { chunk: v.into(), start: 0, end }
    }
}

impl PartialEq for MessageData {
    fn eq(&self, other: &MessageData) -> bool {
        **self == **other
    }
}

impl Eq for MessageData {}

impl std::fmt::Debug for MessageData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl Message {
    pub fn shared(&self) -> bool {
        self.flags & FLAG_SHARED != 0
    }
}

/// An object header: its version (libhdf5 consults the attribute info message only in
/// version 2) and its messages in libhdf5's order (chunk by chunk, continuation chunks
/// in the order their continuation messages were met).
#[derive(Debug, Clone)]
pub struct Header {
    pub version: u8,
    pub messages: Vec<Message>,
}

/// Reads all messages of the object header at `addr`.
pub fn read(ctx: &Ctx, addr: u64) -> Result<Vec<Message>> {
    read_header(ctx, addr).map(|h| h.messages)
}

pub fn read_header(ctx: &Ctx, addr: u64) -> Result<Header> {
    ctx.tick("object header")?;
    let head = ctx.read_upto(addr, 4, "object header")?;
    if *head == *b"OHDR" {
        Ok(Header { version: 2, messages: read_v2(ctx, addr)? })
    } else {
        Ok(Header { version: 1, messages: read_v1(ctx, addr)? })
    }
}

struct Chunks<'c, 'a> {
    ctx: &'c Ctx<'a>,
    /// Chunk addresses visited: the first few inline (a header rarely has more), the
    /// rest hashed.
    seen_few: [u64; 8],
    few: usize,
    seen_more: HashSet<u64>,
    /// The chunk to read first (v1: the one after the prefix), before `queue`.
    first: Option<(u64, u64)>,
    /// First in, first out: libhdf5 (`H5O_protect`) loads chunks in discovery order.
    queue: VecDeque<(u64, u64)>,
    count: u64,
}

impl<'c, 'a> Chunks<'c, 'a> {
    /// The chunks of the header at `addr` (which counts as visited).
    fn new(ctx: &'c Ctx<'a>, addr: u64, first: Option<(u64, u64)>) -> Self {
        let mut seen_few = [0; 8];
        seen_few[0] = addr;
        Chunks { ctx, seen_few, few: 1, seen_more: HashSet::new(), first, queue: VecDeque::new(), count: 0 }
    }

    /// Marks `a` visited; false if it already was.
    fn visit(&mut self, a: u64) -> bool {
        if self.seen_few[..self.few].contains(&a) {
            return false;
        }
        if self.few < self.seen_few.len() {
            self.seen_few[self.few] = a;
            self.few += 1;
            return true;
        }
        self.seen_more.insert(a)
    }

    fn push(&mut self, m: &[u8]) -> Result<()> {
        let mut c = Cursor::new(m, "continuation message");
        let sz = self.ctx.sz;
        let a = c.addr(sz)?.ok_or_else(|| Hdf5Error::new(msg!(en::H5_CONT_UNDEFINED)))?;
        let len = c.length(sz)?;
        self.queue.push_back((a, len));
        Ok(())
    }

    /// Next chunk to read, refusing cycles and runaway chains.
    fn next(&mut self) -> Result<Option<(u64, u64)>> {
        let Some((a, len)) = self.first.take().or_else(|| self.queue.pop_front()) else { return Ok(None) };
        if !self.visit(a) {
            return Err(Hdf5Error::new(msg!(en::H5_CONT_CYCLE, addr = format!("{a:#x}"))));
        }
        self.count += 1;
        if self.count > self.ctx.limits.max_hdf5_header_chunks {
            return Err(Hdf5Error::new(msg!(en::H5_CONT_TOO_MANY)));
        }
        self.ctx.tick("object header chunk")?;
        Ok(Some((a, len)))
    }
}

fn check_known(mtype: u16, flags: u8) -> Result<()> {
    if mtype > MSG_MAX_KNOWN && flags & FLAG_FAIL_IF_UNKNOWN != 0 {
        return Err(Hdf5Error::new(msg!(en::H5_MUST_UNDERSTAND, type = format!("{mtype:#x}"))));
    }
    Ok(())
}

/// Messages of a typical dataset header (dataspace, datatype, fill value, layout, time,
/// attributes): room for them up front instead of growing the list twice.
const MESSAGES_EXPECTED: usize = 12;

fn read_v1(ctx: &Ctx, addr: u64) -> Result<Vec<Message>> {
    let prefix = ctx.read(addr, 16, "object header v1")?;
    let mut c = Cursor::new(&prefix, "object header v1");
    let version = c.u8()?;
    if version != 1 {
        return Err(Hdf5Error::new(msg!(
            en::H5_VERSION,
            what = msg!(en::H5_OBJECT_HEADER_AT, addr = format!("{addr:#x}")),
            version = version
        )));
    }
    c.skip(1 + 2 + 4)?; // reserved, message count (not trusted), reference count
    let size = u64::from(c.u32()?);
    let first = addr
        .checked_add(16)
        .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOW, what = term("object header address"))))?;
    let mut chunks = Chunks::new(ctx, addr, Some((first, size)));
    let mut out = Vec::with_capacity(MESSAGES_EXPECTED);
    while let Some((a, len)) = chunks.next()? {
        let buf: Rc<[u8]> = ctx.read(a, len, "object header v1 chunk")?.into();
        let mut c = Cursor::new(&buf, "object header v1 chunk");
        while c.remaining() >= 8 {
            let mtype = c.u16()?;
            let size = u64::from(c.u16()?);
            let flags = c.u8()?;
            c.skip(3)?;
            let at = c.pos();
            let data = c.bytes(size)?;
            c.align8()?;
            check_known(mtype, flags)?;
            if mtype == MSG_CONTINUATION {
                chunks.push(data)?;
            } else if mtype != MSG_NIL {
                out.push(Message { mtype, flags, data: MessageData::new(&buf, at..at + data.len()) });
            }
        }
    }
    Ok(out)
}

fn read_v2(ctx: &Ctx, addr: u64) -> Result<Vec<Message>> {
    let pre = ctx.read_upto(addr, 4 + 2 + 16 + 4 + 8, "object header v2")?;
    let mut c = Cursor::new(&pre, "object header v2");
    c.expect_sig(b"OHDR")?;
    let version = c.u8()?;
    if version != 2 {
        return Err(Hdf5Error::new(msg!(
            en::H5_VERSION,
            what = msg!(en::H5_OBJECT_HEADER_AT, addr = format!("{addr:#x}")),
            version = version
        )));
    }
    let flags = c.u8()?;
    if flags & 0x20 != 0 {
        c.skip(16)?;
    }
    if flags & 0x10 != 0 {
        c.skip(4)?;
    }
    let size = c.uint(1 << (flags & 3))?;
    let track_order = flags & 0x04 != 0;
    let prefix_len = c.pos() as u64;
    // Chunk 0 is read with its prefix so the checksum covers both.
    let total = prefix_len
        .checked_add(size)
        .and_then(|x| x.checked_add(4))
        .ok_or_else(|| Hdf5Error::new(msg!(en::H5_OVERFLOW, what = term("object header size"))))?;
    let mut chunks = Chunks::new(ctx, addr, None);
    let mut out = Vec::with_capacity(MESSAGES_EXPECTED);
    let chunk0: Rc<[u8]> = ctx.read(addr, total, "object header v2")?.into();
    ctx.checksum(&chunk0, "object header v2")?;
    parse_v2_messages(&chunk0, prefix_len as usize, track_order, &mut chunks, &mut out)?;
    while let Some((a, len)) = chunks.next()? {
        let buf: Rc<[u8]> = ctx.read(a, len, "object header v2 continuation")?.into();
        let mut c = Cursor::new(&buf, "object header continuation");
        c.expect_sig(b"OCHK")?;
        ctx.checksum(&buf, "object header continuation")?;
        parse_v2_messages(&buf, 4, track_order, &mut chunks, &mut out)?;
    }
    Ok(out)
}

/// Messages between `start` and the trailing checksum of a v2 chunk.
fn parse_v2_messages(
    buf: &Rc<[u8]>,
    start: usize,
    track_order: bool,
    chunks: &mut Chunks,
    out: &mut Vec<Message>,
) -> Result<()> {
    let end = buf.len().checked_sub(4).ok_or_else(|| Hdf5Error::new(msg!(en::H5_CHUNK_SHORT)))?;
    let body = buf.get(..end).ok_or_else(|| Hdf5Error::new(msg!(en::H5_CHUNK_SHORT)))?;
    let mut c = Cursor::new(body, "object header v2 chunk");
    c.seek(start)?;
    let hdr = if track_order { 6 } else { 4 };
    // Fewer bytes than a message header left over is a gap, not an error.
    while c.remaining() >= hdr {
        let mtype = u16::from(c.u8()?);
        let size = u64::from(c.u16()?);
        let flags = c.u8()?;
        if track_order {
            c.skip(2)?;
        }
        let at = c.pos();
        let data = c.bytes(size)?;
        check_known(mtype, flags)?;
        if mtype == MSG_CONTINUATION {
            chunks.push(data)?;
        } else if mtype != MSG_NIL {
            out.push(Message { mtype, flags, data: MessageData::new(buf, at..at + data.len()) });
        }
    }
    Ok(())
}

/// Symbol table message: (v1 B-tree address, local heap address).
pub fn symbol_table(m: &Message, sz: Sizes) -> Result<(u64, u64)> {
    let mut c = Cursor::new(&m.data, "symbol table message");
    let b = c.addr(sz)?.ok_or_else(|| {
        Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("symbol table message"), field = term("B-tree address")))
    })?;
    let h = c.addr(sz)?.ok_or_else(|| {
        Hdf5Error::new(msg!(en::H5_UNDEFINED, what = term("symbol table message"), field = term("heap address")))
    })?;
    Ok((b, h))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::limits::Limits;

    /// A v1 header at `at` holding `msgs` (type, data), data padded to 8.
    pub fn v1_header(msgs: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (t, d) in msgs {
            let mut d = d.clone();
            while d.len() % 8 != 0 {
                d.push(0);
            }
            body.extend_from_slice(&t.to_le_bytes());
            body.extend_from_slice(&(d.len() as u16).to_le_bytes());
            body.extend_from_slice(&[0, 0, 0, 0]);
            body.extend_from_slice(&d);
        }
        let mut h = vec![1, 0];
        h.extend_from_slice(&(msgs.len() as u16).to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        h.extend_from_slice(&(body.len() as u32).to_le_bytes());
        h.extend_from_slice(&[0; 4]);
        h.extend_from_slice(&body);
        h
    }

    fn cont(addr: u64, len: u64) -> Vec<u8> {
        let mut d = addr.to_le_bytes().to_vec();
        d.extend_from_slice(&len.to_le_bytes());
        d
    }

    #[test]
    fn v1_follows_continuations() {
        let mut file = v1_header(&[(0x0D, b"hello\0\0\0".to_vec()), (0x10, cont(64, 16))]);
        file.resize(64, 0);
        // continuation chunk: one comment message
        file.extend_from_slice(&0x0Du16.to_le_bytes());
        file.extend_from_slice(&8u16.to_le_bytes());
        file.extend_from_slice(&[0; 4]);
        file.extend_from_slice(b"world\0\0\0");
        let limits = Limits::default();
        let ctx = Ctx::new(&file, 0, Sizes::EIGHT, &limits);
        let m = read(&ctx, 0).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(&m[1].data[..5], b"world");
    }

    #[test]
    fn v1_continuation_cycle_is_an_error_not_a_hang() {
        // The continuation points back at the first chunk.
        let file = v1_header(&[(0x10, cont(16, 24))]);
        let limits = Limits::default();
        let ctx = Ctx::new(&file, 0, Sizes::EIGHT, &limits);
        let e = read(&ctx, 0).unwrap_err();
        assert!(e.0.text.contains("cycle"), "{e}");
    }

    #[test]
    fn v2_parses_messages_and_verifies_checksum() {
        let mut h = b"OHDR".to_vec();
        h.extend_from_slice(&[2, 0]); // version, flags: 1-byte chunk size
        let msgs = [0x0Du8, 3, 0, 0, b'a', b'b', 0];
        h.push(msgs.len() as u8);
        h.extend_from_slice(&msgs);
        let sum = super::super::checksum::lookup3(&h, 0);
        h.extend_from_slice(&sum.to_le_bytes());
        let limits = Limits { hdf5_verify_checksums: true, ..Limits::default() };
        let ctx = Ctx::new(&h, 0, Sizes::EIGHT, &limits);
        let m = read(&ctx, 0).unwrap();
        assert_eq!(m, vec![Message { mtype: 0x0D, flags: 0, data: b"ab\0".to_vec().into() }]);
        let mut bad = h.clone();
        bad[9] = b'x';
        let ctx = Ctx::new(&bad, 0, Sizes::EIGHT, &limits);
        assert!(read(&ctx, 0).is_err());
    }

    #[test]
    fn unknown_must_understand_message_fails() {
        let mut file = v1_header(&[(0x55, vec![0; 8])]);
        file[16 + 4] = 0x80;
        let limits = Limits::default();
        let ctx = Ctx::new(&file, 0, Sizes::EIGHT, &limits);
        assert!(read(&ctx, 0).is_err());
    }
}

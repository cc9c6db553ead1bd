//! Zip archives read the way Python's `zipfile` reads them, lazily over a [`ByteSource`].
//!
//! Why not the `zip` crate: it keeps one entry per name, but an archive may hold the same
//! name twice and `zipfile` opens the **last** one, so a scanner has to see every entry.
//! This reader lists the central directory (zip64 included), honours data prepended to
//! the archive the way `zipfile` does, hands out stored members as [`Window`]s on the
//! file (no copy; a `.keras` stores its weights uncompressed) and inflates deflated
//! members under explicit size and ratio limits.

pub mod python_zipfile;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub use python_zipfile::LocalHeader;

use crate::limits::Limits;
use crate::messages::{en, within, Arg, Message, ToArg};
use crate::msg;
use crate::source::{read_vec, ByteSource, SourceError, Window};

/// Why the archive or a member could not be read: a catalogue message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipError(pub Box<Message>);

impl ZipError {
    /// Boxed: a `Result<_, ZipError>` stays two words wide.
    pub fn new(m: Message) -> Self {
        ZipError(Box::new(m))
    }
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "zip: {}", self.0)
    }
}

impl ZipError {
    /// A limit of ours stopped the reading (the archive itself may be fine for zipfile).
    pub fn is_limit(&self) -> bool {
        self.0.text.contains("limit max_")
    }
}

impl From<SourceError> for ZipError {
    fn from(e: SourceError) -> Self {
        ZipError::new(e.message())
    }
}

impl From<ZipError> for Message {
    fn from(e: ZipError) -> Message {
        msg!(en::ZIP_ERROR, detail = *e.0)
    }
}

/// `member "name"`, the place a member's errors are reported at.
fn member(m: &Member) -> Message {
    msg!(en::ZIP_MEMBER_NAMED, name = format!("{:?}", m.name))
}

/// One central-directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The name `zipfile` knows it by: decoded, then cut at the first NUL.
    pub name: String,
    /// The name as stored (decoded, not cut): what the local header must repeat.
    pub orig_name: String,
    /// 0 stored, 8 deflate; others (bzip2 12, lzma 14, …) are reported, not read.
    pub method: u16,
    pub flags: u16,
    pub crc: u32,
    pub compressed_size: u64,
    pub size: u64,
    /// Offset of the local header in the source (after `zipfile`'s prepended-data shift).
    pub header_offset: u64,
}

impl Member {
    pub fn is_encrypted(&self) -> bool {
        self.flags & 1 != 0
    }
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// Inflated members of one archive by (data offset, size).
pub type Inflated = RefCell<HashMap<(u64, u64), Rc<Vec<u8>>>>;

/// A listed archive.
#[derive(Debug, Clone)]
pub struct Archive {
    pub members: Vec<Member>,
    /// Bytes before the archive proper (self-extractor stubs, polyglots); zipfile's
    /// `concat`, which may be negative.
    pub concat: i64,
    /// Where the central directory starts.
    pub start_dir: u64,
    /// Entry count the end record announces (zipfile ignores it).
    pub announced: u64,
    /// Each member's local header, read as `open` reads it (same order as `members`).
    pub local: Vec<Result<LocalHeader, ZipError>>,
    /// Each member's `_end_offset`: its data must end there (newer CPython refuses overlaps).
    pub end_offsets: Vec<u64>,
    /// Inflated members by (data offset, size): no bytes are inflated twice.
    pub cache: Inflated,
}

impl Archive {
    /// Bytes before the archive (0 when `concat` is negative).
    pub fn prepended(&self) -> u64 {
        self.concat.max(0) as u64
    }

    /// Where member `i`'s data starts, when its local header was readable.
    pub fn data_offset(&self, i: usize) -> Option<u64> {
        self.local.get(i)?.as_ref().ok().map(|l| l.data_offset)
    }

    /// Entries whose data runs past their `_end_offset` (into the next entry's local
    /// header or the central directory): CPython 3.11.8+ / 3.12.2+ refuse them as "Overlapped
    /// entries (possible zip bomb)", older versions read them. `(entry, what it overlaps)`.
    pub fn overlaps(&self) -> Vec<(usize, Option<usize>)> {
        let by_offset: std::collections::HashMap<u64, usize> =
            self.members.iter().enumerate().map(|(i, m)| (m.header_offset, i)).rev().collect();
        (0..self.members.len())
            .filter_map(|i| {
                let start = self.data_offset(i)?;
                let end = self.end_offsets[i];
                (start.saturating_add(self.members[i].compressed_size) > end || start > end)
                    .then(|| (i, if end == self.start_dir { None } else { by_offset.get(&end).copied() }))
            })
            .collect()
    }
}

/// Is there an end record `zipfile.is_zipfile` accepts?
pub fn find_end_record(src: &dyn ByteSource) -> Option<u64> {
    python_zipfile::end_record(src).ok().flatten().map(|e| e.at)
}

/// Lists the central directory as `zipfile` does, and reads every local header.
pub fn list(src: &dyn ByteSource, limits: &Limits) -> Result<Archive, ZipError> {
    let l = python_zipfile::central_directory(src, limits)?;
    let local = l.members.iter().map(|m| python_zipfile::local_header(src, m)).collect();
    let end_offsets = python_zipfile::end_offsets(&l.members, l.start_dir);
    Ok(Archive {
        members: l.members,
        concat: l.concat,
        start_dir: l.start_dir,
        announced: l.end.entries,
        local,
        end_offsets,
        cache: RefCell::new(HashMap::new()),
    })
}

/// Offset of a member's data, from its local header (whose name and extra lengths may
/// differ from the central directory's, as `zipfile` allows).
pub fn data_offset(src: &dyn ByteSource, m: &Member) -> Result<u64, ZipError> {
    python_zipfile::local_header(src, m).map(|l| l.data_offset)
}

/// A member's bytes: a window on the archive when stored, inflated (bounded) when deflated.
pub enum MemberData<'a> {
    Stored(Window<'a>),
    Inflated(Rc<Vec<u8>>),
}

impl MemberData<'_> {
    pub fn source(&self) -> &dyn ByteSource {
        match self {
            MemberData::Stored(w) => w,
            MemberData::Inflated(v) => &**v,
        }
    }
}

/// Inflated bytes left for one file, across every nested archive
/// (`Limits::max_inflated_total`).
pub struct Budget {
    inflate_left: u64,
    inflated: u64,
}

impl Budget {
    pub fn new(limits: &Limits) -> Self {
        Budget { inflate_left: limits.max_inflated_total, inflated: 0 }
    }
    /// Bytes inflated so far (a work figure for tests and benchmarks).
    pub fn inflated(&self) -> u64 {
        self.inflated
    }
}

/// A method's name (a proper name, the same in every language), or "an unknown method".
fn method_name(method: u16) -> Arg {
    match method {
        12 => "bzip2".to_arg(),
        14 => "lzma".to_arg(),
        9 => "deflate64".to_arg(),
        93 => "zstandard".to_arg(),
        _ => en::ZIP_METHOD_OTHER.to_arg(),
    }
}

/// Opens member `i` of `archive` (listed from `src`) for reading, under the file's
/// inflate budget. Inflated members are kept in the archive's cache by data offset:
/// entries over the same bytes (duplicates, overlaps) are inflated once.
pub fn open_with<'a>(
    src: &'a dyn ByteSource,
    archive: &Archive,
    i: usize,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<MemberData<'a>, ZipError> {
    let m = &archive.members[i];
    let start = match archive.local.get(i) {
        Some(Ok(l)) => l.data_offset,
        Some(Err(e)) => return Err(e.clone()),
        None => data_offset(src, m)?,
    };
    open_at(src, m, start, limits, budget, Some(&archive.cache))
}

fn open_at<'a>(
    src: &'a dyn ByteSource,
    m: &Member,
    start: u64,
    limits: &Limits,
    budget: &mut Budget,
    cache: Option<&Inflated>,
) -> Result<MemberData<'a>, ZipError> {
    if m.is_encrypted() {
        return Err(ZipError::new(msg!(en::ZIP_ENCRYPTED, name = format!("{:?}", m.name))));
    }
    // ZipExtFile yields at most `file_size` bytes, whatever the compressed size.
    let returned = m.compressed_size.min(m.size);
    match m.method {
        0 => Ok(MemberData::Stored(Window::new(src, start, returned).map_err(|e| {
            ZipError::new(msg!(en::ZIP_DATA_OUTSIDE, name = format!("{:?}", m.name), detail = e.message()))
        })?)),
        8 => {
            let key = (start, m.size);
            if let Some(v) = cache.and_then(|c| c.borrow().get(&key).cloned()) {
                return Ok(MemberData::Inflated(v));
            }
            let limit = limits.max_inflated_bytes;
            if m.size > limit {
                return Err(ZipError::new(msg!(
                    en::ZIP_INFLATE_LIMIT,
                    name = format!("{:?}", m.name),
                    size = m.size,
                    limit = limit
                )));
            }
            if m.size > budget.inflate_left {
                return Err(ZipError::new(msg!(
                    en::ZIP_INFLATE_TOTAL,
                    name = format!("{:?}", m.name),
                    size = m.size,
                    limit = limits.max_inflated_total
                )));
            }
            let raw = read_vec(src, start, m.compressed_size, limit)
                .map_err(|e| ZipError::new(within(member(m), e.message())))?;
            let ratio_cap = raw.len() as u64 * limits.max_inflate_ratio + 1024;
            let cap = m.size.min(ratio_cap);
            let out = match miniz_oxide::inflate::decompress_to_vec_with_limit(&raw, cap as usize) {
                Ok(v) => v,
                // zipfile stops at `file_size` bytes: more output is cut, not an error.
                Err(e) if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput && cap == m.size => e.output,
                Err(e) if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    return Err(ZipError::new(msg!(
                        en::ZIP_INFLATE_RATIO,
                        name = format!("{:?}", m.name),
                        ratio = limits.max_inflate_ratio,
                        size = m.size
                    )))
                }
                Err(e) => {
                    return Err(ZipError::new(msg!(
                        en::ZIP_INFLATE_FAILED,
                        name = format!("{:?}", m.name),
                        status = format!("{:?}", e.status),
                        size = m.size
                    )))
                }
            };
            budget.inflate_left = budget.inflate_left.saturating_sub(out.len() as u64);
            budget.inflated += out.len() as u64;
            let out = Rc::new(out);
            if let Some(c) = cache {
                c.borrow_mut().insert(key, out.clone());
            }
            Ok(MemberData::Inflated(out))
        }
        other @ (12 | 14) => Err(ZipError::new(msg!(
            en::ZIP_METHOD_UNREAD,
            name = format!("{:?}", m.name),
            method = method_name(other),
            number = other
        ))),
        other => Err(ZipError::new(msg!(
            en::ZIP_METHOD_UNKNOWN,
            name = format!("{:?}", m.name),
            method = method_name(other),
            number = other
        ))),
    }
}

/// Opens a member with a budget of its own (one-off reads: a torch blob in a config).
pub fn open<'a>(src: &'a dyn ByteSource, m: &Member, limits: &Limits) -> Result<MemberData<'a>, ZipError> {
    let start = data_offset(src, m)?;
    open_at(src, m, start, limits, &mut Budget::new(limits), None)
}

/// The first bytes of a member (to recognise its kind) without inflating all of it.
pub fn head(src: &dyn ByteSource, m: &Member, n: usize) -> Result<Vec<u8>, ZipError> {
    let start = data_offset(src, m)?;
    let want = (n as u64).min(m.size);
    match m.method {
        0 => Ok(read_vec(src, start, want.min(m.compressed_size), n as u64)?),
        8 if !m.is_encrypted() => {
            // A few KiB of deflate input hold far more than `n` bytes of output.
            let take = m.compressed_size.min(4096).min(src.len().saturating_sub(start));
            let raw = read_vec(src, start, take, 4096)?;
            let out = match miniz_oxide::inflate::decompress_to_vec_with_limit(&raw, n) {
                Ok(v) => v,
                Err(e) => e.output,
            };
            Ok(out.into_iter().take(want as usize).collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// Reads a whole (small) member into memory, e.g. `config.json`.
pub fn read_member(src: &dyn ByteSource, m: &Member, limits: &Limits, max: u64) -> Result<Vec<u8>, ZipError> {
    into_vec(m, open(src, m, limits)?, max)
}

/// [`read_member`] of member `i` under the file's budget and the archive's cache.
pub fn read_member_with(
    src: &dyn ByteSource,
    archive: &Archive,
    i: usize,
    limits: &Limits,
    max: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, ZipError> {
    into_vec(&archive.members[i], open_with(src, archive, i, limits, budget)?, max)
}

fn into_vec(m: &Member, data: MemberData<'_>, max: u64) -> Result<Vec<u8>, ZipError> {
    match data {
        MemberData::Inflated(v) => {
            if v.len() as u64 > max {
                return Err(ZipError::new(msg!(en::ZIP_MEMBER_TOO_LARGE, name = format!("{:?}", m.name), max = max)));
            }
            Ok(v.to_vec())
        }
        MemberData::Stored(w) => {
            Ok(read_vec(&w, 0, w.len(), max).map_err(|e| ZipError::new(within(member(m), e.message())))?)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::python_zipfile::{CENTRAL_SIG, EOCD_SIG, LOCAL_SIG};
    use super::*;

    /// Builds a minimal archive of stored members (for tests only).
    pub(crate) fn build_stored(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, data) in members {
            let off = out.len() as u32;
            let crc = python_zipfile::crc32(data).to_le_bytes();
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            cd.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            cd.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            cd.extend_from_slice(&crc);
            cd.extend_from_slice(&(data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn lists_duplicates_and_reads_stored_members_as_windows() {
        let z = build_stored(&[("config.json", b"{}"), ("config.json", b"{\"a\":1}")]);
        let a = list(&z, &Limits::default()).unwrap();
        assert_eq!(a.members.len(), 2);
        let last = read_member(&z, &a.members[1], &Limits::default(), 100).unwrap();
        assert_eq!(last, b"{\"a\":1}");
    }

    #[test]
    fn prepended_data_is_handled_like_zipfile() {
        let mut z = b"#!/bin/sh\nexit 0\n".to_vec();
        let n = z.len() as u64;
        z.extend(build_stored(&[("a.txt", b"hi")]));
        let a = list(&z, &Limits::default()).unwrap();
        assert_eq!(a.prepended(), n);
        assert_eq!(read_member(&z, &a.members[0], &Limits::default(), 10).unwrap(), b"hi");
    }

    #[test]
    fn truncated_and_garbage_archives_error_without_panicking() {
        let z = build_stored(&[("config.json", b"{}")]);
        for cut in 0..z.len() {
            let part = &z[..cut];
            if let Ok(a) = list(&part, &Limits::default()) {
                for m in &a.members {
                    let _ = read_member(&part, m, &Limits::default(), 100);
                }
            }
        }
        let mut bad = z.clone();
        let l = bad.len();
        bad[l - 6..l - 2].copy_from_slice(&u32::MAX.to_le_bytes()); // cd offset
                                                                    // zipfile finds the directory where it is (concat < 0); each member is then unreadable.
        let a = list(&bad, &Limits::default()).unwrap();
        assert!(a.concat < 0 && a.local[0].is_err());
        assert!(read_member(&bad, &a.members[0], &Limits::default(), 100).is_err());
    }

    /// An archive whose one deflated member is listed `copies` more times over the same bytes.
    fn deflated_with_copies(data: &[u8], copies: usize) -> Vec<u8> {
        let comp = miniz_oxide::deflate::compress_to_vec(data, 6);
        let mut z = build_stored(&[("x.bin", &comp)]);
        // Turn the entry into a deflated one: method 8 and the real size and CRC.
        let crc = python_zipfile::crc32(data).to_le_bytes();
        let size = (data.len() as u32).to_le_bytes();
        z[8] = 8;
        z[14..18].copy_from_slice(&crc);
        z[22..26].copy_from_slice(&size);
        let cd_at = u32::from_le_bytes(z[z.len() - 6..z.len() - 2].try_into().unwrap()) as usize;
        z[cd_at + 10] = 8;
        z[cd_at + 16..cd_at + 20].copy_from_slice(&crc);
        z[cd_at + 24..cd_at + 28].copy_from_slice(&size);
        let entry = z[cd_at..z.len() - 22].to_vec();
        let mut end = z[z.len() - 22..].to_vec();
        z.truncate(z.len() - 22);
        for _ in 0..copies {
            z.extend_from_slice(&entry);
        }
        let n = (copies + 1) as u16;
        end[8..10].copy_from_slice(&n.to_le_bytes());
        end[10..12].copy_from_slice(&n.to_le_bytes());
        end[12..16].copy_from_slice(&((entry.len() * (copies + 1)) as u32).to_le_bytes());
        z.extend(end);
        z
    }

    #[test]
    fn entries_over_the_same_bytes_are_inflated_once_and_flagged() {
        let data = vec![7u8; 100_000];
        let z = deflated_with_copies(&data, 50);
        let a = list(&z, &Limits::default()).unwrap();
        assert_eq!(a.members.len(), 51);
        assert_eq!(a.overlaps().len(), 50, "every copy after the first overlaps");
        let mut budget = Budget::new(&Limits::default());
        for i in 0..a.members.len() {
            let got = read_member_with(&z, &a, i, &Limits::default(), 1 << 20, &mut budget).unwrap();
            assert_eq!(got, data);
        }
        assert_eq!(budget.inflated(), data.len() as u64, "inflated once, not 51 times");
    }

    #[test]
    fn the_inflate_budget_is_shared_and_named_when_hit() {
        let z = deflated_with_copies(&[1u8; 5000], 0);
        let a = list(&z, &Limits::default()).unwrap();
        let limits = Limits { max_inflated_total: 4000, ..Limits::default() };
        let e = open_with(&z, &a, 0, &limits, &mut Budget::new(&limits)).err().unwrap();
        assert!(e.0.text.contains("max_inflated_total"), "{e}");
    }

    #[test]
    fn deflate_bombs_are_refused() {
        let data = vec![0u8; 64 << 10];
        let comp = miniz_oxide::deflate::compress_to_vec(&data, 9);
        let m = Member {
            name: "x".into(),
            orig_name: "x".into(),
            method: 8,
            flags: 0,
            crc: 0,
            compressed_size: comp.len() as u64,
            size: data.len() as u64,
            header_offset: 0,
        };
        let mut z = Vec::new();
        z.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        z.extend_from_slice(&[0; 26]);
        z.extend_from_slice(&comp);
        let limits = Limits { max_inflate_ratio: 10, ..Limits::default() };
        assert!(open(&z, &m, &limits).is_err());
        assert!(open(&z, &m, &Limits::default()).is_ok());
    }
}

//! Zip archives read the way Python's `zipfile` reads them, lazily over a [`ByteSource`].
//!
//! Why not the `zip` crate: it keeps one entry per name, but an archive may hold the same
//! name twice and `zipfile` opens the **last** one, so a scanner has to see every entry.
//! This reader lists the central directory (zip64 included), honours data prepended to
//! the archive the way `zipfile` does, hands out stored members as [`Window`]s on the
//! file (no copy; a `.keras` stores its weights uncompressed) and inflates deflated
//! members under explicit size and ratio limits.

use crate::limits::Limits;
use crate::source::{read_vec, ByteSource, SourceError, Window};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipError(pub String);

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "zip: {}", self.0)
    }
}

impl From<SourceError> for ZipError {
    fn from(e: SourceError) -> Self {
        ZipError(e.to_string())
    }
}

/// One central-directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// 0 stored, 8 deflate; others (bzip2 12, lzma 14, …) are reported, not read.
    pub method: u16,
    pub flags: u16,
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

/// A listed archive.
#[derive(Debug, Clone)]
pub struct Archive {
    pub members: Vec<Member>,
    /// Bytes before the archive proper (self-extractor stubs, polyglots).
    pub prepended: u64,
}

fn u16le(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32le(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
fn u64le(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// Offset of the end-of-central-directory record, searched like `zipfile._EndRecData`:
/// first at the very end (no comment), then the last signature in the final 64 KiB.
pub fn find_end_record(src: &dyn ByteSource) -> Option<u64> {
    let len = src.len();
    if len < 22 {
        return None;
    }
    let mut rec = [0u8; 22];
    if src.read_at(len - 22, &mut rec).is_ok() && u32le(&rec, 0) == EOCD_SIG && u16le(&rec, 20) == 0 {
        return Some(len - 22);
    }
    let start = len.saturating_sub(22 + 65535);
    let tail = read_vec(src, start, len - start, 1 << 17).ok()?;
    (0..=tail.len() - 22).rev().find_map(|i| {
        let ok = u32le(&tail, i) == EOCD_SIG && i + 22 + u16le(&tail, i + 20) as usize <= tail.len();
        ok.then_some(start + i as u64)
    })
}

/// CP437, the name encoding of members without the UTF-8 flag (`zipfile` decodes so).
fn cp437(bytes: &[u8]) -> String {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    let high: Vec<char> = HIGH.chars().collect();
    bytes.iter().map(|&b| if b < 0x80 { b as char } else { high[(b - 0x80) as usize] }).collect()
}

/// Lists the central directory.
pub fn list(src: &dyn ByteSource, limits: &Limits) -> Result<Archive, ZipError> {
    let eocd = find_end_record(src).ok_or_else(|| ZipError("no end-of-central-directory record".into()))?;
    let rec = read_vec(src, eocd, 22, 22)?;
    let mut entries = u16le(&rec, 10) as u64;
    let mut cd_size = u32le(&rec, 12) as u64;
    let mut cd_offset = u32le(&rec, 16) as u64;
    let mut end_of_archive = eocd; // where the central directory (+ zip64 records) ends

    // zip64: the locator sits right before the classic record.
    if eocd >= 20 {
        let loc = read_vec(src, eocd - 20, 20, 20)?;
        if u32le(&loc, 0) == EOCD64_LOCATOR_SIG {
            // zipfile locates the zip64 record relative to the locator, not by its offset field.
            let rec64_at = eocd
                .checked_sub(20 + 56)
                .ok_or_else(|| ZipError("zip64 locator without room for its record".into()))?;
            let r = read_vec(src, rec64_at, 56, 56)?;
            if u32le(&r, 0) != EOCD64_SIG {
                return Err(ZipError("zip64 locator points at no zip64 end record".into()));
            }
            entries = u64le(&r, 32);
            cd_size = u64le(&r, 40);
            cd_offset = u64le(&r, 48);
            end_of_archive = rec64_at;
        }
    }
    // zipfile: concat = end - size_cd - offset_cd; every offset is shifted by it.
    let cd_start =
        end_of_archive.checked_sub(cd_size).ok_or_else(|| ZipError("central directory larger than the file".into()))?;
    let prepended = cd_start
        .checked_sub(cd_offset)
        .ok_or_else(|| ZipError("central directory offset points past its own position".into()))?;
    if entries > limits.max_zip_members as u64 {
        return Err(ZipError(format!("{entries} members, more than the limit of {}", limits.max_zip_members)));
    }
    // The central directory is metadata: bounded by the file size and a generous cap.
    let cd = read_vec(src, cd_start, cd_size, 1 << 30)?;
    let mut members = Vec::new();
    let mut p = 0usize;
    while p + 46 <= cd.len() {
        if u32le(&cd, p) != CENTRAL_SIG {
            break;
        }
        let flags = u16le(&cd, p + 8);
        let method = u16le(&cd, p + 10);
        let mut csize = u32le(&cd, p + 20) as u64;
        let mut usize_ = u32le(&cd, p + 24) as u64;
        let name_len = u16le(&cd, p + 28) as usize;
        let extra_len = u16le(&cd, p + 30) as usize;
        let comment_len = u16le(&cd, p + 32) as usize;
        let mut offset = u32le(&cd, p + 42) as u64;
        let name_at = p + 46;
        let extra_at = name_at + name_len;
        let next = extra_at + extra_len + comment_len;
        if next > cd.len() {
            return Err(ZipError(format!("central directory entry {} is truncated", members.len())));
        }
        let raw_name = &cd[name_at..extra_at];
        let name = if flags & 0x800 != 0 { String::from_utf8_lossy(raw_name).into_owned() } else { cp437(raw_name) };
        // zip64 extra field: the 0xFFFFFFFF fields, in order size, compressed size, offset.
        let extra = &cd[extra_at..extra_at + extra_len];
        let mut e = 0usize;
        while e + 4 <= extra.len() {
            let id = u16le(extra, e);
            let len = u16le(extra, e + 2) as usize;
            let body = &extra[e + 4..(e + 4 + len).min(extra.len())];
            if id == 1 {
                let mut q = 0usize;
                let mut take = |field: &mut u64| {
                    if *field == 0xFFFF_FFFF && q + 8 <= body.len() {
                        *field = u64le(body, q);
                        q += 8;
                    }
                };
                take(&mut usize_);
                take(&mut csize);
                take(&mut offset);
            }
            e += 4 + len;
        }
        let header_offset = offset
            .checked_add(prepended)
            .ok_or_else(|| ZipError(format!("member {name:?}: header offset overflows")))?;
        members.push(Member { name, method, flags, compressed_size: csize, size: usize_, header_offset });
        p = next;
    }
    if (members.len() as u64) < entries {
        return Err(ZipError(format!(
            "the end record announces {entries} members, the central directory holds {}",
            members.len()
        )));
    }
    Ok(Archive { members, prepended })
}

/// Offset of a member's data, from its local header (whose name and extra lengths may
/// differ from the central directory's, as `zipfile` allows).
pub fn data_offset(src: &dyn ByteSource, m: &Member) -> Result<u64, ZipError> {
    let h = read_vec(src, m.header_offset, 30, 30)
        .map_err(|e| ZipError(format!("member {:?}: local header unreadable: {e}", m.name)))?;
    if u32le(&h, 0) != LOCAL_SIG {
        return Err(ZipError(format!("member {:?}: bad local header signature", m.name)));
    }
    let name_len = u16le(&h, 26) as u64;
    let extra_len = u16le(&h, 28) as u64;
    Ok(m.header_offset + 30 + name_len + extra_len)
}

/// A member's bytes: a window on the archive when stored, inflated (bounded) when deflated.
pub enum MemberData<'a> {
    Stored(Window<'a>),
    Inflated(Vec<u8>),
}

impl MemberData<'_> {
    pub fn source(&self) -> &dyn ByteSource {
        match self {
            MemberData::Stored(w) => w,
            MemberData::Inflated(v) => v,
        }
    }
}

/// Opens a member for reading.
pub fn open<'a>(src: &'a dyn ByteSource, m: &Member, limits: &Limits) -> Result<MemberData<'a>, ZipError> {
    if m.is_encrypted() {
        return Err(ZipError(format!("member {:?} is encrypted", m.name)));
    }
    let start = data_offset(src, m)?;
    match m.method {
        0 => Ok(MemberData::Stored(
            Window::new(src, start, m.compressed_size)
                .map_err(|e| ZipError(format!("member {:?}: data outside the file: {e}", m.name)))?,
        )),
        8 => {
            let limit = limits.max_inflated_bytes;
            if m.size > limit {
                return Err(ZipError(format!(
                    "member {:?} inflates to {} bytes, above the limit of {limit}",
                    m.name, m.size
                )));
            }
            let raw = read_vec(src, start, m.compressed_size, limit)
                .map_err(|e| ZipError(format!("member {:?}: {e}", m.name)))?;
            // Cap by the declared size (plus slack) and by the ratio limit, whichever is lower,
            // so a lying header cannot make us inflate a bomb.
            let cap = limit.min(raw.len() as u64 * limits.max_inflate_ratio + 1024).min(m.size.max(1) + 1);
            let out = miniz_oxide::inflate::decompress_to_vec_with_limit(&raw, cap as usize).map_err(|e| {
                ZipError(format!(
                    "member {:?}: inflate failed ({:?}); declared size {}, limit {cap}",
                    m.name, e.status, m.size
                ))
            })?;
            if out.len() as u64 != m.size {
                return Err(ZipError(format!(
                    "member {:?}: inflated to {} bytes, the directory says {}",
                    m.name,
                    out.len(),
                    m.size
                )));
            }
            Ok(MemberData::Inflated(out))
        }
        other => Err(ZipError(format!(
            "member {:?} uses compression method {other}, which this scanner cannot read",
            m.name
        ))),
    }
}

/// Reads a whole (small) member into memory, e.g. `config.json`.
pub fn read_member(src: &dyn ByteSource, m: &Member, limits: &Limits, max: u64) -> Result<Vec<u8>, ZipError> {
    match open(src, m, limits)? {
        MemberData::Inflated(v) => {
            if v.len() as u64 > max {
                return Err(ZipError(format!("member {:?} is larger than the limit of {max} bytes", m.name)));
            }
            Ok(v)
        }
        MemberData::Stored(w) => {
            Ok(read_vec(&w, 0, w.len(), max).map_err(|e| ZipError(format!("member {:?}: {e}", m.name)))?)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a minimal archive of stored members (for tests only).
    pub(crate) fn build_stored(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, data) in members {
            let off = out.len() as u32;
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            cd.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            cd.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
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
        assert_eq!(a.prepended, n);
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
        assert!(list(&bad, &Limits::default()).is_err());
    }

    #[test]
    fn deflate_bombs_are_refused() {
        let data = vec![0u8; 64 << 10];
        let comp = miniz_oxide::deflate::compress_to_vec(&data, 9);
        let m = Member {
            name: "x".into(),
            method: 8,
            flags: 0,
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

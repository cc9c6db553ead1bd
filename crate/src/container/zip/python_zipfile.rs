//! CPython's `zipfile` in one place: every rule of `Lib/zipfile.py` (3.11.7, the
//! `_EndRecData`, `_RealGetContents`, `ZipInfo`, `ZipFile.open` and `ZipExtFile` code)
//! that changes which bytes `zf.read(name)` / `zf.open(name)` return, which is how
//! Keras 3 reads `config.json` and `model.weights.h5` (`_safe_zip_read`, `H5IOStore`).
//!
//! - the end record: the last 22 bytes if they are a record with no comment, else the
//!   **last** `PK\5\6` in the final 64 KiB + 22 bytes (a record cut short there means
//!   "not a zip", no earlier one is tried); a zip64 locator right before it, whose record
//!   is taken at a fixed place before the locator (its offset field is ignored);
//! - `concat`: data prepended to the archive shifts every offset; it may be negative;
//! - the central directory is walked by its **size**, the entry count is ignored;
//! - names: UTF-8 when flag 0x800 is set (strict: a bad byte makes the archive
//!   unreadable), else cp437; then **cut at the first NUL**;
//! - `NameToInfo`: the **last** entry of a name wins;
//! - `open`: the local header's name must equal the central one (before the NUL cut),
//!   flag bits 5 and 6 are refused; an entry whose data runs into the next entry's local
//!   header is refused as overlapping by newer versions only (CVE-2024-0450: CPython
//!   3.12.2+, 3.11.8+, 3.10.14+, 3.9.19+ and distribution backports such as Debian's
//!   3.11.2; the pyenv 3.11.7 that runs Keras here reads it), hence [`Version`];
//! - `ZipExtFile`: a stored member yields min(compressed size, size) bytes, a deflated one
//!   its inflated stream cut to the declared size; the CRC-32 is checked at the end.
//!
//! [`read`] is that whole path, strict like Python; the scanner itself reads more
//! leniently (every entry, overlapped or not) but with these names, offsets and lengths.

use std::collections::HashMap;

use super::{Member, ZipError};
use crate::limits::Limits;
use crate::messages::{en, Message};
use crate::msg;
use crate::source::{read_cow, read_vec, ByteSource};

pub const EOCD_SIG: u32 = 0x0605_4b50;
pub const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
pub const EOCD64_SIG: u32 = 0x0606_4b50;
pub const CENTRAL_SIG: u32 = 0x0201_4b50;
pub const LOCAL_SIG: u32 = 0x0403_4b50;
const SIZE_EOCD: u64 = 22;
const SIZE_EOCD64: u64 = 56;
const SIZE_LOCATOR: u64 = 20;
const SIZE_CENTRAL: usize = 46;
/// `zipfile.MAX_EXTRACT_VERSION`: a higher "version needed" makes the archive unreadable.
const MAX_EXTRACT_VERSION: u16 = 63;
pub const FLAG_ENCRYPTED: u16 = 1;
const FLAG_COMPRESSED_PATCH: u16 = 1 << 5;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
pub const FLAG_UTF8: u16 = 1 << 11;

fn u16le(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
fn u32le(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
fn u64le(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// The end record as `_EndRecData` (+ `_EndRecData64`) returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndRecord {
    /// Offset of the classic `PK\5\6` record.
    pub at: u64,
    /// Entry count it announces (zipfile ignores it; a mismatch is a crafted sign).
    pub entries: u64,
    pub cd_size: u64,
    pub cd_offset: u64,
    /// The zip64 record was found and used.
    pub zip64: bool,
}

/// `_EndRecData`: `Ok(None)` when `zipfile.is_zipfile` says no, `Err` when zipfile raises.
pub fn end_record(src: &dyn ByteSource) -> Result<Option<EndRecord>, ZipError> {
    let len = src.len();
    if len < SIZE_EOCD {
        return Ok(None);
    }
    let last = read_vec(src, len - SIZE_EOCD, SIZE_EOCD, SIZE_EOCD)?;
    if u32le(&last, 0) == EOCD_SIG && u16le(&last, 20) == 0 {
        return end_record64(src, len - SIZE_EOCD, &last).map(Some);
    }
    // maxCommentStart = max(filesize - (1 << 16) - sizeEndCentDir, 0); data.rfind(sig).
    let start = len.saturating_sub((1 << 16) + SIZE_EOCD);
    let tail = read_cow(src, start, len - start, (1 << 16) + SIZE_EOCD)?;
    let Some(i) = rfind4(&tail, EOCD_SIG.to_le_bytes()) else { return Ok(None) };
    if i + SIZE_EOCD as usize > tail.len() {
        return Ok(None); // "Zip file is corrupted": the last signature wins even when cut short
    }
    end_record64(src, start + i as u64, &tail[i..i + SIZE_EOCD as usize]).map(Some)
}

/// `data.rfind(sig)` for a 4-byte `sig`: every file that is not a zip (each `.h5`) is
/// searched through its last 64 KiB, so this tests 32 positions at a time for the
/// signature's first two bytes (a loop without branches, which the compiler turns into
/// vector compares) and looks closer only inside a block where they occur.
fn rfind4(data: &[u8], sig: [u8; 4]) -> Option<usize> {
    const BLOCK: usize = 32;
    let at = |i: usize| data[i..i + 4] == sig;
    let mut end = data.len().checked_sub(3)?; // the positions left to test are < end
    while end >= BLOCK {
        let start = end - BLOCK;
        // Positions start..end and the byte after each: end + 1 <= data.len() - 2.
        let window: &[u8; BLOCK + 1] = data[start..=end].try_into().expect("BLOCK + 1 bytes");
        let mut pair = false;
        for i in 0..BLOCK {
            pair |= (window[i] == sig[0]) & (window[i + 1] == sig[1]);
        }
        if pair {
            if let Some(i) = (start..end).rev().find(|&i| at(i)) {
                return Some(i);
            }
        }
        end = start;
    }
    (0..end).rev().find(|&i| at(i))
}

/// `_EndRecData64`: the zip64 records, read at fixed places before the classic record.
fn end_record64(src: &dyn ByteSource, at: u64, rec: &[u8]) -> Result<EndRecord, ZipError> {
    let classic = EndRecord {
        at,
        entries: u16le(rec, 10) as u64,
        cd_size: u32le(rec, 12) as u64,
        cd_offset: u32le(rec, 16) as u64,
        zip64: false,
    };
    let Some(loc_at) = at.checked_sub(SIZE_LOCATOR) else { return Ok(classic) };
    let loc = read_vec(src, loc_at, SIZE_LOCATOR, SIZE_LOCATOR)?;
    if u32le(&loc, 0) != EOCD64_LOCATOR_SIG {
        return Ok(classic);
    }
    if u32le(&loc, 4) != 0 || u32le(&loc, 16) > 1 {
        return Err(ZipError::new(msg!(en::ZIP_MULTI_DISK)));
    }
    // A seek before the start of the file raises OSError, which zipfile turns into BadZipFile.
    let rec_at = loc_at.checked_sub(SIZE_EOCD64).ok_or_else(|| ZipError::new(msg!(en::ZIP_LOCATOR_NO_ROOM)))?;
    let r = read_vec(src, rec_at, SIZE_EOCD64, SIZE_EOCD64)?;
    if u32le(&r, 0) != EOCD64_SIG {
        return Ok(classic); // zipfile falls back to the classic record
    }
    Ok(EndRecord { at, entries: u64le(&r, 32), cd_size: u64le(&r, 40), cd_offset: u64le(&r, 48), zip64: true })
}

/// CP437, the name encoding of members without the UTF-8 flag.
pub fn cp437(bytes: &[u8]) -> String {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    if bytes.is_ascii() {
        return bytes.iter().map(|&b| b as char).collect();
    }
    let high: Vec<char> = HIGH.chars().collect();
    bytes.iter().map(|&b| if b < 0x80 { b as char } else { high[(b - 0x80) as usize] }).collect()
}

/// A raw name decoded as zipfile does (`orig_filename`): strict UTF-8 under flag 0x800.
pub fn decode_name(raw: &[u8], flags: u16) -> Result<String, ZipError> {
    if flags & FLAG_UTF8 != 0 {
        String::from_utf8(raw.to_vec()).map_err(|e| {
            ZipError::new(msg!(
                en::ZIP_NAME_NOT_UTF8,
                name = format!("{:?}", String::from_utf8_lossy(raw)),
                byte = e.utf8_error().valid_up_to()
            ))
        })
    } else {
        Ok(cp437(raw))
    }
}

/// `ZipInfo.__init__`: "Terminate the file name at the first null byte".
pub fn cut_at_nul(name: &str) -> &str {
    name.split('\0').next().unwrap_or(name)
}

/// The central directory as `_RealGetContents` reads it.
#[derive(Debug, Clone)]
pub struct Listing {
    pub end: EndRecord,
    pub members: Vec<Member>,
    /// `concat`: bytes prepended to the archive (negative when the directory's offset
    /// field points past where the directory really is).
    pub concat: i64,
    /// `start_dir`: where the central directory really starts.
    pub start_dir: u64,
}

/// `_RealGetContents`. Stops with a named-limit error past `limits.max_zip_members`
/// entries actually read (the count the end record announces is not trusted).
pub fn central_directory(src: &dyn ByteSource, limits: &Limits) -> Result<Listing, ZipError> {
    let end = end_record(src)?.ok_or_else(|| ZipError::new(msg!(en::ZIP_NO_END)))?;
    let mut concat = end.at as i128 - end.cd_size as i128 - end.cd_offset as i128;
    if end.zip64 {
        concat -= (SIZE_EOCD64 + SIZE_LOCATOR) as i128;
    }
    let start_dir = end.cd_offset as i128 + concat;
    if start_dir < 0 {
        return Err(ZipError::new(msg!(en::ZIP_BAD_CD_OFFSET)));
    }
    let start_dir = start_dir as u64;
    let concat = i64::try_from(concat).map_err(|_| ZipError::new(msg!(en::ZIP_CD_OFFSET_RANGE)))?;
    // fp.read(size_cd): what the file holds of it (a short read is caught entry by entry).
    let available = src.len().saturating_sub(start_dir).min(end.cd_size);
    let cd = read_vec(src, start_dir, available, available)?;
    let mut members = Vec::new();
    let mut total: u64 = 0;
    let mut p = 0usize; // position in `cd` (a BytesIO: short reads, never errors)
    while total < end.cd_size {
        if p + SIZE_CENTRAL > cd.len() {
            return Err(ZipError::new(msg!(en::ZIP_CD_TRUNCATED)));
        }
        if u32le(&cd, p) != CENTRAL_SIG {
            return Err(ZipError::new(msg!(en::ZIP_CD_MAGIC, entry = members.len())));
        }
        if members.len() >= limits.max_zip_members {
            return Err(ZipError::new(msg!(en::ZIP_MEMBERS_LIMIT, max = limits.max_zip_members)));
        }
        let h = &cd[p..p + SIZE_CENTRAL];
        let extract_version = u16le(h, 6);
        let flags = u16le(h, 8);
        let method = u16le(h, 10);
        let crc = u32le(h, 16);
        let mut csize = u32le(h, 20) as u64;
        let mut size = u32le(h, 24) as u64;
        let (name_len, extra_len, comment_len) = (u16le(h, 28) as usize, u16le(h, 30) as usize, u16le(h, 32) as usize);
        let mut offset = u32le(h, 42) as u64;
        let take = |from: usize, n: usize| &cd[from.min(cd.len())..(from + n).min(cd.len())];
        let raw_name = take(p + SIZE_CENTRAL, name_len);
        let extra = take(p + SIZE_CENTRAL + raw_name.len(), extra_len);
        let comment = take(p + SIZE_CENTRAL + raw_name.len() + extra.len(), comment_len);
        p += SIZE_CENTRAL + raw_name.len() + extra.len() + comment.len();
        let orig_name = decode_name(raw_name, flags)?;
        if extract_version > MAX_EXTRACT_VERSION {
            return Err(ZipError::new(msg!(
                en::ZIP_VERSION,
                name = format!("{orig_name:?}"),
                version = format!("{}.{}", extract_version / 10, extract_version % 10)
            )));
        }
        decode_extra(extra, &mut size, &mut csize, &mut offset).map_err(|e| {
            ZipError::new(crate::messages::within(msg!(en::ZIP_MEMBER_NAMED, name = format!("{orig_name:?}")), e))
        })?;
        // A header offset shifted before the file start: zipfile's seek fails on open.
        let header_offset = u64::try_from(offset as i128 + concat as i128).unwrap_or(u64::MAX);
        let name = cut_at_nul(&orig_name).to_string();
        members.push(Member { name, orig_name, method, flags, crc, compressed_size: csize, size, header_offset });
        total += (SIZE_CENTRAL + name_len + extra_len + comment_len) as u64;
    }
    Ok(Listing { end, members, concat, start_dir })
}

/// `ZipInfo._decodeExtra`: the zip64 field replaces the 0xFFFFFFFF values, in order.
fn decode_extra(mut extra: &[u8], size: &mut u64, csize: &mut u64, offset: &mut u64) -> Result<(), Message> {
    while extra.len() >= 4 {
        let (id, len) = (u16le(extra, 0), u16le(extra, 2) as usize);
        if len + 4 > extra.len() {
            return Err(msg!(en::ZIP_CORRUPT_EXTRA, id = format!("{id:04x}"), size = len));
        }
        if id == 1 {
            let mut data = &extra[4..len + 4];
            for (field, what) in [
                (&mut *size, en::ZIP_FILE_SIZE),
                (&mut *csize, en::ZIP_COMPRESS_SIZE),
                (&mut *offset, en::ZIP_HEADER_OFFSET),
            ] {
                if *field == 0xFFFF_FFFF {
                    if data.len() < 8 {
                        return Err(msg!(en::ZIP_CORRUPT_ZIP64, what = what));
                    }
                    *field = u64le(data, 0);
                    data = &data[8..];
                }
            }
        }
        extra = &extra[len + 4..];
    }
    Ok(())
}

/// `NameToInfo`: name → index of the entry `open(name)` uses (the last one). Linear.
pub fn name_to_info(members: &[Member]) -> HashMap<&str, usize> {
    let mut map = HashMap::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        map.insert(m.name.as_str(), i);
    }
    map
}

/// `_end_offset` of each entry (newer versions, see [`Version`]): the next local header by offset, or the
/// central directory. Entries sharing an offset: all but the first get that offset.
pub fn end_offsets(members: &[Member], start_dir: u64) -> Vec<u64> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    // sorted(..., reverse=True) is stable: equal offsets keep their order.
    crate::sort::by(&mut order, |&a, &b| members[b].header_offset.cmp(&members[a].header_offset));
    let mut ends = vec![0; members.len()];
    let mut end = start_dir;
    for i in order {
        ends[i] = end;
        end = members[i].header_offset;
    }
    ends
}

/// What `ZipFile.open` learns from a member's local header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalHeader {
    /// Where the member's data starts.
    pub data_offset: u64,
    /// The local name when it differs from the central one: zipfile refuses the member.
    pub name_differs: Option<String>,
}

/// Reads and checks a member's local header (30 bytes and its name) as `open` does;
/// nothing of the data is read.
pub fn local_header(src: &dyn ByteSource, m: &Member) -> Result<LocalHeader, ZipError> {
    let h = read_vec(src, m.header_offset, 30, 30)
        .map_err(|_| ZipError::new(msg!(en::ZIP_LOCAL_TRUNCATED, name = format!("{:?}", m.name))))?;
    if u32le(&h, 0) != LOCAL_SIG {
        return Err(ZipError::new(msg!(en::ZIP_LOCAL_MAGIC, name = format!("{:?}", m.name))));
    }
    let (flags, name_len, extra_len) = (u16le(&h, 6), u16le(&h, 26) as u64, u16le(&h, 28) as u64);
    if m.flags & FLAG_COMPRESSED_PATCH != 0 {
        return Err(ZipError::new(msg!(en::ZIP_PATCHED, name = format!("{:?}", m.name))));
    }
    if m.flags & FLAG_STRONG_ENCRYPTION != 0 {
        return Err(ZipError::new(msg!(en::ZIP_STRONG_ENCRYPTION, name = format!("{:?}", m.name))));
    }
    let name_at = m.header_offset + 30;
    let raw = read_vec(src, name_at, name_len.min(src.len().saturating_sub(name_at)), 1 << 16)?;
    let local = decode_name(&raw, flags)
        .map_err(|e| ZipError::new(msg!(en::ZIP_LOCAL_NAME, name = format!("{:?}", m.name), detail = e.0)))?;
    let data_offset = name_at + name_len + extra_len;
    Ok(LocalHeader { data_offset, name_differs: (local != m.orig_name).then_some(local) })
}

/// CRC-32 (IEEE), as `zlib.crc32`.
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    !data.iter().fold(!0u32, |c, &b| TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8))
}

/// Which `zipfile`: the only difference that matters here is the overlap check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// CPython up to 3.11.7 / 3.12.1 (pyenv 3.11.7 in the Keras venvs): overlaps are read.
    ReadsOverlaps,
    /// CPython 3.11.8+ / 3.12.2+ and backports: "Overlapped entries (possible zip bomb)".
    RefusesOverlaps,
}

/// `zf.read(name)` as that `zipfile` answers it: the bytes, or the error it raises.
/// bzip2 and lzma members, which zipfile reads, are errors here (not supported).
pub fn read(
    src: &dyn ByteSource,
    listing: &Listing,
    name: &str,
    limits: &Limits,
    version: Version,
) -> Result<Vec<u8>, ZipError> {
    let names = name_to_info(&listing.members);
    let &i = names.get(name).ok_or_else(|| ZipError::new(msg!(en::ZIP_NO_ITEM, name = format!("{name:?}"))))?;
    let m = &listing.members[i];
    let lh = local_header(src, m)?;
    if let Some(local) = lh.name_differs {
        return Err(ZipError::new(msg!(
            en::ZIP_NAMES_DIFFER,
            name = format!("{:?}", m.orig_name),
            local = format!("{local:?}")
        )));
    }
    let end = end_offsets(&listing.members, listing.start_dir)[i];
    if version == Version::RefusesOverlaps && lh.data_offset.saturating_add(m.compressed_size) > end {
        return Err(ZipError::new(msg!(en::ZIP_OVERLAPPED, name = format!("{:?}", m.orig_name))));
    }
    if m.flags & FLAG_ENCRYPTED != 0 {
        return Err(ZipError::new(msg!(en::ZIP_PASSWORD, name = format!("{name:?}"))));
    }
    let data = super::read_member(src, m, limits, limits.max_inflated_bytes)?;
    if crc32(&data) != m.crc {
        return Err(ZipError::new(msg!(en::ZIP_BAD_CRC, name = format!("{:?}", m.name))));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfind4_is_rfind() {
        let sig = *b"PK\x05\x06";
        let naive = |d: &[u8]| d.windows(4).rposition(|w| w == sig);
        let mut cases: Vec<Vec<u8>> = vec![vec![], b"PK\x05".to_vec(), sig.to_vec(), b"PPK\x05\x06P".to_vec()];
        cases.push([&sig[..], b"xxPKPK\x05\x06PK\x05"].concat());
        cases.push([b"PK\x05\x06", &[b'P'; 100][..], b"PK\x05\x06PPP"].concat());
        cases.push(vec![b'P'; 1000]);
        // The first two bytes everywhere: every block looks closer and most find nothing.
        let mut pairs = b"PK".repeat(600);
        cases.push(pairs.clone());
        pairs[301..305].copy_from_slice(&sig);
        cases.push(pairs);
        let mut noise: Vec<u8> = (0..70_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        cases.push(noise.clone());
        noise[12_345..12_349].copy_from_slice(&sig);
        noise[7..11].copy_from_slice(&sig);
        cases.push(noise);
        for c in &cases {
            assert_eq!(rfind4(c, sig), naive(c), "{c:?}");
            for cut in 0..c.len().min(20) {
                assert_eq!(rfind4(&c[cut..], sig), naive(&c[cut..]));
                assert_eq!(rfind4(&c[..c.len() - cut], sig), naive(&c[..c.len() - cut]));
            }
        }
    }
    use crate::container::zip::tests::build_stored;

    fn listing(z: &[u8]) -> Listing {
        central_directory(&z, &Limits::default()).unwrap()
    }

    #[test]
    fn names_are_cut_at_the_first_nul_and_the_last_entry_wins() {
        let z = build_stored(&[("config.json\0x", b"{\"a\":1}"), ("config.json", b"{}"), ("config.json", b"[]")]);
        let l = listing(&z);
        assert_eq!(l.members[0].name, "config.json");
        assert_eq!(l.members[0].orig_name, "config.json\0x");
        assert_eq!(name_to_info(&l.members)["config.json"], 2);
        assert_eq!(read(&z, &l, "config.json", &Limits::default(), Version::ReadsOverlaps).unwrap(), b"[]");
    }

    #[test]
    fn the_end_record_is_the_last_signature_and_a_cut_one_means_not_a_zip() {
        let mut z = build_stored(&[("a", b"1")]);
        assert!(end_record(&z).unwrap().is_some());
        // A comment that claims more bytes than the file has: zipfile still accepts it.
        let n = z.len();
        z[n - 2] = 9;
        assert_eq!(end_record(&z).unwrap().map(|e| e.at), Some(n as u64 - 22));
        // A second signature in the last 21 bytes: rfind finds it, it is cut short.
        z.extend_from_slice(b"PK\x05\x06");
        assert_eq!(end_record(&z).unwrap(), None);
    }

    #[test]
    fn the_entry_count_is_ignored_and_the_directory_walked_by_size() {
        let mut z = build_stored(&[("a", b"1"), ("b", b"2")]);
        let n = z.len();
        z[n - 12..n - 10].copy_from_slice(&1u16.to_le_bytes()); // entries total
        let l = listing(&z);
        assert_eq!((l.end.entries, l.members.len()), (1, 2));
    }

    #[test]
    fn prepended_data_shifts_offsets_and_a_negative_concat_is_accepted() {
        let mut z = b"junk before".to_vec();
        z.extend(build_stored(&[("a", b"hi")]));
        let l = listing(&z);
        assert_eq!(l.concat, 11);
        assert_eq!(read(&z, &l, "a", &Limits::default(), Version::ReadsOverlaps).unwrap(), b"hi");
        // Directory offset field too large by 5: zipfile reads the directory where it is.
        let mut y = build_stored(&[("a", b"hi")]);
        let n = y.len();
        let off = u32le(&y, n - 6) + 5;
        y[n - 6..n - 2].copy_from_slice(&off.to_le_bytes());
        let l = listing(&y);
        assert_eq!(l.concat, -5);
        assert!(
            read(&y, &l, "a", &Limits::default(), Version::ReadsOverlaps).is_err(),
            "header offset shifted off the local header"
        );
    }

    #[test]
    fn utf8_flag_is_strict_and_cp437_otherwise() {
        assert_eq!(decode_name(b"caf\x82", 0).unwrap(), "café");
        assert!(decode_name(b"caf\x82", FLAG_UTF8).is_err());
        assert_eq!(decode_name("café".as_bytes(), FLAG_UTF8).unwrap(), "café");
    }

    #[test]
    fn overlapping_entries_are_refused_by_open_and_the_member_cap_counts_real_entries() {
        let z = build_stored(&[("a", b"hello"), ("b", b"x")]);
        let mut l = listing(&z);
        l.members[1].header_offset = l.members[0].header_offset; // b over a's bytes
        let ends = end_offsets(&l.members, l.start_dir);
        assert_eq!(ends, [l.start_dir, l.members[0].header_offset]);
        // Two entries of one name over the same bytes: the last is refused by newer zipfile.
        let mut l = listing(&build_stored(&[("a", b"hello")]));
        l.members.push(l.members[0].clone());
        let one = build_stored(&[("a", b"hello")]);
        assert_eq!(read(&one, &l, "a", &Limits::default(), Version::ReadsOverlaps).unwrap(), b"hello");
        let e = read(&one, &l, "a", &Limits::default(), Version::RefusesOverlaps).unwrap_err();
        assert!(e.0.text.contains("Overlapped"), "{e}");
        let limits = Limits { max_zip_members: 1, ..Limits::default() };
        let e = central_directory(&z, &limits).unwrap_err();
        assert!(e.0.text.contains("max_zip_members"), "{e}");
    }

    #[test]
    fn local_name_must_match_and_crc_is_checked() {
        let mut z = build_stored(&[("config.json", b"{}")]);
        z[30] = b'C'; // local name "Config.json"
        let l = listing(&z);
        assert!(read(&z, &l, "config.json", &Limits::default(), Version::ReadsOverlaps)
            .unwrap_err()
            .0
            .text
            .contains("differ"));
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}

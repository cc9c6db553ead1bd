//! Random-access byte sources.
//!
//! Every reader in the core works over [`ByteSource`] and asks only for the bytes it
//! needs, so a 5 GB model costs the few kilobytes of its metadata: natively through
//! positioned file reads, in the browser through `Blob.slice` in a worker (see `web/`).
//! A zip member stored uncompressed is a [`Window`] on the archive, never a copy.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;

use crate::messages::{en, Message};
use crate::msg;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The range `[offset, offset + len)` is not inside the source.
    OutOfBounds { offset: u64, len: u64, source_len: u64 },
    /// The underlying medium failed (I/O error, browser read error).
    Io(String),
    /// A caller asked for more than a limit allows; see [`read_vec`].
    TooLarge { requested: u64, limit: u64 },
    /// The file ended before the bytes its length promised (it shrank while read).
    UnexpectedEnd,
    /// The scan's read budget is spent (the limit errors say which).
    BudgetSpent,
}

impl SourceError {
    /// The catalogue message (its `text` is the Display form).
    pub fn message(&self) -> Message {
        match self {
            SourceError::OutOfBounds { offset, len, source_len } => {
                msg!(en::SRC_PAST_END, len = *len, offset = *offset, size = *source_len)
            }
            SourceError::Io(e) => msg!(en::SRC_IO, detail = e),
            SourceError::TooLarge { requested, limit } => {
                msg!(en::SRC_TOO_LARGE, requested = *requested, limit = *limit)
            }
            SourceError::UnexpectedEnd => msg!(en::SRC_IO, detail = en::SRC_UNEXPECTED_END),
            SourceError::BudgetSpent => msg!(en::SRC_BUDGET_SPENT),
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().text)
    }
}

impl std::error::Error for SourceError {}

/// A finite sequence of bytes that can be read at any offset.
///
/// Implementations must fill `buf` completely or fail; they never return short reads.
pub trait ByteSource {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Reads exactly `buf.len()` bytes starting at `offset`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError>;

    /// Whether the source holds its bytes in memory, so that [`ByteSource::slice_at`]
    /// lends them instead of copying (a small file read whole, a slice).
    fn in_memory(&self) -> bool {
        false
    }

    /// `len` bytes at `offset` lent from memory, checked, counted and charged exactly as
    /// [`ByteSource::read_at`] of them would be; `None` when the source is not
    /// [`ByteSource::in_memory`] (then nothing was counted: read instead). Use
    /// [`read_cow`], which does either.
    fn slice_at(&self, _offset: u64, _len: u64) -> Option<Result<&[u8], SourceError>> {
        None
    }

    /// All the bytes, when the source is exactly a buffer in memory (a small file read
    /// whole, a slice): the scan's metered reader then lends from it directly instead of
    /// through a chain of sources per read. `None` for any source that counts, meters or
    /// windows its reads, so no counting is ever skipped.
    fn whole(&self) -> Option<&[u8]> {
        None
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks that `[offset, offset+len)` lies inside a source of `source_len` bytes.
pub fn check_range(offset: u64, len: u64, source_len: u64) -> Result<(), SourceError> {
    match offset.checked_add(len) {
        Some(end) if end <= source_len => Ok(()),
        _ => Err(SourceError::OutOfBounds { offset, len, source_len }),
    }
}

/// Reads `len` bytes at `offset` into a new vector, refusing before allocating when the
/// range is outside the source or larger than `limit`. Use this for every
/// length that comes from the file.
pub fn read_vec(src: &dyn ByteSource, offset: u64, len: u64, limit: u64) -> Result<Vec<u8>, SourceError> {
    if len > limit {
        return Err(SourceError::TooLarge { requested: len, limit });
    }
    check_range(offset, len, src.len())?;
    let mut buf = vec![0u8; len as usize];
    src.read_at(offset, &mut buf)?;
    Ok(buf)
}

/// [`read_vec`], lending the bytes instead of copying them when the source holds them in
/// memory: the same checks (in the same order), counts and charges either way.
pub fn read_cow(
    src: &dyn ByteSource,
    offset: u64,
    len: u64,
    limit: u64,
) -> Result<std::borrow::Cow<'_, [u8]>, SourceError> {
    if len > limit {
        return Err(SourceError::TooLarge { requested: len, limit });
    }
    check_range(offset, len, src.len())?;
    match src.slice_at(offset, len) {
        Some(lent) => lent.map(std::borrow::Cow::Borrowed),
        None => read_vec(src, offset, len, limit).map(std::borrow::Cow::Owned),
    }
}

impl ByteSource for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        buf.copy_from_slice(self.slice_at(offset, buf.len() as u64).expect("in memory")?);
        Ok(())
    }
    fn in_memory(&self) -> bool {
        true
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        Some(check_range(offset, len, ByteSource::len(self)).map(|()| &self[offset as usize..(offset + len) as usize]))
    }
    fn whole(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl ByteSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        self.as_slice().read_at(offset, buf)
    }
    fn in_memory(&self) -> bool {
        true
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        self.as_slice().slice_at(offset, len)
    }
    fn whole(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl<T: ByteSource + ?Sized> ByteSource for &T {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        (**self).read_at(offset, buf)
    }
    fn in_memory(&self) -> bool {
        (**self).in_memory()
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        (**self).slice_at(offset, len)
    }
    fn whole(&self) -> Option<&[u8]> {
        (**self).whole()
    }
}

/// A sub-range of another source, e.g. a zip member stored uncompressed.
pub struct Window<'a> {
    inner: &'a dyn ByteSource,
    start: u64,
    len: u64,
}

impl<'a> Window<'a> {
    /// A window of `len` bytes from `start`; fails if it does not fit in `inner`.
    pub fn new(inner: &'a dyn ByteSource, start: u64, len: u64) -> Result<Self, SourceError> {
        check_range(start, len, inner.len())?;
        Ok(Window { inner, start, len })
    }
}

impl ByteSource for Window<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        check_range(offset, buf.len() as u64, self.len)?;
        self.inner.read_at(self.start + offset, buf)
    }
    fn in_memory(&self) -> bool {
        self.inner.in_memory()
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        if !self.inner.in_memory() {
            return None;
        }
        Some(
            check_range(offset, len, self.len)
                .and_then(|()| self.inner.slice_at(self.start + offset, len).expect("the inner source is in memory")),
        )
    }
}

/// Counts what goes through a source: the "bytes read" figure of a report and of the
/// benchmarks is the number of distinct bytes of the file read (a range read twice counts
/// once, so it never exceeds the file's size); `bytes_requested` is the total asked for.
pub struct Counting<'a> {
    inner: &'a dyn ByteSource,
    /// Disjoint, non-adjacent ranges read so far: start → end.
    ranges: RefCell<BTreeMap<u64, u64>>,
    /// The range the last read was merged into (it may since have grown into a larger
    /// one, which still holds it): a read inside it adds nothing, and most reads are
    /// (the HDF5 reader rereads headers and heaps it has just read).
    last: Cell<(u64, u64)>,
    distinct: Cell<u64>,
    requested: Cell<u64>,
    reads: Cell<u64>,
}

impl<'a> Counting<'a> {
    pub fn new(inner: &'a dyn ByteSource) -> Self {
        Counting {
            inner,
            ranges: RefCell::new(BTreeMap::new()),
            last: Cell::new((0, 0)),
            distinct: Cell::new(0),
            requested: Cell::new(0),
            reads: Cell::new(0),
        }
    }
    /// Distinct bytes read.
    pub fn bytes_read(&self) -> u64 {
        self.distinct.get()
    }
    /// Bytes asked for, counting repeated ranges each time.
    pub fn bytes_requested(&self) -> u64 {
        self.requested.get()
    }
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }

    /// The source this one counts the reads of.
    pub fn inner(&self) -> &'a dyn ByteSource {
        self.inner
    }

    /// Counts a lend of `len` bytes at `offset` that the caller made from
    /// `self.inner().whole()` itself, exactly as [`ByteSource::slice_at`] counts one
    /// (`ok`: it was inside the source).
    pub fn count_lent(&self, offset: u64, len: u64, ok: bool) {
        self.reads.set(self.reads.get() + 1);
        self.requested.set(self.requested.get() + len);
        if ok {
            self.record(offset, offset.saturating_add(len));
        }
    }

    /// Adds `[start, end)` to the set of ranges read, merging what it touches: amortised
    /// O(log n) per read, since every merged range is removed once.
    fn record(&self, start: u64, end: u64) {
        let (last_start, last_end) = self.last.get();
        if start >= end || (last_start <= start && end <= last_end) {
            return;
        }
        let mut ranges = self.ranges.borrow_mut();
        let (mut lo, mut hi) = (start, end);
        // A range starting at or before `start` that reaches it.
        if let Some((&s, &e)) = ranges.range(..=start).next_back() {
            if e >= start {
                lo = s;
                hi = hi.max(e);
                ranges.remove(&s);
                self.distinct.set(self.distinct.get() - (e - s));
            }
        }
        // Ranges starting inside the new one.
        while let Some((&s, &e)) = ranges.range(lo..=hi).next() {
            hi = hi.max(e);
            ranges.remove(&s);
            self.distinct.set(self.distinct.get() - (e - s));
        }
        ranges.insert(lo, hi);
        self.last.set((lo, hi));
        self.distinct.set(self.distinct.get() + (hi - lo));
    }
}

impl ByteSource for Counting<'_> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        self.reads.set(self.reads.get() + 1);
        self.requested.set(self.requested.get() + buf.len() as u64);
        self.inner.read_at(offset, buf)?;
        self.record(offset, offset.saturating_add(buf.len() as u64));
        Ok(())
    }
    fn in_memory(&self) -> bool {
        self.inner.in_memory()
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        let lent = self.inner.slice_at(offset, len)?;
        self.count_lent(offset, len, lent.is_ok());
        Some(lent)
    }
}

/// A native file read with positioned reads (no shared cursor, no whole-file load).
#[cfg(any(unix, windows))]
pub struct FileSource {
    file: std::fs::File,
    len: u64,
}

#[cfg(any(unix, windows))]
impl FileSource {
    pub fn open(path: &std::path::Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }
}

#[cfg(any(unix, windows))]
impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        check_range(offset, buf.len() as u64, self.len)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_exact_at(buf, offset).map_err(|e| SourceError::Io(e.to_string()))
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut done = 0usize;
            while done < buf.len() {
                let n = self
                    .file
                    .seek_read(&mut buf[done..], offset + done as u64)
                    .map_err(|e| SourceError::Io(e.to_string()))?;
                if n == 0 {
                    return Err(SourceError::UnexpectedEnd);
                }
                done += n;
            }
            Ok(())
        }
    }
}

/// A native file as the scanners of many files open it: read whole with one read when it
/// is small (a small `.h5` is read almost whole anyway, in ~150 ranged reads of a few
/// bytes each: one read from memory each instead of one system call each), else
/// positioned reads of only what the scan asks for. Either way the scan sees the same
/// bytes through the same [`ByteSource`] calls, so its report is the same.
#[cfg(any(unix, windows))]
pub enum LocalFile {
    Whole(Vec<u8>),
    Ranged(FileSource),
}

#[cfg(any(unix, windows))]
impl LocalFile {
    /// Opens `path`, reading it whole when it is at most `whole_up_to` bytes.
    pub fn open(path: &std::path::Path, whole_up_to: u64) -> std::io::Result<Self> {
        Self::open_into(path, whole_up_to, Vec::new())
    }

    /// [`LocalFile::open`] reading into `buf` (the buffer of an earlier file, from
    /// [`LocalFile::into_buffer`]): a scanner of many small files then neither allocates
    /// nor zeroes a buffer per file. Its old bytes are all overwritten by the read.
    pub fn open_into(path: &std::path::Path, whole_up_to: u64, buf: Vec<u8>) -> std::io::Result<Self> {
        Self::open_seen(path, whole_up_to, buf, None)
    }

    /// [`LocalFile::open_into`] for a file whose size the caller has just seen
    /// (`seen_len`, from the stat that listed it). When that size is small, one read of
    /// one byte more both reads the file and confirms its size: exactly `seen_len` bytes
    /// back means the file ends there, so its size is not asked again (a system call
    /// fewer per small file). Any other outcome (the file grew or shrank since, the read
    /// came back short or failed) falls back to asking, as [`LocalFile::open_into`] does.
    pub fn open_seen(
        path: &std::path::Path,
        whole_up_to: u64,
        mut buf: Vec<u8>,
        seen_len: Option<u64>,
    ) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        if let Some(seen) = seen_len.filter(|&n| n <= whole_up_to) {
            let want = seen as usize + 1;
            buf.truncate(want);
            buf.resize(want, 0);
            if one_read(&file, &mut buf).is_ok_and(|got| got as u64 == seen) {
                buf.truncate(seen as usize);
                return Ok(LocalFile::Whole(buf));
            }
        }
        let len = file.metadata()?.len();
        let src = FileSource { file, len };
        if len > whole_up_to {
            return Ok(LocalFile::Ranged(src));
        }
        // Sized first (zeroing only what the buffer never held): `read_to_end` would skip
        // that but reads in growing steps (three system calls for a 22 KB file).
        let len = len as usize;
        buf.truncate(len);
        buf.resize(len, 0);
        src.read_at(0, &mut buf).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(LocalFile::Whole(buf))
    }

    /// The buffer of a file read whole, for [`LocalFile::open_into`].
    pub fn into_buffer(self) -> Option<Vec<u8>> {
        match self {
            LocalFile::Whole(b) => Some(b),
            LocalFile::Ranged(_) => None,
        }
    }
}

/// One positioned read from the start of `file` into `buf`: the bytes it returned.
#[cfg(any(unix, windows))]
fn one_read(file: &std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, 0)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, 0)
    }
}

#[cfg(any(unix, windows))]
impl ByteSource for LocalFile {
    fn len(&self) -> u64 {
        match self {
            LocalFile::Whole(b) => b.len() as u64,
            LocalFile::Ranged(f) => f.len,
        }
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        match self {
            LocalFile::Whole(b) => b.as_slice().read_at(offset, buf),
            LocalFile::Ranged(f) => f.read_at(offset, buf),
        }
    }
    fn in_memory(&self) -> bool {
        matches!(self, LocalFile::Whole(_))
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        match self {
            LocalFile::Whole(b) => b.as_slice().slice_at(offset, len),
            LocalFile::Ranged(_) => None,
        }
    }
    fn whole(&self) -> Option<&[u8]> {
        match self {
            LocalFile::Whole(b) => Some(b),
            LocalFile::Ranged(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_reads_exact_ranges_and_rejects_overflowing_ones() {
        let data: &[u8] = b"hello world";
        let mut buf = [0u8; 5];
        data.read_at(6, &mut buf).unwrap();
        assert_eq!(&buf, b"world");
        assert!(matches!(data.read_at(7, &mut buf), Err(SourceError::OutOfBounds { .. })));
        // offset + len overflowing u64 must not wrap around
        assert!(data.read_at(u64::MAX, &mut buf).is_err());
    }

    #[test]
    fn window_is_a_view_not_a_copy_and_is_bounded() {
        let data: &[u8] = b"0123456789";
        let w = Window::new(&data, 2, 5).unwrap();
        let mut buf = [0u8; 3];
        w.read_at(2, &mut buf).unwrap();
        assert_eq!(&buf, b"456");
        assert!(w.read_at(3, &mut buf).is_err());
        assert!(Window::new(&data, 8, 5).is_err());
    }

    #[test]
    fn read_vec_refuses_before_allocating() {
        let data: &[u8] = b"abc";
        assert!(matches!(read_vec(&data, 0, u64::MAX, 10), Err(SourceError::TooLarge { .. })));
        assert!(matches!(read_vec(&data, 0, 4, 10), Err(SourceError::OutOfBounds { .. })));
        assert_eq!(read_vec(&data, 1, 2, 10).unwrap(), b"bc");
    }

    #[test]
    fn counting_counts() {
        let data: &[u8] = b"abcdef";
        let c = Counting::new(&data);
        let mut b = [0u8; 2];
        c.read_at(0, &mut b).unwrap();
        c.read_at(4, &mut b).unwrap();
        assert_eq!((c.bytes_read(), c.reads()), (4, 2));
    }
}

#[cfg(test)]
mod counting_tests {
    use super::*;

    #[test]
    fn distinct_bytes_never_exceed_the_file() {
        let data = vec![0u8; 1000];
        let c = Counting::new(&data);
        let mut b = [0u8; 100];
        for off in [0u64, 50, 50, 900, 150, 120, 0, 899] {
            c.read_at(off, &mut b[..(1000 - off as usize).min(100)]).unwrap();
        }
        // [0, 250) and [899, 1000).
        assert_eq!(c.bytes_read(), 250 + 101);
        assert_eq!(c.reads(), 8);
        assert!(c.bytes_requested() > c.bytes_read());
        // Adjacent ranges merge; a failed read counts nothing.
        c.read_at(250, &mut b[..50]).unwrap();
        assert_eq!(c.bytes_read(), 300 + 101);
        assert!(c.read_at(990, &mut b[..50]).is_err());
        assert_eq!(c.bytes_read(), 300 + 101);
        for off in (0..1000).step_by(7) {
            let n = (1000 - off).min(3);
            c.read_at(off as u64, &mut b[..n]).unwrap();
        }
        assert!(c.bytes_read() <= 1000);
    }
}

#[cfg(test)]
mod counting_differential_tests {
    use super::*;

    /// Against a byte map, over reads that repeat, nest, touch and overlap (the skip of
    /// a read inside the last merged range must never skip new bytes).
    #[test]
    fn distinct_bytes_match_a_byte_map() {
        let data = vec![0u8; 4096];
        let c = Counting::new(&data);
        let mut seen = vec![false; data.len()];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut buf = vec![0u8; 300];
        for i in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 300) as usize;
            let off = match i % 4 {
                0 => (x >> 20) as usize % (data.len() - len + 1),
                // Near the previous reads, where merges and the skip happen.
                _ => ((x >> 20) as usize % 512 + i / 4 % 3000).min(data.len() - len),
            };
            c.read_at(off as u64, &mut buf[..len]).unwrap();
            seen[off..off + len].iter_mut().for_each(|b| *b = true);
            assert_eq!(c.bytes_read(), seen.iter().filter(|&&b| b).count() as u64, "read {i}");
        }
    }
}

#[cfg(test)]
mod lending_tests {
    use super::*;

    /// A source that only reads (as a Blob or a file read in ranges does).
    struct Copying<'a>(&'a [u8]);
    impl ByteSource for Copying<'_> {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
            self.0.read_at(offset, buf)
        }
    }

    /// Lending and copying give the same bytes, errors and counts, through windows too.
    #[test]
    fn read_cow_lends_what_read_vec_copies() {
        let data: Vec<u8> = (0..200u8).collect();
        let copying = Copying(&data);
        let (lent_src, copied_src) = (Window::new(&data, 10, 150).unwrap(), Window::new(&copying, 10, 150).unwrap());
        let (lent, copied) = (Counting::new(&lent_src), Counting::new(&copied_src));
        assert!(lent.in_memory() && !copied.in_memory());
        for (offset, len, limit) in [(0, 10, 64), (5, 20, 64), (140, 10, 64), (140, 11, 64), (0, 100, 64), (149, 0, 9)]
        {
            let a = read_cow(&lent, offset, len, limit);
            let b = read_vec(&copied, offset, len, limit);
            assert!(matches!(a, Ok(std::borrow::Cow::Borrowed(_))) || a.is_err(), "{offset} {len}");
            assert_eq!(a.map(|c| c.into_owned()), b, "{offset} {len}");
        }
        // Refused ranges reach no source; the empty read counts as a read.
        let counts = |c: &Counting| (c.reads(), c.bytes_read(), c.bytes_requested());
        assert_eq!(counts(&lent), (4, 25 + 10, 10 + 20 + 10));
        assert_eq!(counts(&lent), counts(&copied));
        let owned = read_cow(&copied_src, 3, 4, 9).unwrap();
        assert!(matches!(&owned, std::borrow::Cow::Owned(v) if v == &[13, 14, 15, 16]));
    }
}

#[cfg(all(test, any(unix, windows)))]
mod local_file_tests {
    use super::*;

    /// A fresh folder named after `tag` holding `f.bin` of 5,000 known bytes.
    fn file_of_5000(tag: &str) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
        let dir = std::env::temp_dir().join(format!("ks-localfile-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        (dir, path, data)
    }

    #[test]
    fn small_files_are_read_whole_large_ones_ranged_and_both_read_the_same() {
        let (dir, path, data) = file_of_5000("whole");
        let whole = LocalFile::open(&path, 5000).unwrap();
        let ranged = LocalFile::open(&path, 4999).unwrap();
        assert!(matches!(whole, LocalFile::Whole(_)) && matches!(ranged, LocalFile::Ranged(_)));
        for src in [&whole, &ranged] {
            assert_eq!(src.len(), 5000);
            let mut b = [0u8; 10];
            src.read_at(4990, &mut b).unwrap();
            assert_eq!(b, data[4990..]);
            assert!(matches!(src.read_at(4991, &mut b), Err(SourceError::OutOfBounds { .. })));
        }
        assert!(LocalFile::open(&dir.join("missing"), 1 << 20).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A size seen earlier only spares a question: a file that grew or shrank since is
    /// still read whole and exactly, and a large one still ranged.
    #[test]
    fn a_seen_size_that_is_wrong_changes_nothing() {
        let (dir, path, data) = file_of_5000("seen");
        let stale_buffer = vec![0xAA; 9000];
        for seen in [None, Some(5000), Some(4000), Some(6000), Some(0)] {
            let whole = LocalFile::open_seen(&path, 1 << 20, stale_buffer.clone(), seen).unwrap();
            assert_eq!(whole.whole(), Some(&data[..]), "seen {seen:?}");
            let ranged = LocalFile::open_seen(&path, 4999, Vec::new(), seen).unwrap();
            assert!(matches!(ranged, LocalFile::Ranged(_)), "seen {seen:?}");
            assert_eq!(ranged.len(), 5000);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

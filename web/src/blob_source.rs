//! [`ByteSource`] over a browser `Blob` (a dropped `File`).
//!
//! Each read is `blob.slice(start, end)` → `FileReaderSync.readAsArrayBuffer` → copy into
//! the caller's buffer, so only the requested ranges are ever read and wasm memory stays
//! small whatever the file size. Small reads (headers, zip directory entries, HDF5 object
//! headers) go through a tiny cache of aligned blocks so that many neighbouring
//! few-byte reads cost one `FileReaderSync` call. A small file can instead be read whole
//! on its first read ([`BlobSource::read_whole_below`]): an HDF5 file's metadata is spread
//! over the whole file, and one call for a few MiB costs less than a thousand small ones.
//! `FileReaderSync` exists only in workers.

use std::cell::{Cell, RefCell};

use js_sys::Uint8Array;
use keras_sentinel::source::{check_range, ByteSource, SourceError};
use web_sys::{Blob, FileReaderSync};

/// Size of a cached block. Reads at least this large bypass the cache.
pub const BLOCK: u64 = 64 * 1024;
/// How many blocks the cache holds (so at most 512 KiB).
pub const CACHED_BLOCKS: usize = 8;
/// Files up to this size are read whole by the scanning worker (one `FileReaderSync`
/// call; the wasm memory this takes is returned when the scan ends). Each call to the
/// browser costs ~0.5–1 ms here whatever its size: on the wild folder (95 files, 58 MiB,
/// ~160 reads a file), whole reads below 256 KiB and this block cache (32 blocks) above
/// read a third of the bytes but took the workers ~25% longer than whole reads below 8 MiB.
pub const READ_WHOLE_BELOW: u64 = 8 << 20;

pub struct BlobSource {
    blob: Blob,
    len: u64,
    reader: FileReaderSync,
    /// (block index, bytes), most recently used last.
    cache: RefCell<Vec<(u64, Vec<u8>)>>,
    /// Files up to this size are read whole on the first read (0: never).
    whole_below: u64,
    whole: RefCell<Option<Vec<u8>>>,
    /// Calls made to `FileReaderSync` and bytes they returned (for tests and progress).
    blob_reads: Cell<u64>,
    blob_bytes: Cell<u64>,
    progress: Option<Box<dyn Fn(u64)>>,
    last_progress: Cell<f64>,
}

impl BlobSource {
    /// Fails outside a worker (no `FileReaderSync`).
    pub fn new(blob: Blob) -> Result<Self, String> {
        let reader = FileReaderSync::new()
            .map_err(|e| format!("FileReaderSync is not available here (only in a worker): {}", js_err(&e)))?;
        let len = blob.size();
        Ok(BlobSource {
            len: if len.is_finite() && len >= 0.0 { len as u64 } else { 0 },
            blob,
            reader,
            cache: RefCell::new(Vec::new()),
            whole_below: 0,
            whole: RefCell::new(None),
            blob_reads: Cell::new(0),
            blob_bytes: Cell::new(0),
            progress: None,
            last_progress: Cell::new(0.0),
        })
    }

    /// Calls `f(bytes read so far)` at most every 250 ms while a scan reads.
    pub fn with_progress(mut self, f: impl Fn(u64) + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Reads a file of at most `limit` bytes whole on its first read, then serves every
    /// read from memory. Readers still ask for their ranges; the bytes-read figures of a
    /// report come from those requests (the metered source above), not from this.
    pub fn read_whole_below(mut self, limit: u64) -> Self {
        self.whole_below = limit;
        self
    }

    /// Number of `FileReaderSync` reads performed.
    pub fn blob_reads(&self) -> u64 {
        self.blob_reads.get()
    }

    /// Bytes actually read from the blob (cache misses and large reads).
    pub fn blob_bytes(&self) -> u64 {
        self.blob_bytes.get()
    }

    /// Reads `[start, start + buf.len())` straight from the blob.
    fn read_direct(&self, start: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        if buf.is_empty() {
            return Ok(());
        }
        self.read_blob(start, buf.len())?.copy_to(buf);
        Ok(())
    }

    /// The whole file, copied once into a new buffer (not zeroed first: a few MiB of
    /// memset is measurable in wasm, which has no bulk memory instructions here).
    fn read_whole(&self) -> Result<Vec<u8>, SourceError> {
        let len = self.len as usize;
        let mut data = Vec::with_capacity(len);
        if len > 0 {
            let n = self.read_blob(0, len)?.copy_to_uninit(&mut data.spare_capacity_mut()[..len]).len();
            // SAFETY: `copy_to_uninit` initialised the first `n` (= `len`, it panics
            // otherwise) bytes of the spare capacity.
            unsafe { data.set_len(n) };
        }
        Ok(data)
    }

    /// `len` bytes at `start` of the blob, as the browser returned them (exactly `len`, or
    /// an error), counted in the read figures.
    fn read_blob(&self, start: u64, len: usize) -> Result<Uint8Array, SourceError> {
        let end = start + len as u64;
        // The whole file is read as it is: a slice is one more synchronous call to the
        // browser. f64 holds integers exactly up to 2^53 bytes: far beyond any real file.
        let part = if start == 0 && end == self.len {
            self.blob.clone()
        } else {
            self.blob
                .slice_with_f64_and_f64(start as f64, end as f64)
                .map_err(|e| SourceError::Io(format!("Blob.slice failed: {}", js_err(&e))))?
        };
        let ab = self
            .reader
            .read_as_array_buffer(&part)
            .map_err(|e| SourceError::Io(format!("reading the file failed: {}", js_err(&e))))?;
        let arr = Uint8Array::new(&ab);
        if arr.length() as usize != len {
            return Err(SourceError::Io(format!(
                "short read: asked {len} bytes at {start}, got {} (was the file changed on disk?)",
                arr.length()
            )));
        }
        self.blob_reads.set(self.blob_reads.get() + 1);
        self.blob_bytes.set(self.blob_bytes.get() + len as u64);
        self.report_progress();
        Ok(arr)
    }

    fn report_progress(&self) {
        if let Some(f) = &self.progress {
            let now = js_sys::Date::now();
            if now - self.last_progress.get() >= 250.0 {
                self.last_progress.set(now);
                f(self.blob_bytes.get());
            }
        }
    }

    /// Copies the part of block `index` overlapping `[offset, offset + buf.len())`.
    fn with_block(&self, index: u64, f: impl FnOnce(&[u8])) -> Result<(), SourceError> {
        let mut cache = self.cache.borrow_mut();
        if let Some(pos) = cache.iter().position(|(i, _)| *i == index) {
            let entry = cache.remove(pos);
            f(&entry.1);
            cache.push(entry);
            return Ok(());
        }
        let start = index * BLOCK;
        let end = (start + BLOCK).min(self.len);
        let mut data = vec![0u8; (end - start) as usize];
        self.read_direct(start, &mut data)?;
        f(&data);
        if cache.len() >= CACHED_BLOCKS {
            cache.remove(0);
        }
        cache.push((index, data));
        Ok(())
    }
}

impl ByteSource for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        check_range(offset, buf.len() as u64, self.len)?;
        if buf.is_empty() {
            return Ok(());
        }
        if self.len <= self.whole_below {
            let mut whole = self.whole.borrow_mut();
            if whole.is_none() {
                *whole = Some(self.read_whole()?);
            }
            let data = whole.as_deref().unwrap_or_default();
            buf.copy_from_slice(&data[offset as usize..offset as usize + buf.len()]);
            return Ok(());
        }
        if buf.len() as u64 >= BLOCK {
            return self.read_direct(offset, buf);
        }
        let end = offset + buf.len() as u64;
        let mut index = offset / BLOCK;
        while index * BLOCK < end {
            let bstart = index * BLOCK;
            let from = offset.max(bstart);
            let to = end.min(bstart + BLOCK);
            let dst = &mut buf[(from - offset) as usize..(to - offset) as usize];
            self.with_block(index, |block| {
                dst.copy_from_slice(&block[(from - bstart) as usize..(to - bstart) as usize]);
            })?;
            index += 1;
        }
        Ok(())
    }
}

/// A readable message from a thrown JS value.
pub fn js_err(e: &wasm_bindgen::JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    if let Some(err) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Error>(e) {
        return String::from(err.message());
    }
    format!("{e:?}")
}

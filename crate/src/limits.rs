//! Every bound the scanner enforces, in one place, and the per-file [`Budget`] that
//! charges work against them.
//!
//! Hostile input is the normal case: each reader checks these before allocating,
//! recursing or looping, and reports when one is hit. A limit hit is never a silent
//! skip: it becomes an error in the file's report that names the limit
//! ([`LimitHit`] → `ScanError::limit`), and the verdict becomes `error`, never `clean`.
//!
//! ## Adding a limit
//! One line in the [`limits!`] table below: doc comment, name, type, default. The CLI's
//! `--limit name=value` and `keras-sentinel limits` are generated from the same table.
//!
//! ## How work is charged
//! Readers take `&Limits` and enforce their own structural bounds (depth, counts,
//! sizes). The per-file [`Budget`] is created by `scan` and charged by the pipeline:
//! - every byte read from the file goes through a metered source (`scan.rs`), which
//!   charges `max_read_factor` and polls the deadline hook on each read, and fails the
//!   read once either is exhausted: every reader stops at its next read;
//! - each JSON document reserves `max_memory_bytes` before it is parsed
//!   ([`json_memory_estimate`]), and charges `max_work` by its length;
//! - each function analysed charges `max_work` by its payload length and polls the
//!   deadline before it starts.
//!
//! Readers will take `&Budget` next to `&Limits` (charging structures visited, bytes
//! inflated, evaluation steps) once their signatures settle; until then the budget
//! bounds the work *between* reader calls, and each reader's own limits bound the work
//! inside one call.

use std::cell::{Cell, RefCell};

use serde::Serialize;

/// A value a limit can take from the command line (`--limit name=value`).
pub trait LimitValue: Sized {
    fn parse_limit(text: &str) -> Result<Self, String>;
    fn show(&self) -> String;
    /// The field as one of the few limit types: [`Limits::set`] and [`Limits::get`] then
    /// parse and show through one path per type, not one per limit (the page's wasm
    /// carried ~9 KB of per-limit copies).
    fn slot(&mut self) -> Slot<'_>;
}

/// A limit's field, by type.
pub enum Slot<'a> {
    U64(&'a mut u64),
    Usize(&'a mut usize),
    Bool(&'a mut bool),
}

impl Slot<'_> {
    fn set(self, text: &str) -> Result<(), String> {
        match self {
            Slot::U64(v) => *v = u64::parse_limit(text)?,
            Slot::Usize(v) => *v = usize::parse_limit(text)?,
            Slot::Bool(v) => *v = bool::parse_limit(text)?,
        }
        Ok(())
    }

    fn show(&self) -> String {
        match self {
            Slot::U64(v) => v.show(),
            Slot::Usize(v) => v.show(),
            Slot::Bool(v) => v.show(),
        }
    }
}

/// Integers accept `_` separators and a binary suffix: `64k`, `16M`, `1G` (×1024ⁿ).
fn parse_int(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let (digits, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&t[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&t[..i], 1 << 30),
        _ => (&t[..], 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{text:?} is not a non-negative integer (suffixes k, M, G allowed)"))
}

impl LimitValue for u64 {
    fn parse_limit(text: &str) -> Result<Self, String> {
        parse_int(text)
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn slot(&mut self) -> Slot<'_> {
        Slot::U64(self)
    }
}

impl LimitValue for usize {
    fn parse_limit(text: &str) -> Result<Self, String> {
        parse_int(text).and_then(|n| usize::try_from(n).map_err(|_| format!("{text:?} is too large")))
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn slot(&mut self) -> Slot<'_> {
        Slot::Usize(self)
    }
}

impl LimitValue for bool {
    fn parse_limit(text: &str) -> Result<Self, String> {
        match text.trim() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(format!("{text:?} is not true or false")),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn slot(&mut self) -> Slot<'_> {
        Slot::Bool(self)
    }
}

/// One row of the limits table, for `keras-sentinel limits` and `--limit`.
#[derive(Debug, Clone, Copy)]
pub struct LimitField {
    pub name: &'static str,
    pub doc: &'static str,
}

macro_rules! limits {
    ($( $(#[doc = $doc:literal])+ $name:ident : $ty:ty = $default:expr; )+) => {
        #[derive(Debug, Clone, Serialize)]
        pub struct Limits {
            $( $(#[doc = $doc])+ pub $name: $ty, )+
        }

        impl Default for Limits {
            fn default() -> Self {
                Limits { $( $name: $default, )+ }
            }
        }

        impl Limits {
            /// Every limit, in table order, with its documentation.
            pub const FIELDS: &'static [LimitField] =
                &[ $( LimitField { name: stringify!($name), doc: concat!($($doc, "\n"),+) }, )+ ];

            /// The field of the limit `name`.
            fn slot(&mut self, name: &str) -> Option<Slot<'_>> {
                match name {
                    $( stringify!($name) => Some(self.$name.slot()), )+
                    _ => None,
                }
            }

            /// Sets the limit `name` from text; the error names what is wrong.
            pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
                let slot = self
                    .slot(name)
                    .ok_or_else(|| format!("unknown limit {name:?} (`keras-sentinel limits` lists them)"))?;
                slot.set(value).map_err(|e| format!("limit {name}: {e}"))
            }

            /// The current value of the limit `name`, as text.
            pub fn get(&self, name: &str) -> Option<String> {
                self.clone().slot(name).map(|s| s.show())
            }
        }
    };
}

limits! {
    /// Largest JSON document parsed (config.json, model_config, one metadata node).
    max_json_bytes: u64 = 256 << 20;
    /// Deepest JSON nesting accepted: what CPython's `json.loads` reads. Its C scanner
    /// stops at the interpreter's recursion limit; measured on CPython 3.11 with the
    /// default limit of 1000, `json.loads` called at module level reads 995 nested arrays
    /// or objects, and fewer from deeper in a caller's stack (Keras 3's `load_model`: see
    /// `fixtures/parsers/json_pb_cases.py`). Parsing, walking, cloning and dropping
    /// the tree use explicit stacks, so depth costs no machine stack; a deeper file
    /// (only a process that raised `sys.setrecursionlimit` could load it) is reported
    /// as an error, never as clean.
    max_json_depth: usize = 995;
    /// How many times a JSON string holding JSON is unwrapped (`json.dump(model.to_json())`).
    max_json_unwrap: usize = 4;
    /// Largest zip member inflated into memory (configs, metadata, nested archives).
    max_inflated_bytes: u64 = 256 << 20;
    /// Most bytes inflated for one file, over every member of every nested archive
    /// (entries over the same bytes are inflated once).
    max_inflated_total: u64 = 1 << 30;
    /// Largest compression ratio accepted for an inflated member.
    max_inflate_ratio: u64 = 1000;
    /// Most zip members listed.
    max_zip_members: usize = 100_000;
    /// Largest decoded payload (one marshalled code object).
    max_payload_bytes: u64 = 16 << 20;
    /// Most serialized functions analysed in one file.
    max_functions: usize = 10_000;
    /// Most findings kept for one file (the rest are counted, not dropped silently).
    max_findings: usize = 10_000;
    /// Most places listed under one finding's `also_at` (the same payload found again).
    max_also_at: usize = 1_000;
    /// Most errors kept for one file (the rest are counted in one last error).
    max_errors: usize = 1_000;
    /// Most layers listed in a file's model overview (the layer tree shown to a reviewer),
    /// and most extra places of findings marked on it. Display only: past it the tree
    /// says how many were left out, and no check is skipped.
    max_overview_nodes: usize = 4_096;
    /// Most protobuf nodes read from `keras_metadata.pb`.
    max_pb_nodes: usize = 1_000_000;
    /// Largest metadata buffer read from an HDF5 file (one attribute value).
    max_hdf5_attribute_bytes: u64 = 64 << 20;
    /// Deepest HDF5 group nesting walked (Keras nests about 6 levels).
    max_hdf5_depth: usize = 64;
    /// Most HDF5 structures visited per file (object headers, B-tree nodes, heap blocks,
    /// links, records): bounds every loop over file-supplied counts.
    max_hdf5_structures: u64 = 1_000_000;
    /// Most continuation chunks in one HDF5 object header.
    max_hdf5_header_chunks: u64 = 1024;
    /// Total HDF5 metadata bytes read, as a multiple of the file length (plus 1 MiB):
    /// defeats structures that make the reader re-read the same bytes forever.
    max_hdf5_read_factor: u64 = 4;
    /// Most bytecode instructions evaluated for one embedded function (all paths).
    max_eval_steps: usize = 50_000;
    /// Most branches with an unknown condition explored both ways in one function.
    max_eval_forks: usize = 256;
    /// Deepest nesting of calls into the file's own functions (and `func_load` payloads).
    max_eval_call_depth: usize = 8;
    /// Verify Jenkins lookup3 checksums of HDF5 v2 structures (a mismatch is an error).
    hdf5_verify_checksums: bool = false;
    /// Deepest marshal nesting (CPython allows 2000; each nested function adds two
    /// levels, and the reader recurses, so this keeps a small stack safe).
    max_marshal_depth: usize = 200;
    /// Most marshal objects in one payload.
    max_marshal_objects: usize = 200_000;
    /// Most code objects in one payload (distinct ones: shared references count once
    /// when the code graph is walked).
    max_code_objects: usize = 2_000;
    /// Most variants of a payload tried by the Windows repair (each a full parse).
    max_repair_attempts: u64 = 8_192;
    /// Most payload bytes re-parsed by the Windows repair, over all its attempts.
    max_repair_bytes: u64 = 64 << 20;
    /// Most pickle opcodes read from one pickle.
    max_pickle_ops: u64 = 10_000_000;
    /// Deepest pickle stack modelled.
    max_pickle_stack: usize = 1 << 16;
    /// Most pickle memo entries kept.
    max_pickle_memo: usize = 1_000_000;
    /// Most distinct globals listed for one pickle.
    max_pickle_globals: usize = 10_000;
    /// Most bytes of global names (`module.name`) built for one pickle.
    max_pickle_global_bytes: u64 = 1 << 20;
    /// Largest function source text (a Lambda holding text, not code) classified and
    /// shown; longer text is an error.
    max_source_text_bytes: usize = 256 << 10;
    /// Work units per file: one per byte of JSON parsed and per byte of payload
    /// analysed (the stages' own limits bound each call; this bounds their sum).
    max_work: u64 = 1 << 30;
    /// Total bytes read from the file, as a multiple of its length (plus 1 MiB).
    max_read_factor: u64 = 64;
    /// Estimated peak memory of one file's scan, in bytes (JSON trees are estimated
    /// from their text before they are built).
    max_memory_bytes: u64 = 1 << 30;
    /// Wall-clock time per file, in milliseconds (0: none). The core reads no clock
    /// (there is none in wasm32-unknown-unknown): the CLI passes a should-stop hook
    /// checked between reads and stages, and the page's watchdog terminates the worker.
    max_scan_ms: u64 = 30_000;
}

/// A limit that was reached, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitHit {
    /// The [`Limits`] field.
    pub limit: &'static str,
    /// Where in the file (container part, place).
    pub location: String,
    /// What was not done because of it.
    pub message: crate::messages::Message,
}

impl LimitHit {
    pub fn new(limit: &'static str, location: impl Into<String>, message: crate::messages::Message) -> Self {
        LimitHit { limit, location: location.into(), message }
    }
}

/// Bytes of the `Json` tree per value (enum, vector slot or member, heap text of a
/// number), used to estimate a document's memory before it is parsed. Measured on the
/// tree of today: 10 MiB of `1,1,…` parse to 342 MB (68 B per value), 8 MiB of
/// `{"a":1},…` to 357 MB (113 B per `{`, `:`, `,`). Lower it when the tree shrinks.
pub const JSON_TREE_BYTES_PER_NODE: u64 = 96;

/// Estimated memory of the parsed tree of `text`: its text plus
/// [`JSON_TREE_BYTES_PER_NODE`] per `,` `:` `[` `{` (about one per value). The tree's
/// strings are spans of the text now (decoded only when a consumer reads them), so the
/// text term is a margin kept rather than a copy. A 10 MB string costs 10 MB, a 10 MB
/// array of small numbers about 500 MB.
pub fn json_memory_estimate(text: &str) -> u64 {
    // Counted into a byte-sized sum 255 bytes at a time, a loop the compiler vectorises
    // (byte by byte into a u64 this was 2% of a small model's scan).
    let nodes: u64 = text
        .as_bytes()
        .chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, &b| n + u8::from(matches!(b, b',' | b':' | b'[' | b'{')))))
        .sum();
    (text.len() as u64).saturating_add(nodes.saturating_mul(JSON_TREE_BYTES_PER_NODE))
}

/// One file's budget: work, bytes read, memory, and an optional should-stop hook (the
/// CLI's deadline). Interior mutability, so it is shared as `&Budget` by the pipeline
/// and the metered source at once.
pub struct Budget<'a> {
    limits: &'a Limits,
    file_len: u64,
    should_stop: Option<&'a dyn Fn() -> bool>,
    work: Cell<u64>,
    read: Cell<u64>,
    memory: Cell<u64>,
    peak_memory: Cell<u64>,
    hits: RefCell<Vec<LimitHit>>,
    /// Whether `hits` holds a budget-wide limit ([`Budget::stopped`]): asked twice per
    /// read, so kept as a flag instead of a search of the hits.
    stopped: Cell<bool>,
    /// Reads, and bytes read, since the should-stop hook was last polled by a read.
    unpolled_reads: Cell<(u32, u64)>,
}

/// A read polls the should-stop hook (the CLI reads a clock) once per this many reads or
/// bytes: a small `.h5` takes ~170 reads, and a clock read each was 5% of its scan. The
/// time between polls stays that of a few small reads; stage polls
/// ([`Budget::charge_work`]) still poll every time.
const READS_PER_POLL: u32 = 16;
const BYTES_PER_POLL: u64 = 1 << 20;

impl<'a> Budget<'a> {
    pub fn new(limits: &'a Limits, file_len: u64, should_stop: Option<&'a dyn Fn() -> bool>) -> Self {
        Budget {
            limits,
            file_len,
            should_stop,
            work: Cell::new(0),
            read: Cell::new(0),
            memory: Cell::new(0),
            peak_memory: Cell::new(0),
            hits: RefCell::new(Vec::new()),
            stopped: Cell::new(false),
            unpolled_reads: Cell::new((0, 0)),
        }
    }

    pub fn limits(&self) -> &'a Limits {
        self.limits
    }

    /// Records a limit hit (once per limit and location).
    pub fn hit(&self, hit: LimitHit) {
        let mut hits = self.hits.borrow_mut();
        if !hits.iter().any(|h| h.limit == hit.limit && h.location == hit.location) {
            if Self::stops_the_scan(hit.limit) {
                self.stopped.set(true);
            }
            hits.push(hit);
        }
    }

    /// True once any limit was hit.
    pub fn exhausted(&self) -> bool {
        !self.hits.borrow().is_empty()
    }

    /// True once a budget-wide limit (work, reads, memory, time) was hit: the scan must
    /// stop, not just skip one part.
    pub fn stopped(&self) -> bool {
        self.stopped.get()
    }

    fn stops_the_scan(limit: &str) -> bool {
        matches!(limit, "max_work" | "max_read_factor" | "max_memory_bytes" | "max_scan_ms")
    }

    pub fn take_hits(&self) -> Vec<LimitHit> {
        self.stopped.set(false);
        std::mem::take(&mut self.hits.borrow_mut())
    }

    /// Polls the should-stop hook; false (and a `max_scan_ms` hit) when time is up.
    pub fn check_time(&self, location: &str) -> bool {
        if self.stopped() {
            return false;
        }
        if self.should_stop.is_some_and(|f| f()) {
            self.hit(LimitHit::new(
                "max_scan_ms",
                location,
                crate::msg!(crate::messages::en::LIM_SCAN_MS, max = self.limits.max_scan_ms),
            ));
            return false;
        }
        true
    }

    /// Charges `units` of work; false (and a hit) when the budget is spent.
    pub fn charge_work(&self, units: u64, location: &str) -> bool {
        let total = self.work.get().saturating_add(units);
        self.work.set(total);
        if total > self.limits.max_work {
            self.hit(LimitHit::new(
                "max_work",
                location,
                crate::msg!(crate::messages::en::LIM_WORK, max = self.limits.max_work),
            ));
            return false;
        }
        self.check_time(location)
    }

    /// Charges bytes read from the file; false (and a hit) past the read allowance.
    pub fn charge_read(&self, bytes: u64) -> bool {
        let total = self.read.get().saturating_add(bytes);
        self.read.set(total);
        let allowed = self.file_len.saturating_mul(self.limits.max_read_factor).saturating_add(1 << 20);
        if total > allowed {
            self.hit(LimitHit::new(
                "max_read_factor",
                "file",
                crate::msg!(crate::messages::en::LIM_READ, allowed = allowed, factor = self.limits.max_read_factor),
            ));
            return false;
        }
        let (reads, read_bytes) = self.unpolled_reads.get();
        let (reads, read_bytes) = (reads + 1, read_bytes.saturating_add(bytes));
        if reads < READS_PER_POLL && read_bytes < BYTES_PER_POLL {
            self.unpolled_reads.set((reads, read_bytes));
            return !self.stopped();
        }
        self.unpolled_reads.set((0, 0));
        self.check_time("file")
    }

    /// Reserves `bytes` of memory until [`Budget::release`]; false (and a hit) when the
    /// estimate would pass `max_memory_bytes` (nothing is reserved then).
    pub fn reserve_memory(&self, bytes: u64, location: &str) -> bool {
        let total = self.memory.get().saturating_add(bytes);
        if total > self.limits.max_memory_bytes {
            self.hit(LimitHit::new(
                "max_memory_bytes",
                location,
                crate::msg!(crate::messages::en::LIM_MEMORY, total = total, max = self.limits.max_memory_bytes),
            ));
            return false;
        }
        self.memory.set(total);
        self.peak_memory.set(self.peak_memory.get().max(total));
        true
    }

    pub fn release(&self, bytes: u64) {
        self.memory.set(self.memory.get().saturating_sub(bytes));
    }

    /// Work units, bytes read and peak memory estimate charged so far.
    pub fn usage(&self) -> (u64, u64, u64) {
        (self.work.get(), self.read.get(), self.peak_memory.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_settable_by_name_and_bad_input_names_the_problem() {
        let mut l = Limits::default();
        for f in Limits::FIELDS {
            let v = l.get(f.name).unwrap();
            l.set(f.name, &v).unwrap();
            assert!(!f.doc.trim().is_empty(), "{} has no doc", f.name);
        }
        l.set("max_findings", "12").unwrap();
        assert_eq!(l.max_findings, 12);
        l.set("max_work", "2G").unwrap();
        assert_eq!(l.max_work, 2 << 30);
        l.set("hdf5_verify_checksums", "true").unwrap();
        assert!(l.hdf5_verify_checksums);
        assert!(l.set("max_nothing", "1").unwrap_err().contains("max_nothing"));
        let e = l.set("max_findings", "-1").unwrap_err();
        assert!(e.contains("max_findings") && e.contains("-1"), "{e}");
        assert!(l.set("max_work", "99999999999999999999").is_err());
    }

    #[test]
    fn json_memory_is_estimated_from_its_structure() {
        assert_eq!(json_memory_estimate("[1,1]"), 5 + 2 * JSON_TREE_BYTES_PER_NODE);
        let one_string = format!("\"{}\"", "x".repeat(1000));
        assert_eq!(json_memory_estimate(&one_string), 1002);
        // Every byte a node, across the 255-byte blocks of the count.
        for n in [254, 255, 256, 510, 511, 1000] {
            let t = "{:[,".repeat(n).chars().take(n).collect::<String>();
            assert_eq!(json_memory_estimate(&t), n as u64 * (1 + JSON_TREE_BYTES_PER_NODE), "{n}");
        }
    }

    #[test]
    fn the_budget_reports_each_limit_by_name() {
        let l = Limits { max_work: 10, max_memory_bytes: 100, max_read_factor: 0, ..Limits::default() };
        let w = Budget::new(&l, 10, None);
        assert!(w.charge_work(10, "a"));
        assert!(!w.stopped());
        assert!(!w.charge_work(1, "a"));
        assert!(w.stopped(), "a spent budget stops everything");
        let m = Budget::new(&l, 10, None);
        assert!(m.reserve_memory(100, "m"));
        assert!(!m.reserve_memory(1, "m"));
        m.release(100);
        assert!(m.reserve_memory(1, "m"), "a refused reservation reserves nothing");
        let r = Budget::new(&l, 10, None);
        assert!(r.charge_read(1 << 20));
        assert!(!r.charge_read(1));
        let stop = || true;
        let t = Budget::new(&l, 10, Some(&stop));
        assert!(!t.check_time("x"));
        let names: Vec<&str> = [w, m, r, t].iter().flat_map(|b| b.take_hits()).map(|h| h.limit).collect();
        assert_eq!(names, ["max_work", "max_memory_bytes", "max_read_factor", "max_scan_ms"]);
    }

    #[test]
    fn reads_poll_the_hook_every_few_reads_or_mib_and_stages_every_time() {
        let l = Limits::default();
        let polls = Cell::new(0u32);
        let stop_at = Cell::new(u32::MAX);
        let hook = || {
            polls.set(polls.get() + 1);
            polls.get() >= stop_at.get()
        };
        let b = Budget::new(&l, 100 << 20, Some(&hook));
        for _ in 0..2 * READS_PER_POLL + 5 {
            assert!(b.charge_read(10));
        }
        assert_eq!(polls.get(), 2);
        assert!(b.charge_read(BYTES_PER_POLL), "a MiB read polls at once");
        assert_eq!(polls.get(), 3);
        assert!(b.charge_work(1, "stage") && b.charge_work(1, "stage"));
        assert_eq!(polls.get(), 5);
        // Time up at the next poll: that read fails, and every read after it, polled or not.
        stop_at.set(6);
        assert!((0..READS_PER_POLL).any(|_| !b.charge_read(1)));
        assert_eq!(polls.get(), 6);
        assert!(!b.charge_read(1) && !b.charge_work(1, "stage"));
        assert_eq!(b.take_hits().iter().map(|h| h.limit).collect::<Vec<_>>(), ["max_scan_ms"]);
    }
}

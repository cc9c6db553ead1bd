//! Per-file cost of a scan, as the CLI and `scan_many` scan a file (`batch::scan_one`:
//! open, small files read whole, scan): heap allocations (a counting global allocator),
//! bytes allocated, and the reads and bytes the scan asked for. Run with
//! `cargo bench -p keras-sentinel-cli --bench per_file -- DIR_OR_FILE...`;
//! `--markdown FILE` also writes the figures as a table row (bench/run.sh `throughput`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use keras_sentinel::limits::Limits;
use keras_sentinel_cli::batch;

/// Counts every allocation (and growth by `realloc`) made by this process.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size.saturating_sub(layout.size()) as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn files(arg: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if arg.is_dir() {
        let mut children: Vec<_> =
            std::fs::read_dir(arg).expect("readable dir").filter_map(|e| e.ok()).map(|e| e.path()).collect();
        children.sort();
        for c in children {
            files(&c, out);
        }
    } else if arg.is_file() {
        out.push(arg.to_path_buf());
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let markdown = args.iter().position(|a| a == "--markdown").map(|i| {
        let f = args.get(i + 1).cloned().expect("--markdown FILE");
        args.drain(i..=i + 1);
        f
    });
    let label = args.iter().position(|a| a == "--label").map(|i| {
        let l = args.get(i + 1).cloned().expect("--label TEXT");
        args.drain(i..=i + 1);
        l
    });
    let mut paths = Vec::new();
    for a in &args {
        files(std::path::Path::new(a), &mut paths);
    }
    if paths.is_empty() {
        // `cargo bench` with no arguments runs every bench: nothing to measure here.
        eprintln!("per_file: no files given (usage: per_file DIR_OR_FILE... [--markdown FILE] [--label TEXT])");
        return;
    }
    let limits = Limits::default();
    let (mut allocs, mut bytes, mut reads, mut read_bytes, mut file_bytes) = (vec![], vec![], 0u64, 0u64, 0u64);
    for p in &paths {
        let (a0, b0) = (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
        let report = batch::scan_one(p, &limits);
        allocs.push(ALLOCS.load(Ordering::Relaxed) - a0);
        bytes.push(BYTES.load(Ordering::Relaxed) - b0);
        reads += report.stats.reads;
        read_bytes += report.stats.bytes_read;
        file_bytes += report.stats.file_bytes;
        drop(report);
    }
    let n = paths.len() as u64;
    allocs.sort_unstable();
    bytes.sort_unstable();
    let mean = |v: &[u64]| v.iter().sum::<u64>() / n;
    let label = label.unwrap_or_else(|| args.join(" "));
    println!(
        "{label}: {n} files, {:.1} KB each; per file: {} allocations (median {}, max {}), {:.1} KB allocated, \
         {} reads asked by the scan, {:.1} KB read",
        file_bytes as f64 / n as f64 / 1024.0,
        mean(&allocs),
        allocs[allocs.len() / 2],
        allocs[allocs.len() - 1],
        mean(&bytes) as f64 / 1024.0,
        reads / n,
        read_bytes as f64 / n as f64 / 1024.0,
    );
    if let Some(f) = markdown {
        let row = format!(
            "| {label} | {n} | {:.1} KB | {} | {} | {} | {:.1} KB | {} | {:.1} KB |\n",
            file_bytes as f64 / n as f64 / 1024.0,
            mean(&allocs),
            allocs[allocs.len() / 2],
            allocs[allocs.len() - 1],
            mean(&bytes) as f64 / 1024.0,
            reads / n,
            read_bytes as f64 / n as f64 / 1024.0,
        );
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(f)
            .and_then(|mut w| w.write_all(row.as_bytes()))
            .expect("markdown file");
    }
}

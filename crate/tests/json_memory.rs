//! Memory of the JSON tree, counted by a global allocator (no timer, no flakiness):
//! the retained size and the peak while parsing, as multiples of the input, for 10 MB
//! configs of the three shapes that make configs big (many layers, long number lists,
//! long string vocabularies). Prints the figures; asserts bounds that the tree of one
//! `String` per number and doubling `Vec`s (about 20-30× the input) does not meet.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use keras_sentinel::container::json;

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The same, with each block rounded as glibc's malloc does (16-byte steps, 8 bytes of
/// header, 32 at least): what the process really holds when blocks are small.
static CURRENT_CHUNKS: AtomicUsize = AtomicUsize::new(0);

fn chunk(size: usize) -> usize {
    ((size + 8 + 15) & !15).max(32)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        CURRENT_CHUNKS.fetch_add(chunk(l.size()), Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        CURRENT.fetch_sub(l.size(), Relaxed);
        CURRENT_CHUNKS.fetch_sub(chunk(l.size()), Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            let now = CURRENT.fetch_add(new - l.size(), Relaxed) + new - l.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            CURRENT.fetch_sub(l.size() - new, Relaxed);
        }
        CURRENT_CHUNKS.fetch_add(chunk(new), Relaxed);
        CURRENT_CHUNKS.fetch_sub(chunk(l.size()), Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const SIZE: usize = 10 << 20;

fn layers() -> String {
    let layer = r#"{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_N", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 64, "activation": "relu", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null}, "registered_name": null, "build_config": {"input_shape": [null, 64]}}"#;
    let mut s = String::from(r#"{"class_name": "Sequential", "config": {"name": "m", "layers": ["#);
    let mut i = 0;
    while s.len() < SIZE {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&layer.replace("dense_N", &format!("dense_{i}")));
        i += 1;
    }
    s + "]}}"
}

fn numbers() -> String {
    let mut s = String::from(r#"{"class_name": "Constant", "config": {"value": ["#);
    let mut i = 0u64;
    while s.len() < SIZE {
        s.push_str(&format!("{}.{}, ", i % 1000, (i * 7919) % 100_000));
        i += 1;
    }
    s + "0]}}"
}

fn short_numbers() -> String {
    let mut s = String::from(r#"{"class_name": "Constant", "config": {"value": ["#);
    let mut i = 0u64;
    while s.len() < SIZE {
        s.push_str(if i.is_multiple_of(2) { "0, " } else { "1, " });
        i += 1;
    }
    s + "0]}}"
}

fn vocabulary() -> String {
    let mut s = String::from(r#"{"class_name": "StringLookup", "config": {"vocabulary": ["#);
    let mut i = 0u64;
    while s.len() < SIZE {
        s.push_str(&format!("\"token{i}\", "));
        i += 1;
    }
    s + "\"end\"]}}"
}

#[test]
fn tree_memory_is_a_small_multiple_of_the_input() {
    let shapes = [
        ("layers", layers(), 6.0),
        ("numbers", numbers(), 6.0),
        ("0/1 list", short_numbers(), 14.0),
        ("vocabulary", vocabulary(), 8.0),
    ];
    for (name, text, max_ratio) in shapes {
        let (base, base_chunks) = (CURRENT.load(Relaxed), CURRENT_CHUNKS.load(Relaxed));
        PEAK.store(base, Relaxed);
        let parsed = json::parse(&text, 1000).expect("parses");
        let retained = CURRENT.load(Relaxed) - base;
        let chunks = CURRENT_CHUNKS.load(Relaxed) - base_chunks;
        let peak = PEAK.load(Relaxed) - base;
        drop(parsed);
        let n = text.len() as f64;
        let ratio = chunks as f64 / n;
        println!(
            "{name:10} input {:>5.1} MB  tree {:>6.1} MB requested ({:.1}×), {:>6.1} MB in malloc blocks ({ratio:.1}×)  peak requested while parsing {:.1}×",
            n / 1e6,
            retained as f64 / 1e6,
            retained as f64 / n,
            chunks as f64 / 1e6,
            peak as f64 / n
        );
        assert!(ratio <= max_ratio, "{name}: tree is {ratio:.1}× the input");
    }
}

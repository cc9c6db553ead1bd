//! Deterministic mutation test: flip, stamp and truncate bytes of small real HDF5 files
//! at many positions; the reader must always return (no panic, bounded time). Complements
//! the cargo-fuzz target in crate/fuzz, which CI does not run.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::Rng;
use keras_sentinel::container::hdf5::read_keras;
use keras_sentinel::limits::Limits;
use keras_sentinel::sniff::find_hdf5_superblock;

fn run(name: &str, data: &[u8], limits: &Limits, slowest: &mut Duration) {
    let start = Instant::now();
    let r = std::panic::catch_unwind(|| {
        let sb = find_hdf5_superblock(&data).unwrap_or(0);
        let _ = read_keras(&data, sb, limits);
    });
    let t = start.elapsed();
    if t > *slowest {
        *slowest = t;
    }
    assert!(r.is_ok(), "{name}: panic");
    assert!(t < Duration::from_secs(5), "{name}: {t:?}");
}

fn mutate_file(file: &str, rounds: u64, seed: u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(file);
    let orig = std::fs::read(&path).unwrap();
    let limits = Limits::default();
    // HDF5_MUTATION_FACTOR=50 for a longer local campaign.
    let factor = std::env::var("HDF5_MUTATION_FACTOR").ok().and_then(|v| v.parse().ok()).unwrap_or(1u64);
    let rounds = rounds * factor;
    let mut rng = Rng(seed);
    let mut slowest = Duration::ZERO;
    let len = orig.len();
    // Metadata sits mostly in the first few KiB; bias positions there.
    let pos = |rng: &mut Rng| if rng.below(4) > 0 { rng.below(len.min(4096)) } else { rng.below(len) };
    for i in 0..rounds {
        let mut d = orig.clone();
        let p = pos(&mut rng);
        let what = match i % 6 {
            0 => {
                d[p] ^= 1 << rng.below(8);
                "bit flip"
            }
            1 => {
                d[p] = rng.next() as u8;
                "random byte"
            }
            2 => {
                // stamp an extreme u64 (UNDEF, huge length, small address)
                let v = [u64::MAX, u64::MAX - 7, 1 << 40, 0, 8, 0x7fff_ffff][rng.below(6)];
                for (k, b) in v.to_le_bytes().iter().enumerate() {
                    if let Some(x) = d.get_mut(p + k) {
                        *x = *b;
                    }
                }
                "u64 stamp"
            }
            3 => {
                d.truncate(p);
                "truncation"
            }
            4 => {
                for _ in 0..4 {
                    let q = pos(&mut rng);
                    d[q] ^= rng.next() as u8;
                }
                "four random bytes"
            }
            _ => {
                // copy a block onto another place: makes pointers point at real structures
                let q = pos(&mut rng);
                let n = rng.below(64).min(d.len() - p.max(q));
                let block = d[q..q + n].to_vec();
                d[p..p + n].copy_from_slice(&block);
                "block copy"
            }
        };
        run(&format!("{file} round {i} ({what} at {p})"), &d, &limits, &mut slowest);
    }
    eprintln!("{file}: {rounds} mutants, slowest {slowest:?}");
}

#[test]
fn hdf5_mutants_of_default_file() {
    mutate_file("hdf5/default.h5", 3000, 1234);
}

#[test]
fn hdf5_mutants_of_latest_file() {
    mutate_file("hdf5/latest.h5", 3000, 5678);
}

#[test]
fn hdf5_mutants_of_track_order_file() {
    mutate_file("hdf5/track_order.h5", 2000, 42);
}

#[test]
fn hdf5_mutants_of_dense_huge_file() {
    mutate_file("hdf5/dense_huge.h5", 1000, 7);
}

#[test]
fn hdf5_mutants_of_many_file() {
    mutate_file("hdf5/many.h5", 500, 99);
}

#[test]
fn hdf5_mutants_of_links_and_external_files() {
    mutate_file("hdf5/links.h5", 1000, 3);
    mutate_file("hdf5/external.h5", 500, 4);
    mutate_file("hdf5/virtual.h5", 500, 5);
    mutate_file("hdf5/userblock.h5", 500, 6);
}

#[test]
fn hdf5_mutants_of_crafted_name_lookup_files() {
    // h5py_view's paths: dense attributes with a shadowed compact copy, committed types,
    // a symbol table behind link info, the shared message table.
    mutate_file("parsers/hdf5/shadow_benign_visible.h5", 1000, 11);
    mutate_file("parsers/hdf5/committed_string_malicious.h5", 500, 12);
    mutate_file("parsers/hdf5/symbol_table_behind_link_info.h5", 500, 13);
    mutate_file("parsers/hdf5/sohm_dense_malicious.h5", 1000, 14);
}

#[test]
fn hdf5_every_prefix_of_a_small_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hdf5/v108.h5");
    let orig = std::fs::read(&path).unwrap();
    let limits = Limits::default();
    let mut slowest = Duration::ZERO;
    for n in (0..orig.len()).step_by(7) {
        run(&format!("v108.h5 prefix {n}"), &orig[..n], &limits, &mut slowest);
    }
}

//! Undoing Keras' Windows rewrite (lambda-formats.md §7): on Windows, tf.keras and
//! Keras 3 replace every 0x5C byte of the marshal stream with 0x2F before encoding.
//! The repair searches for the set of 0x2F bytes that were 0x5C: greedily, flipping the
//! byte that lets parsing and validation get furthest, then exhaustively for a few
//! ambiguous bytes. Only a variant that parses to an exact end and validates counts.

use super::marshal::MarshalLimits;
use super::version::{infer, Inferred};

/// A successful repair: the repaired bytes, what they decode to, and the flipped offsets.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub bytes: Vec<u8>,
    pub inferred: Inferred,
    pub flipped: Vec<usize>,
}

const MAX_ROUNDS: usize = 64;
const MAX_TRIES_PER_ROUND: usize = 48;
const EXHAUSTIVE_MAX: usize = 12;

pub fn repair(data: &[u8], limits: &MarshalLimits) -> Option<Repaired> {
    let positions: Vec<usize> = data.iter().enumerate().filter(|(_, &b)| b == 0x2F).map(|(i, _)| i).collect();
    if positions.is_empty() {
        return None;
    }
    if let Some(r) = greedy(data, &positions, limits) {
        return Some(r);
    }
    if positions.len() <= EXHAUSTIVE_MAX {
        return exhaustive(data, &positions, limits);
    }
    None
}

fn greedy(data: &[u8], positions: &[usize], limits: &MarshalLimits) -> Option<Repaired> {
    let mut cur = data.to_vec();
    let mut flipped = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let progress = match infer(&cur, limits) {
            Ok(inf) => {
                if flipped.is_empty() {
                    return None;
                }
                return Some(Repaired { bytes: cur, inferred: inf, flipped });
            }
            Err(e) => e.progress,
        };
        let mut cands: Vec<usize> =
            positions.iter().copied().filter(|p| !flipped.contains(p) && *p <= progress).collect();
        cands.sort_by_key(|p| progress - p);
        let mut best: Option<(usize, usize)> = None;
        for &c in cands.iter().take(MAX_TRIES_PER_ROUND) {
            cur[c] = 0x5C;
            let r = infer(&cur, limits);
            cur[c] = 0x2F;
            match r {
                Ok(_) => {
                    best = Some((c, usize::MAX));
                    break;
                }
                Err(e) if e.progress > progress && best.is_none_or(|(_, p)| e.progress > p) => {
                    best = Some((c, e.progress))
                }
                Err(_) => {}
            }
        }
        let (c, _) = best?;
        cur[c] = 0x5C;
        flipped.push(c);
    }
    None
}

fn exhaustive(data: &[u8], positions: &[usize], limits: &MarshalLimits) -> Option<Repaired> {
    let n = positions.len();
    let mut masks: Vec<u32> = (1..(1u32 << n)).collect();
    masks.sort_by_key(|m| m.count_ones());
    let mut cur = data.to_vec();
    for m in masks {
        for (k, &p) in positions.iter().enumerate() {
            cur[p] = if m & (1 << k) != 0 { 0x5C } else { 0x2F };
        }
        if let Ok(inf) = infer(&cur, limits) {
            let flipped = positions.iter().enumerate().filter(|(k, _)| m & (1 << k) != 0).map(|(_, &p)| p).collect();
            return Some(Repaired { bytes: cur, inferred: inf, flipped });
        }
    }
    None
}

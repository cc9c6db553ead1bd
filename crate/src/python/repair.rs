//! Undoing Keras' Windows rewrite (lambda-formats.md §7): on Windows, tf.keras and
//! Keras 3 replace every 0x5C byte of the marshal stream with 0x2F before encoding.
//! The repair searches for the set of 0x2F bytes that were 0x5C: greedily, flipping the
//! byte that lets parsing and validation get furthest, then exhaustively for a few
//! ambiguous bytes. Only a variant that parses to an exact end and validates counts.

use super::marshal::MarshalLimits;
use super::version::{infer, InferError, Inferred};
use crate::limits::{LimitHit, Limits};

/// A successful repair: the repaired bytes, what they decode to, and the flipped offsets.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub bytes: Vec<u8>,
    pub inferred: Inferred,
    pub flipped: Vec<usize>,
}

/// What the search came to.
#[derive(Debug, Clone)]
pub enum Repair {
    Repaired(Repaired),
    /// No variant within the search parses and validates.
    NotFound,
    /// The search was stopped by `max_repair_attempts` or `max_repair_bytes` before it
    /// finished: a repair may exist that was not tried (the caller reports the limit).
    Capped(LimitHit),
}

// Shape of the search (not limits: the work it may do is bounded by `Attempts`).
const MAX_ROUNDS: usize = 64;
const MAX_TRIES_PER_ROUND: usize = 48;
const EXHAUSTIVE_MAX: usize = 12;

/// Counts every variant parsed against the repair limits.
struct Attempts<'l> {
    marshal: MarshalLimits,
    limits: &'l Limits,
    count: u64,
    bytes: u64,
    hit: Option<LimitHit>,
}

impl Attempts<'_> {
    /// Infers a variant, or `None` once the limits forbid another attempt.
    fn infer(&mut self, data: &[u8]) -> Option<Result<Inferred, InferError>> {
        if self.hit.is_some() {
            return None;
        }
        let (count, bytes) = (self.count + 1, self.bytes.saturating_add(data.len() as u64));
        let hit = if count > self.limits.max_repair_attempts {
            Some(("max_repair_attempts", crate::msg!(crate::messages::en::LIM_REPAIR_ATTEMPTS, count = self.count)))
        } else if bytes > self.limits.max_repair_bytes {
            Some(("max_repair_bytes", crate::msg!(crate::messages::en::LIM_REPAIR_BYTES, count = self.bytes)))
        } else {
            None
        };
        if let Some((limit, done)) = hit {
            self.hit = Some(LimitHit::new(limit, "", done));
            return None;
        }
        (self.count, self.bytes) = (count, bytes);
        Some(infer(data, &self.marshal))
    }
}

pub fn repair(data: &[u8], limits: &Limits) -> Repair {
    let positions: Vec<usize> = data.iter().enumerate().filter(|(_, &b)| b == 0x2F).map(|(i, _)| i).collect();
    if positions.is_empty() {
        return Repair::NotFound;
    }
    let mut a = Attempts { marshal: MarshalLimits::from_limits(limits), limits, count: 0, bytes: 0, hit: None };
    if let Some(r) = greedy(data, &positions, &mut a) {
        return Repair::Repaired(r);
    }
    if positions.len() <= EXHAUSTIVE_MAX {
        if let Some(r) = exhaustive(data, &positions, &mut a) {
            return Repair::Repaired(r);
        }
    }
    match a.hit {
        Some(hit) => Repair::Capped(hit),
        None => Repair::NotFound,
    }
}

fn greedy(data: &[u8], positions: &[usize], a: &mut Attempts<'_>) -> Option<Repaired> {
    let mut cur = data.to_vec();
    let mut flipped = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let progress = match a.infer(&cur)? {
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
        crate::sort::by_key(&mut cands, |p| progress - p);
        let mut best: Option<(usize, usize)> = None;
        for &c in cands.iter().take(MAX_TRIES_PER_ROUND) {
            cur[c] = 0x5C;
            let r = a.infer(&cur);
            cur[c] = 0x2F;
            match r? {
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

fn exhaustive(data: &[u8], positions: &[usize], a: &mut Attempts<'_>) -> Option<Repaired> {
    let n = positions.len();
    let mut masks: Vec<u32> = (1..(1u32 << n)).collect();
    crate::sort::by_key(&mut masks, |m| m.count_ones());
    let mut cur = data.to_vec();
    for m in masks {
        for (k, &p) in positions.iter().enumerate() {
            cur[p] = if m & (1 << k) != 0 { 0x5C } else { 0x2F };
        }
        if let Ok(inf) = a.infer(&cur)? {
            let flipped = positions.iter().enumerate().filter(|(k, _)| m & (1 << k) != 0).map(|(_, &p)| p).collect();
            return Some(Repaired { bytes: cur, inferred: inf, flipped });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code object whose twelve `/` bytes (in its name) defeat both searches: no flip
    /// makes it parse further, so greedy gives up and exhaustive tries all 4095 masks.
    fn unrepairable() -> Vec<u8> {
        let mut b = vec![0xE3];
        b.extend([0u8; 20]);
        b.extend([b'z', 12]);
        b.extend([b'/'; 12]);
        b.extend([0xFF; 8]); // not a marshal type: every variant fails at the same place
        b
    }

    #[test]
    fn the_search_is_capped_and_says_so() {
        let data = unrepairable();
        assert!(matches!(repair(&data, &Limits::default()), Repair::NotFound));
        let l = Limits { max_repair_attempts: 100, ..Limits::default() };
        match repair(&data, &l) {
            Repair::Capped(h) => assert_eq!(h.limit, "max_repair_attempts"),
            other => panic!("{other:?}"),
        }
        let l = Limits { max_repair_bytes: 50 * data.len() as u64, ..Limits::default() };
        match repair(&data, &l) {
            Repair::Capped(h) => assert_eq!(h.limit, "max_repair_bytes"),
            other => panic!("{other:?}"),
        }
    }
}

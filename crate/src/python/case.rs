//! Unicode case mapping for folding Python's `str.lower()`, `str.upper()`, `swapcase()`
//! and `capitalize()` on attacker-chosen text: the same results as std's
//! `str::to_lowercase`, `str::to_uppercase`, `char::to_lowercase` and
//! `char::to_uppercase` (Python's full Unicode mappings, final sigma included; `"ſ".upper()`
//! is `"S"`, so ASCII-only folding would let a name hide), from compact tables.
//!
//! Why not std's: its conversion tables are 24 KB, 16 KB of the page's gzipped scanning
//! worker (`bench/wasm_size.sh`). `case_tables.rs` holds the same mappings as runs of
//! code points with one offset; it is generated from std itself by the test
//! `tables_are_std_s` (`KS_REGEN_CASE_TABLES=1` rewrites it), and
//! `every_char_maps_as_std` checks every code point.

#[rustfmt::skip]
mod case_tables;
use case_tables::{CASED_EXTRA, IGNORABLE, LOWER_MULTI, LOWER_RUNS, UPPER_MULTI, UPPER_RUNS};

/// The mapping of one character: one to three characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped([char; 3]);

impl Mapped {
    pub fn first(self) -> char {
        self.0[0]
    }

    pub fn push_to(self, out: &mut String) {
        for c in self.0 {
            if c != '\0' {
                out.push(c);
            }
        }
    }
}

impl IntoIterator for Mapped {
    type Item = char;
    type IntoIter = std::iter::Filter<std::array::IntoIter<char, 3>, fn(&char) -> bool>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().filter(|c| *c != '\0')
    }
}

/// A run: `start` (21 bits), stride - 1 (1 bit), length - 1 (10 bits); then the offset.
fn map(c: char, runs: &[(u32, i32)], multi: &[(u32, [u32; 3])]) -> Mapped {
    let cp = c as u32;
    if let Ok(i) = multi.binary_search_by_key(&cp, |m| m.0) {
        let m = multi[i].1;
        let ch = |x: u32| char::from_u32(x).unwrap_or('\0');
        return Mapped([ch(m[0]), ch(m[1]), ch(m[2])]);
    }
    let i = runs.partition_point(|r| r.0 & 0x1F_FFFF <= cp);
    if let Some(&(packed, offset)) = i.checked_sub(1).map(|i| &runs[i]) {
        let start = packed & 0x1F_FFFF;
        let stride = 1 + ((packed >> 21) & 1);
        let len = 1 + (packed >> 22);
        let k = cp - start;
        if (stride == 1 || k & 1 == 0) && k / stride < len {
            if let Some(m) = char::from_u32(cp.wrapping_add(offset as u32)) {
                return Mapped([m, '\0', '\0']);
            }
        }
    }
    Mapped([c, '\0', '\0'])
}

/// As `char::to_lowercase`.
pub fn lower(c: char) -> Mapped {
    map(c, LOWER_RUNS, LOWER_MULTI)
}

/// As `char::to_uppercase`.
pub fn upper(c: char) -> Mapped {
    map(c, UPPER_RUNS, UPPER_MULTI)
}

fn in_ranges(c: char, ranges: &[u32]) -> bool {
    // start (21 bits) | length - 1 (11 bits)
    let cp = c as u32;
    let i = ranges.partition_point(|r| r & 0x1F_FFFF <= cp);
    i.checked_sub(1).is_some_and(|i| cp - (ranges[i] & 0x1F_FFFF) <= ranges[i] >> 21)
}

/// Unicode `Case_Ignorable`.
fn ignorable(c: char) -> bool {
    in_ranges(c, IGNORABLE)
}

/// Unicode `Cased`: lowercase, uppercase or titlecase.
fn cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || CASED_EXTRA.contains(&(c as u32))
}

/// Is the first character that is not case-ignorable cased (Unicode's Final_Sigma test)?
fn then_cased(mut it: impl Iterator<Item = char>) -> bool {
    it.find(|&c| !ignorable(c)).is_some_and(cased)
}

/// As `str::to_lowercase`: `Σ` is `ς` at the end of a word, else `σ`.
pub fn str_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if c == 'Σ' {
            let last = then_cased(s[..i].chars().rev()) && !then_cased(s[i + 2..].chars());
            out.push(if last { 'ς' } else { 'σ' });
        } else {
            lower(c).push_to(&mut out);
        }
    }
    out
}

/// As `str::to_uppercase`.
pub fn str_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        upper(c).push_to(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..=0x10FFFFu32).filter_map(char::from_u32)
    }

    fn mapped(it: impl Iterator<Item = char>) -> [u32; 3] {
        let v: Vec<u32> = it.map(|c| c as u32).collect();
        assert!(v.len() <= 3);
        [v.first().copied().unwrap_or(0), v.get(1).copied().unwrap_or(0), v.get(2).copied().unwrap_or(0)]
    }

    /// Case_Ignorable and Cased as std's `str::to_lowercase` sees them (its Final_Sigma
    /// test): `cΣ` ends in `ς` when c is cased and not ignorable; `AcΣ` when c is
    /// ignorable or cased.
    fn std_sigma_classes(c: char) -> (bool, bool) {
        let t1 = format!("{c}Σ").to_lowercase().ends_with('ς');
        let t2 = format!("A{c}Σ").to_lowercase().ends_with('ς');
        (t2 && !t1, t1)
    }

    type Runs = Vec<(u32, i32)>;
    type Multi = Vec<(u32, [u32; 3])>;

    fn runs_of(f: impl Fn(char) -> [u32; 3]) -> (Runs, Multi) {
        let mut runs: Vec<(u32, u32, u32, i32)> = Vec::new(); // start, stride, len, offset
        let mut multi = Vec::new();
        for c in all_chars() {
            let m = f(c);
            let cp = c as u32;
            if m[1] != 0 {
                multi.push((cp, m));
                continue;
            }
            if m[0] == cp {
                continue;
            }
            let offset = m[0].wrapping_sub(cp) as i32;
            if let Some(r) = runs.last_mut() {
                let last = r.0 + r.1 * (r.2 - 1);
                let gap = cp - last;
                if r.3 == offset && r.2 < 1024 && ((r.2 == 1 && gap <= 2) || (r.2 > 1 && gap == r.1)) {
                    r.1 = gap;
                    r.2 += 1;
                    continue;
                }
            }
            runs.push((cp, 1, 1, offset));
        }
        let packed = runs.into_iter().map(|(s, stride, len, off)| (s | ((stride - 1) << 21) | ((len - 1) << 22), off));
        (packed.collect(), multi)
    }

    fn generate() -> String {
        let (lr, lm) = runs_of(|c| mapped(c.to_lowercase()));
        let (ur, um) = runs_of(|c| mapped(c.to_uppercase()));
        let mut ign: Vec<u32> = Vec::new();
        let mut extra = Vec::new();
        let mut prev: Option<u32> = None;
        for c in all_chars() {
            let (i, cd) = std_sigma_classes(c);
            let cp = c as u32;
            if i {
                match (prev, ign.last_mut()) {
                    (Some(p), Some(r)) if p + 1 == cp && (*r >> 21) < 2047 => *r += 1 << 21,
                    _ => ign.push(cp),
                }
                prev = Some(cp);
            }
            if cd && !i && !c.is_lowercase() && !c.is_uppercase() {
                extra.push(cp);
            }
        }
        let mut o = String::from(
            "// Generated by `KS_REGEN_CASE_TABLES=1 cargo test -p keras-sentinel --lib case::tests::tables_are_std_s`\n\
             // from std's case mappings (see case.rs); do not edit.\n",
        );
        let runs = |o: &mut String, name: &str, r: &[(u32, i32)]| {
            o.push_str(&format!("pub const {name}: &[(u32, i32)] = &[\n"));
            for ch in r.chunks(6) {
                let row: Vec<String> = ch.iter().map(|(a, b)| format!("({a:#x}, {b})")).collect();
                o.push_str(&format!("    {},\n", row.join(", ")));
            }
            o.push_str("];\n");
        };
        let multis = |o: &mut String, name: &str, m: &[(u32, [u32; 3])]| {
            o.push_str(&format!("pub const {name}: &[(u32, [u32; 3])] = &[\n"));
            for (c, t) in m {
                o.push_str(&format!("    ({c:#x}, [{:#x}, {:#x}, {:#x}]),\n", t[0], t[1], t[2]));
            }
            o.push_str("];\n");
        };
        let list = |o: &mut String, name: &str, l: &[u32]| {
            o.push_str(&format!("pub const {name}: &[u32] = &[\n"));
            for ch in l.chunks(8) {
                let row: Vec<String> = ch.iter().map(|a| format!("{a:#x}")).collect();
                o.push_str(&format!("    {},\n", row.join(", ")));
            }
            o.push_str("];\n");
        };
        runs(&mut o, "LOWER_RUNS", &lr);
        multis(&mut o, "LOWER_MULTI", &lm);
        runs(&mut o, "UPPER_RUNS", &ur);
        multis(&mut o, "UPPER_MULTI", &um);
        list(&mut o, "IGNORABLE", &ign);
        list(&mut o, "CASED_EXTRA", &extra);
        o
    }

    #[test]
    fn tables_are_std_s() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/python/case/case_tables.rs");
        let want = generate();
        if std::env::var_os("KS_REGEN_CASE_TABLES").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "{path} is not what std's mappings give: KS_REGEN_CASE_TABLES=1 rewrites it");
    }

    #[test]
    fn every_char_maps_as_std() {
        for c in all_chars() {
            assert_eq!(mapped(lower(c).into_iter()), mapped(c.to_lowercase()), "lower {c:?}");
            assert_eq!(mapped(upper(c).into_iter()), mapped(c.to_uppercase()), "upper {c:?}");
            let (i, cd) = std_sigma_classes(c);
            assert_eq!(ignorable(c), i, "ignorable {c:?}");
            if !i {
                assert_eq!(cased(c), cd, "cased {c:?}");
            }
        }
    }

    #[test]
    fn strings_map_as_std_final_sigma_included() {
        let pool: Vec<char> = "aAΣσς ·'\u{300}\u{2b0}ǅİßﬀ1.ΣΣxΣ\u{345}ΐ".chars().collect();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 8) as usize;
            let s: String = (0..n).map(|k| pool[((x >> (8 + 5 * k)) % pool.len() as u64) as usize]).collect();
            assert_eq!(str_lower(&s), s.to_lowercase(), "{s:?}");
            assert_eq!(str_upper(&s), s.to_uppercase(), "{s:?}");
        }
        assert_eq!(str_upper("oſ"), "OS");
        assert_eq!(str_lower("ΟΔΟΣ ΟΔΟΣ."), "οδος οδος.");
    }
}

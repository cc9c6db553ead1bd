//! Decimal text to `f64`, correctly rounded (round half to even), with the grammar of
//! `str::parse::<f64>` — the same result for every input (tested against it below).
//!
//! Why not `str::parse`: its fast path carries a 20 KB table of powers of five, 14 KB of
//! the page's gzipped scanning worker (`bench/wasm_size.sh`). Here the value is computed
//! exactly with small big integers instead: slower, but a float literal in a model is
//! rare and short, and the work is bounded (at most [`MAX_DIGITS`] digits are kept, the
//! exponent saturates). Correct rounding matters: a lambda can turn a float into a
//! character code (`chr(int(111.99999999999999999))` is `'p'` in Python).

/// Significant digits kept; any nonzero digit beyond them only breaks a tie. Deciding
/// the rounding of an `f64` never needs more than 768 (the longest exact halfway value).
const MAX_DIGITS: usize = 800;

/// Parses `s` as `str::parse::<f64>` does: optional sign, then `inf`, `infinity` or
/// `nan` (any case), or digits with an optional `.` and an optional exponent.
pub fn parse(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (neg, rest) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let v = if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        f64::INFINITY
    } else if rest.eq_ignore_ascii_case(b"nan") {
        f64::NAN
    } else {
        number(rest)?
    };
    Some(if neg { -v } else { v })
}

/// A non-negative decimal number.
fn number(b: &[u8]) -> Option<f64> {
    let mut digits: Vec<u8> = Vec::new();
    let mut sticky = false;
    // The value is 0.d1d2d3… × 10^point.
    let mut point: i64 = 0;
    let mut seen_digit = false;
    let mut i = 0;
    let mut in_fraction = false;
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => {
                seen_digit = true;
                let d = c - b'0';
                if digits.is_empty() && d == 0 {
                    if in_fraction {
                        point = point.saturating_sub(1);
                    }
                } else {
                    if !in_fraction {
                        point = point.saturating_add(1);
                    }
                    if digits.len() < MAX_DIGITS {
                        digits.push(d);
                    } else if d != 0 {
                        sticky = true;
                    }
                }
            }
            b'.' if !in_fraction => in_fraction = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < b.len() {
        if b[i] != b'e' && b[i] != b'E' {
            return None;
        }
        i += 1;
        let neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        if i == b.len() {
            return None;
        }
        let mut e: i64 = 0;
        for &c in &b[i..] {
            if !c.is_ascii_digit() {
                return None;
            }
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
        }
        point = point.saturating_add(if neg { -e } else { e });
    }
    if digits.is_empty() {
        return Some(0.0);
    }
    if sticky {
        digits.push(1);
    }
    // 10^(point-1) <= value < 10^point.
    if point > 310 {
        return Some(f64::INFINITY);
    }
    if point < -324 {
        return Some(0.0);
    }
    // value = n × 10^exp10, n the digits as an integer.
    let exp10 = point - digits.len() as i64;
    if digits.len() <= 15 && exp10.abs() <= 22 {
        // Both n and 10^|exp10| are exact doubles: one IEEE operation rounds correctly.
        let n = digits.iter().fold(0u64, |v, &d| v * 10 + u64::from(d)) as f64;
        let p = (0..exp10.abs()).fold(1.0f64, |p, _| p * 10.0);
        return Some(if exp10 >= 0 { n * p } else { n / p });
    }
    let mut n = Big::from_digits(&digits);
    if exp10 >= 0 {
        n.mul_pow10(exp10 as u32);
        let (top, e2, rest) = n.top64();
        Some(round(top, e2, rest))
    } else {
        let mut den = Big(vec![1]);
        den.mul_pow10((-exp10) as u32);
        // q = floor(n × 2^s / den) with 63 or 64 bits: value = (q + δ) × 2^-s.
        let s = 63 + den.bits() as i64 - n.bits() as i64;
        if s >= 0 {
            n.shl(s as usize);
        } else {
            den.shl((-s) as usize);
        }
        let (q, rest) = n.div_small_quotient(&den);
        Some(round(q, -s, rest))
    }
}

/// The `f64` nearest to (q + δ) × 2^e2, 0 <= δ < 1, `sticky` = δ > 0, for q with at
/// least 55 significant bits (enough for the rounding bit); ties go to the even mantissa.
fn round(q: u64, e2: i64, sticky: bool) -> f64 {
    let bits = 64 - i64::from(q.leading_zeros());
    let lead = e2 + bits - 1; // q's leading bit is worth 2^lead
    if lead > 1023 {
        return f64::INFINITY;
    }
    let lsb = (lead - 52).max(-1074); // the weight of the result's last mantissa bit
    let shift = lsb - e2; // >= 1 for q of 55+ bits
    let (mut m, up) = if shift >= 64 {
        // Everything is below the last bit: a tie or more needs q >= 2^(shift-1) > q.
        (0, shift == 64 && (q > 1 << 63 || (q == 1 << 63 && sticky)))
    } else {
        let m = q >> shift;
        let rem = q & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        (m, rem > half || (rem == half && (sticky || m & 1 == 1)))
    };
    let mut lsb = lsb;
    if up {
        m += 1;
        if m == 1 << 53 {
            m >>= 1;
            lsb += 1;
        }
    }
    if m < 1 << 52 {
        return f64::from_bits(m); // subnormal (or zero): lsb is -1074
    }
    let biased = lsb + 52 + 1023;
    if biased >= 2047 {
        return f64::INFINITY;
    }
    f64::from_bits(((biased as u64) << 52) | (m & ((1 << 52) - 1)))
}

/// A non-negative big integer, 32-bit limbs, least significant first, no leading zeros.
struct Big(Vec<u32>);

impl Big {
    fn from_digits(d: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in d.chunks(9) {
            let v = chunk.iter().fold(0u32, |v, &x| v * 10 + u32::from(x));
            b.mul_add(10u32.pow(chunk.len() as u32), v);
        }
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for l in self.0.iter_mut() {
            let v = u64::from(*l) * u64::from(m) + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut e: u32) {
        while e > 0 {
            let k = e.min(9);
            self.mul_add(10u32.pow(k), 0);
            e -= k;
        }
    }

    fn bits(&self) -> usize {
        match self.0.last() {
            Some(&top) => self.0.len() * 32 - top.leading_zeros() as usize,
            None => 0,
        }
    }

    fn shl(&mut self, n: usize) {
        let (limbs, bits) = (n / 32, n % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for l in self.0.iter_mut() {
                let v = (*l << bits) | carry;
                carry = *l >> (32 - bits);
                *l = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for l in self.0.iter_mut().rev() {
            let v = (*l >> 1) | carry;
            carry = *l << 31;
            *l = v;
        }
        self.trim();
    }

    /// The top 64 bits, the weight of their last bit (as a power of two) and whether any
    /// bit below them is set. `self` is not zero.
    fn top64(&self) -> (u64, i64, bool) {
        let bits = self.bits();
        let limb = |i: usize| u128::from(self.0.get(i).copied().unwrap_or(0));
        if bits <= 64 {
            let v = ((limb(1) << 32) | limb(0)) as u64;
            return (v << (64 - bits), bits as i64 - 64, false);
        }
        let low = bits - 64;
        let (li, sh) = (low / 32, low % 32);
        let window = (limb(li + 2) << 64) | (limb(li + 1) << 32) | limb(li);
        let top = (window >> sh) as u64;
        let rest = self.0[..li].iter().any(|&l| l != 0) || self.0[li] & ((1u32 << sh) - 1) != 0;
        (top, low as i64, rest)
    }

    fn at_least(&self, other: &Big) -> bool {
        if self.0.len() != other.0.len() {
            return self.0.len() > other.0.len();
        }
        for (a, b) in self.0.iter().rev().zip(other.0.iter().rev()) {
            if a != b {
                return a > b;
            }
        }
        true
    }

    /// `self -= other`, for `self >= other`.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0u64;
        for (i, l) in self.0.iter_mut().enumerate() {
            let o = u64::from(other.0.get(i).copied().unwrap_or(0)) + borrow;
            let v = u64::from(*l);
            borrow = u64::from(v < o);
            *l = (v + (borrow << 32) - o) as u32;
        }
        self.trim();
    }

    /// floor(self / den) when it is below 2^64, and whether a remainder is left:
    /// 64 compare-and-subtract steps, each linear in the size of the numbers.
    fn div_small_quotient(mut self, den: &Big) -> (u64, bool) {
        let mut d = Big(den.0.clone());
        d.shl(63);
        let mut q = 0u64;
        for bit in (0..64).rev() {
            if self.at_least(&d) {
                self.sub(&d);
                q |= 1 << bit;
            }
            d.shr1();
        }
        (q, !self.0.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        let want = s.parse::<f64>().ok().map(f64::to_bits);
        let got = parse(s).map(f64::to_bits);
        assert_eq!(got, want, "{s:?}: got {:?} want {:?}", got.map(f64::from_bits), want.map(f64::from_bits));
    }

    #[test]
    fn grammar_and_specials_as_std() {
        for s in [
            "",
            ".",
            "e5",
            "1e",
            "1e+",
            "1e-",
            "+",
            "-",
            "1.e5",
            ".5e1",
            "1.",
            ".5",
            "..5",
            "1..2",
            "1_0",
            " 1",
            "1 ",
            "--1",
            "+-1",
            "0x10",
            "1e5.5",
            "1ee5",
            "١",
            "inf",
            "INF",
            "-Infinity",
            "infinit",
            "infinityx",
            "nan",
            "-NaN",
            "+nan",
            "nanx",
            "0",
            "-0",
            "+0.0",
            "0e999999999999999999999",
            "1e999999999999999999999",
            "1e-999999999999999999999",
            "00000.000000e-5",
            "-.0e1",
            "1E5",
            "1e+05",
            "007",
            "0.000000001",
        ] {
            same(s);
        }
    }

    #[test]
    fn hard_roundings_as_std() {
        let zeros = "0".repeat(5000);
        for s in [
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "2.47032822920623272088284396434110686182529901307162382212792841250337753635104375932649918180817996189898282347722858865463328355177969898199387398005390939063150356595155702263922908583924491051844359318028499365361525003193704576782492193656236698636584807570015857692699037063119282795585513329278343384093519780155312465972635795746227664652728272200563740064854999770965994704540208281662262378573934507363390079677619305775067401763246736009689513405355374585166611342237666786041621596804619144672918403005300575308490487653917113865916462395249126236538818796362393732804238910186723484976682350898633885879256283027559956575244555072551893136908362547791869486679949683240497058210285131854513962138377228261454376934125320985913276672363281255e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999",
            "9007199254740993",
            "9007199254740993.000000000000000000000000000001",
            "9007199254740995",
            "0.1",
            "1e23",
            "8.98846567431158e307",
            "111.99999999999999999",
            "5e-324",
            "1e-400",
            "1e310",
            "3.4028236e38",
            "123456789012345678901234567890.5",
        ] {
            same(s);
        }
        same(&format!("1{zeros}e-5000"));
        same(&format!("0.{zeros}1e5001"));
        same(&format!("9{}", "9".repeat(2000)));
        same(&format!("2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125{zeros}1e-324"));
    }

    /// Exact decimal spellings of values halfway between two neighbouring doubles, and
    /// one unit of their last digit either side: the cases rounding gets wrong first.
    #[test]
    fn halfway_values_round_to_even_as_std() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..5_000 {
            let m = (next() >> 11) | (1 << 52); // a 53-bit mantissa
            let h = u128::from(2 * m + 1); // (2m+1) × 2^(e-1) is halfway to m+1
            let e = (next() % 100) as i64 - 29; // value m × 2^e
            let (digits, exp10) = if e >= 1 {
                if e - 1 > 73 {
                    continue;
                }
                (h << (e - 1), 0)
            } else {
                // × 2^(e-1) = × 5^(1-e) / 10^(1-e)
                (h * 5u128.pow((1 - e) as u32), e - 1)
            };
            for d in [digits - 1, digits, digits + 1] {
                same(&format!("{d}e{exp10}"));
            }
        }
    }

    #[test]
    fn random_texts_as_std() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let n = 1 + (next() % 40) as usize;
            let mut s = String::new();
            for k in 0..n {
                let r = next();
                if k == (r % 7) as usize {
                    s.push('.');
                }
                s.push(char::from(b'0' + (r >> 8) as u8 % 10));
            }
            let r = next();
            if r % 3 > 0 {
                s.push_str(&format!("e{}", (r >> 8) as i64 % 700 - 350));
            }
            same(&s);
            // Doubles printed with 17 significant digits, and with their last digit moved.
            let d = f64::from_bits(next() & !(1 << 63));
            if d.is_finite() {
                let t = format!("{d:.16e}");
                same(&t);
                let (mant, exp) = t.split_once('e').unwrap();
                for adj in ["1", "5", "49999999999999999999", "50000000000000000001"] {
                    same(&format!("{mant}{adj}e{exp}"));
                }
            }
        }
    }
}

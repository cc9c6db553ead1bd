//! Numbers as text for the page without std's float formatting: `format!("{v:.1}")` and
//! `f64::to_string` link core's float printers (Grisu and Dragon with their tables, about
//! 5 KB of the page's gzipped app wasm) for a few byte sizes and milliseconds.

/// `v` rounded to `decimals` digits after the point (0, 1 or 2), as `format!("{v:.N}")`
/// shows it for the sizes and times the page prints (non-negative, below 2^53); a value
/// that is not finite or is negative shows as 0.
pub fn fixed(v: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals.min(2));
    let n = if v.is_finite() && v > 0.0 { (v * scale as f64).round_ties_even() as u64 } else { 0 };
    let mut s = (n / scale).to_string();
    if scale > 1 {
        let frac = (n % scale + scale).to_string(); // "1" + the digits, zero-padded
        s.push('.');
        s.push_str(&frac[1..]);
    }
    s
}

/// `ms` milliseconds in seconds, as `(ms as f64 / 1000.0).to_string()` writes it
/// ("30", "1.5", "0.25"): the exact decimal, at most 3 digits after the point.
pub fn seconds(ms: u64) -> String {
    let mut s = (ms / 1000).to_string();
    let frac = ms % 1000;
    if frac != 0 {
        let digits = (frac + 1000).to_string(); // "1" + 3 digits
        s.push('.');
        s.push_str(digits[1..].trim_end_matches('0'));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::fixed;

    #[test]
    fn fixed_matches_std_formatting_for_sizes_and_times() {
        for v in
            [0.0, 0.04, 0.06, 0.5, 1.0, 1.25, 9.94, 9.96, 12.0, 99.5, 1023.9, 1536.0, 123456.7, 3.333333, 12.0 / 1024.0]
        {
            assert_eq!(fixed(v, 0), format!("{v:.0}").replace("-0", "0"), "{v} .0");
            assert_eq!(fixed(v, 1), format!("{v:.1}"), "{v} .1");
            assert_eq!(fixed(v, 2), format!("{v:.2}"), "{v} .2");
        }
        assert_eq!(fixed(f64::NAN, 1), "0.0");
        assert_eq!(fixed(-3.0, 0), "0");
    }

    #[test]
    fn seconds_are_written_as_f64_display_writes_them() {
        let many = (0..20_000).chain([30_000, 120_000, 86_400_000, 1_000_001, 123_456_789_012]);
        for ms in many {
            assert_eq!(super::seconds(ms), (ms as f64 / 1000.0).to_string(), "{ms}");
        }
    }
}

//! The page's watchdog over the scanning worker. The core has no clock in the browser
//! (wasm32-unknown-unknown), so a scan cannot stop itself on time: the page arms a
//! timer per file and, past the deadline, terminates the worker, reports the file as
//! `error` and starts a fresh worker for the rest of the queue (`bin/app.rs`).

use keras_sentinel::limits::Limits;
use serde_json::{json, Value};

/// Test knob (URL query): `ks-test-deadline-ms=N` sets the deadline; with
/// `ks-test-deadline-only=TEXT`, only for files whose name contains TEXT.
pub const TEST_DEADLINE_PARAM: &str = "ks-test-deadline-ms";
pub const TEST_DEADLINE_ONLY_PARAM: &str = "ks-test-deadline-only";

/// The page's limit settings: one `NAME=VALUE` per line (blank lines and `#` comments
/// skipped), applied over the defaults with the CLI's `Limits::set`; the error names the
/// line. The worker scans with them and the watchdog takes `max_scan_ms` from them.
pub fn parse_limits(text: &str) -> Result<Limits, String> {
    let mut limits = Limits::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) =
            line.split_once('=').ok_or_else(|| format!("line {}: expected NAME=VALUE, found {line:?}", n + 1))?;
        limits.set(name.trim(), value.trim()).map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    Ok(limits)
}

/// The deadline of one scan in ms: `default_ms` (the settings' `max_scan_ms`; 0: none),
/// unless the page's query string (`location.search`) carries the test knob for this file.
pub fn deadline_ms(search: &str, name: &str, default_ms: u64) -> u64 {
    let param = |key: &str| crate::protocol::query_param(search, key);
    let applies = param(TEST_DEADLINE_ONLY_PARAM).is_none_or(|only| name.contains(only));
    match param(TEST_DEADLINE_PARAM).and_then(|v| v.parse::<u64>().ok()) {
        Some(ms) if applies => ms,
        _ => default_ms,
    }
}

/// The report (`FileReport` JSON) of a file whose scan was stopped by the watchdog, as
/// the page renders it (the page keeps reports as JSON values).
pub fn stopped_report(name: &str, file_bytes: u64, ms: u64) -> Value {
    let message = keras_sentinel::msg!(
        keras_sentinel::messages::en::ERR_WATCHDOG,
        seconds = crate::num_text::seconds(ms),
        ms = ms
    );
    json!({
        "path": name,
        "format": "unknown",
        "verdict": "error",
        "findings": [],
        "errors": [{"location": "scan", "message": message, "limit": "max_scan_ms"}],
        "stats": {"file_bytes": file_bytes, "bytes_read": 0, "reads": 0},
    })
}

/// The report of a file whose scan the user cancelled: `error` (never clean: it was not
/// read to the end).
pub fn cancelled_report(name: &str, file_bytes: u64) -> Value {
    let message = keras_sentinel::msg!(keras_sentinel::messages::en::ERR_CANCELLED);
    json!({
        "path": name,
        "format": "unknown",
        "verdict": "error",
        "findings": [],
        "errors": [{"location": "scan", "message": message}],
        "stats": {"file_bytes": file_bytes, "bytes_read": 0, "reads": 0},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_limit_unless_the_test_knob_says_otherwise() {
        let default = Limits::default().max_scan_ms;
        assert_eq!(deadline_ms("", "a.keras", default), default);
        assert_eq!(deadline_ms("?ks-test-deadline-ms=1", "a.keras", default), 1);
        assert_eq!(deadline_ms("?x=2&ks-test-deadline-ms=5&ks-test-deadline-only=slow", "slow.keras", default), 5);
        assert_eq!(deadline_ms("?ks-test-deadline-ms=5&ks-test-deadline-only=slow", "fast.keras", default), default);
        assert_eq!(deadline_ms("?ks-test-deadline-ms=soon", "a.keras", default), default);
    }

    #[test]
    fn limit_settings_parse_like_the_cli_and_name_the_line() {
        let l = parse_limits("# page settings\n\nmax_work = 10\nmax_scan_ms=2k\n").unwrap();
        assert_eq!((l.max_work, l.max_scan_ms), (10, 2048));
        assert_eq!(parse_limits("").unwrap().max_scan_ms, Limits::default().max_scan_ms);
        let e = parse_limits("max_work=1\nmax_nope=3").unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("max_nope"), "{e}");
        assert!(parse_limits("max_work").unwrap_err().contains("NAME=VALUE"));
        assert!(parse_limits("max_work=lots").unwrap_err().contains("max_work"));
    }

    #[test]
    fn a_stopped_scan_is_an_error_naming_the_limit() {
        let r = stopped_report("a.keras", 10, 1500);
        assert_eq!(r["verdict"], "error");
        assert_eq!(r["path"], "a.keras");
        assert_eq!(r["errors"][0]["limit"], "max_scan_ms");
        let msg = r["errors"][0]["message"]["text"].as_str().unwrap();
        assert!(msg.contains("scan stopped after 1.5 s") && msg.contains("max_scan_ms = 1500"), "{msg}");
        // The shape the page renders is the core's report shape.
        let core = keras_sentinel::scan(&b"{}".to_vec(), "x.json", &Limits::default());
        let core = serde_json::to_value(&core).unwrap();
        for key in ["path", "format", "verdict", "findings", "stats"] {
            assert!(core.get(key).is_some(), "{key}");
        }
        for key in ["file_bytes", "bytes_read", "reads"] {
            assert!(core["stats"].get(key).is_some(), "{key}");
        }
    }
}

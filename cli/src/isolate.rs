//! One file's scan cannot take the others down: a panic (a scanner bug) is caught per
//! file and becomes that file's `error` report. This needs unwinding, so the CLI's
//! release profile keeps `panic = "unwind"` (the wasm build uses the `wasm-release`
//! profile with `panic = "abort"`: the page isolates each scan in a worker instead).

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// The message of the last panic on this thread, kept by the hook for the report.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the default panic message (a backtrace hint on stderr, in the middle of the
/// output) with one line, and keeps the message for the file's report.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        let msg = match (info.payload().downcast_ref::<&str>(), info.payload().downcast_ref::<String>()) {
            (Some(s), _) => s.to_string(),
            (_, Some(s)) => s.clone(),
            _ => "panic".to_string(),
        };
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let text = format!("{msg}{at}");
        eprintln!("keras-sentinel: internal error: {text}");
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
    }));
}

/// Runs `f`, turning a panic into `Err(message)`.
pub fn run<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "panic".into()))
}

/// Test-only (debug builds): `KS_TEST_PANIC_ON=<text>` makes the scan of any file whose
/// path contains `<text>` panic, so the tests can check that the other files survive.
#[cfg(debug_assertions)]
pub fn test_hook(path: &str) {
    if let Some(p) = std::env::var_os("KS_TEST_PANIC_ON") {
        if !p.is_empty() && path.contains(&*p.to_string_lossy()) {
            panic!("KS_TEST_PANIC_ON matched {path}");
        }
    }
}

#[cfg(not(debug_assertions))]
pub fn test_hook(_path: &str) {}

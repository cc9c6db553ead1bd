//! The pool of scanning workers. Each slot holds one worker with the behaviour the page
//! always had for its single worker: the policy message after `ready` (no file before the
//! worker acknowledged it), one file scanned at a time with up to `MAX_BEHIND` more held
//! behind it (then hashes), a watchdog deadline per file from the start of its scan,
//! cancel and panic restart, and these restart only that slot's worker. The pool has
//! `navigator.hardwareConcurrency` workers (capped, `results_table::pool_size`), all
//! started with the page.
//!
//! A worker runs the page's own wasm module (see `scan_worker.rs` for why one module): it is
//! a module worker (`static/worker_loader.js`) sent the page's compiled `WebAssembly.Module`
//! and the URL of the page's glue, so starting or restarting one fetches and compiles no
//! wasm.

use super::*;
use keras_sentinel_web::results_table;
use web_sys::{WorkerOptions, WorkerType};

thread_local! {
    /// The URL of the page's wasm-bindgen glue (`app-HASH.js`; boot.js passes it to
    /// `app_main`): each worker imports it to instantiate the page's module.
    static GLUE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Remembers the page's glue URL for the workers (`app_main`, before the first worker).
pub fn set_glue(url: String) {
    GLUE.with(|g| *g.borrow_mut() = url);
}

/// Starts one scanning worker and posts it what it needs to run the page's module:
/// `{type: "start", module, glue}`. Its messages are queued until the caller sets its
/// handlers (same task). A worker that fails later (import, instantiation) posts `panic`
/// before `ready`, or raises `error`: the page's usual "could not start" handling.
pub fn new_worker() -> Result<Worker, JsValue> {
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("./worker_loader.js", &opts)?;
    let start = obj(&[
        ("type", protocol::START.into()),
        // The module this page instantiated (`WebAssembly.Module` is structured-cloneable
        // to a dedicated worker): the worker neither fetches nor compiles it again.
        ("module", wasm_bindgen::module()),
        ("glue", GLUE.with(|g| g.borrow().clone()).into()),
        // The worker warms the scanner up before it is ready (scan_worker::worker_warmup),
        // unless the page's URL turns it off (`protocol::warmup_on`).
        (
            "warmup",
            protocol::warmup_on(&web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()).into(),
        ),
    ]);
    if let Err(e) = worker.post_message(&start) {
        worker.terminate();
        return Err(e);
    }
    Ok(worker)
}

/// How many files a worker holds behind the one it scans: enough to go on through a
/// refresh of the page (tens of ms), few enough that a slow file delays few others.
pub const MAX_BEHIND: usize = 3;

pub struct Slot {
    pub worker: Option<Worker>,
    /// Unique per worker started: messages of a replaced worker carry an old one and are
    /// ignored.
    pub generation: u32,
    pub ready: bool,
    /// The worker acknowledged the policy message most recently sent to it.
    pub acked: bool,
    /// The entry the worker scans or hashes.
    pub busy: Option<u32>,
    /// Files sent behind the one `busy` scans, in order (at most `MAX_BEHIND`): the worker
    /// starts the next as soon as it posts a verdict, instead of waiting for the main
    /// thread (busy rendering, or cloning the next File) to send it.
    pub next: Vec<u32>,
    /// Entries it scanned whose report it keeps until asked for their hash.
    pub scanned: Vec<u32>,
}

pub struct Pool {
    pub slots: Vec<Slot>,
    pub next_generation: u32,
    /// Workers that failed before becoming ready, in a row (the pool gives up at 3).
    pub start_failures: u32,
    pub gave_up: bool,
    size: usize,
}

impl Pool {
    pub const fn new() -> Self {
        Pool { slots: Vec::new(), next_generation: 0, start_failures: 0, gave_up: false, size: 0 }
    }

    /// How many workers at most (computed once, from the browser and the URL knob).
    pub fn size(&mut self) -> usize {
        if self.size == 0 {
            let win = web_sys::window();
            let search = win.as_ref().and_then(|w| w.location().search().ok()).unwrap_or_default();
            let cores = win.map(|w| w.navigator().hardware_concurrency()).unwrap_or(1.0);
            self.size = results_table::pool_size(&search, cores);
        }
        self.size
    }

    /// The slot of the worker started as `generation`, if it is still in the pool.
    pub fn slot(&self, generation: u32) -> Option<usize> {
        self.slots.iter().position(|s| s.generation == generation)
    }

    pub fn busy_with(&self, id: u32) -> Option<usize> {
        self.slots.iter().position(|s| s.busy == Some(id) || s.next.contains(&id))
    }

    /// The worker that was scanning or hashing `id` is free again.
    pub fn release(&mut self, id: u32) {
        for s in self.slots.iter_mut() {
            if s.busy == Some(id) {
                s.busy = None;
            }
            s.next.retain(|x| *x != id);
        }
    }

    pub fn any_ready(&self) -> bool {
        self.slots.iter().any(|s| s.ready)
    }

    /// A worker that can take a file now.
    pub fn idle(&self) -> Option<usize> {
        self.slots.iter().position(|s| s.worker.is_some() && s.ready && s.acked && s.busy.is_none())
    }

    /// The worker scanning a file (`scanning(busy)`) with the fewest files behind it, if
    /// it has fewer than `MAX_BEHIND` (`Slot::next`).
    pub fn behind_scan(&self, scanning: impl Fn(u32) -> bool) -> Option<usize> {
        (0..self.slots.len())
            .filter(|&i| {
                let s = &self.slots[i];
                s.worker.is_some() && s.ready && s.acked && s.next.len() < MAX_BEHIND && s.busy.is_some_and(&scanning)
            })
            .min_by_key(|&i| self.slots[i].next.len())
    }

    /// Workers that are free or about to be (starting up, waiting for the policy).
    fn free(&self) -> usize {
        self.slots.iter().filter(|s| s.busy.is_none()).count()
    }
}

/// Sends the policy to one worker (`Some(slot)`: it just became ready) or to every ready
/// worker (the policy changed). Each worker scans nothing until it acknowledged it.
pub fn send_policy(only: Option<usize>) {
    let msgs = with_app(|app| {
        let was_acked = app.policy.acked;
        let msg = review_ui::policy_message(app)?;
        if only.is_some() {
            // One more worker being told the same policy: the banner's state stands.
            app.policy.acked = was_acked;
        }
        let mut out = Vec::new();
        for (i, s) in app.pool.slots.iter_mut().enumerate() {
            if only.is_some_and(|o| o != i) || !s.ready {
                continue;
            }
            if let Some(w) = &s.worker {
                s.acked = false;
                out.push(w.clone());
            }
        }
        Some((msg, out))
    });
    if let Some((msg, workers)) = msgs {
        for w in workers {
            let _ = w.post_message(&msg);
        }
    }
}

/// The worker of `generation` acknowledged the policy.
pub fn acked(generation: u32) {
    with_app(|app| {
        if let Some(i) = app.pool.slot(generation) {
            app.pool.slots[i].acked = true;
        }
    });
}

/// Replaces every worker (the policy changed: every file is scanned again).
pub fn restart_all() {
    let n = with_app(|app| {
        app.pool.gave_up = false;
        app.pool.slots.len().max(1)
    });
    for i in 0..n {
        start_worker(i);
    }
}

/// Starts the pool's workers (at page load).
pub fn start_all() {
    let n = with_app(|app| app.pool.size());
    for i in 0..n {
        start_worker(i);
    }
}

/// Starts more workers while more files wait than workers are free, up to the pool size.
pub fn grow() {
    let (from, to) = with_app(|app| {
        let len = app.pool.slots.len();
        if app.pool.gave_up {
            return (len, len);
        }
        let size = app.pool.size();
        let queued = app.entries.iter().filter(|e| e.status == Status::Queued).count();
        let wanted = queued.saturating_sub(app.pool.free());
        (len, (len + wanted).min(size).max(len))
    });
    for i in from..to {
        start_worker(i);
    }
}

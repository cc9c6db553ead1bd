//! The review workflow in the page: the policy in force (the site's `policy.toml`, a file
//! the user picks, or the built-in one), each file's policy decision and SHA-256 (hashed by
//! the worker after the verdict, with progress and cancel), and the exports (JSON, SARIF,
//! HTML, Markdown) made here as Blob URL downloads. The policy is parsed and applied in the
//! worker; this module only shows what the worker decided.

use super::*;
use keras_sentinel_web::export;
use keras_sentinel_web::num_text::fixed;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Response, Url};

/// UI strings of the review workflow: (key, English, Turkish).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("policy_label", "Policy", "Politika"),
    ("policy_loading", "Looking for this site's policy (policy.toml)…", "Bu sitenin politikası (policy.toml) aranıyor…"),
    ("policy_builtin", "Built-in policy: blocks malicious, suspicious and unscannable files; warns on lambdas and on custom classes to review.", "Yerleşik politika: kötü amaçlı, şüpheli ve taranamayan dosyaları engeller; lambdalar ve incelenmesi gereken özel sınıflar için uyarır."),
    ("policy_site", "“{}” from this site (policy.toml)", "Bu sitenin politikası: “{}” (policy.toml)"),
    ("policy_user", "“{}” from the file you chose ({})", "Seçtiğiniz dosyadaki politika: “{}” ({})"),
    ("policy_checking", "Reading the policy…", "Politika okunuyor…"),
    ("policy_none", "No policy is in force: files are scanned, but no pass/block decision is made.", "Yürürlükte politika yok: dosyalar taranır, ancak geçer/engellenir kararı verilmez."),
    ("policy_fetch_failed", "This site's policy (policy.toml) could not be loaded: {}. The built-in policy is NOT used in its place; choose a policy file or fix the site.", "Bu sitenin politikası (policy.toml) yüklenemedi: {}. Yerine yerleşik politika KULLANILMAZ; bir politika dosyası seçin veya siteyi düzeltin."),
    ("policy_parse_failed", "The policy “{}” is invalid: line {}, column {}{}: {}. The built-in policy is NOT used in its place.", "“{}” politikası geçersiz: satır {}, sütun {}{}: {}. Yerine yerleşik politika KULLANILMAZ."),
    ("policy_key", ", key {}", ", anahtar {}"),
    ("choose_policy", "Choose policy…", "Politika seç…"),
    ("rescanning", "Re-scanning {} file(s) with the new policy.", "{} dosya yeni politikayla yeniden taranıyor."),
    ("action_block", "Block", "Engelle"),
    ("action_warn", "Warn", "Uyar"),
    ("action_ignore", "Ignore", "Yoksay"),
    ("passes", "passes", "geçer"),
    ("does_not_pass", "does not pass", "geçmez"),
    ("decision", "Policy “{}”: {} — {}", "Politika “{}”: {} — {}"),
    ("pending_hash", "(pending hash: file allowlist entries are checked once the SHA-256 is known)", "(özet bekleniyor: dosya izin listesi girdileri SHA-256 bilinince denetlenir)"),
    ("hash_unchecked", "(no SHA-256: the policy's file allowlist entries were not checked)", "(SHA-256 yok: politikanın dosya izin listesi girdileri denetlenmedi)"),
    ("policy_not_applied", "not applied (no policy in force)", "uygulanmadı (yürürlükte politika yok)"),
    ("allowed_by", "Allowed by", "İzin veren"),
    ("hashing", "SHA-256: computing… {} of {}", "SHA-256: hesaplanıyor… {} / {}"),
    ("hash_waiting", "SHA-256: waiting…", "SHA-256: bekleniyor…"),
    ("hash_cancelled", "SHA-256: cancelled", "SHA-256: iptal edildi"),
    ("hash_failed", "SHA-256: could not be computed: {}", "SHA-256: hesaplanamadı: {}"),
    ("hash_unknown", "not computed", "hesaplanmadı"),
    ("cancel", "Cancel", "İptal"),
    ("export", "Export", "Dışa aktar"),
    ("export_all", "Export all:", "Tümünü dışa aktar:"),
    ("report_title", "Keras Sentinel report", "Keras Sentinel raporu"),
    ("generated", "generated", "oluşturulma"),
    ("format", "Format", "Biçim"),
    ("size", "Size", "Boyut"),
    ("policy", "Policy", "Politika"),
    ("action", "Action", "Eylem"),
    ("finding", "Finding", "Bulgu"),
    ("code", "Code", "Kod"),
    ("severity", "Severity", "Önem"),
];

// ---------------------------------------------------------------------------------------
// State

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Source {
    BuiltIn,
    Site,
    User,
}

/// The policy the page asked the worker to apply, and what the worker said about it.
pub struct PolicyState {
    pub source: Source,
    /// The policy file's text (`None`: the built-in policy).
    pub text: Option<String>,
    /// The file name (site: `policy.toml`; user: the picked file's name).
    pub file: String,
    /// The policy's name once the worker accepted it.
    pub name: String,
    /// Still fetching `policy.toml`: no file is scanned until this is known.
    pub fetching: bool,
    /// The policy could not be used (its fetch or its parse failed): no decision is made,
    /// and the page says why. The built-in policy never silently replaces it.
    pub broken: Option<Broken>,
    /// The worker acknowledged the policy message most recently sent.
    pub acked: bool,
    pub needs_hash: bool,
}

impl PolicyState {
    pub const fn new() -> Self {
        PolicyState {
            source: Source::BuiltIn,
            text: None,
            file: String::new(),
            name: String::new(),
            fetching: true,
            broken: None,
            acked: false,
            needs_hash: false,
        }
    }
}

/// Why the policy could not be used.
pub enum Broken {
    /// `policy.toml` (or the picked file) could not be read.
    Fetch(String),
    /// The worker's parser refused it (`message`: the catalogue message, as JSON).
    Parse { line: String, column: String, key: Option<String>, message: String },
}

impl Broken {
    fn text(&self, lang: Lang, file: &str) -> String {
        match self {
            Broken::Fetch(f) => tf(lang, "policy_fetch_failed", &[f]),
            Broken::Parse { line, column, key, message } => {
                let key = key.as_ref().map(|k| tf(lang, "policy_key", &[k])).unwrap_or_default();
                let message = serde_json::from_str(message).map(|v| msg(lang, &v)).unwrap_or_default();
                tf(lang, "policy_parse_failed", &[file, line, column, &key, &message])
            }
        }
    }
}

/// The SHA-256 of one file, computed by the worker after the verdict.
#[derive(Clone, PartialEq)]
pub enum HashState {
    None,
    Running { done: f64, total: f64 },
    Done(String),
    Cancelled,
    Failed(String),
}

// ---------------------------------------------------------------------------------------
// Policy

/// The message that sets the worker's policy, or `None` while `policy.toml` is being fetched.
pub fn policy_message(app: &mut App) -> Option<js_sys::Object> {
    let p = &mut app.policy;
    if p.fetching {
        return None;
    }
    p.acked = false;
    let kind = ("type", JsValue::from(protocol::POLICY));
    Some(match (&p.broken, &p.text) {
        (Some(_), _) => obj(&[kind, ("off", true.into())]),
        (None, Some(text)) => obj(&[kind, ("text", text.as_str().into()), ("name", p.file.as_str().into())]),
        (None, None) => obj(&[kind, ("name", "built-in".into())]),
    })
}

/// Sends the policy to every ready worker (when the policy changes; a worker that
/// becomes ready gets it from the pool).
pub fn send_policy() {
    pool::send_policy(None);
}

/// The answer of the worker started as `generation` to a policy message.
pub fn on_policy_reply(generation: u32, data: &JsValue) {
    let ok = protocol::get(data, "ok").is_truthy();
    if ok {
        pool::acked(generation);
    }
    let resend = with_app(|app| {
        if ok {
            app.policy.acked = true;
            if app.policy.broken.is_none() {
                app.policy.name = protocol::get_str(data, "name").unwrap_or_default();
            }
            app.policy.needs_hash = protocol::get(data, "needs_hash").is_truthy();
            false
        } else {
            // Line and column: whole numbers (no float printing in the page).
            let num = |k: &str| (protocol::get_f64(data, k).unwrap_or(0.0) as u64).to_string();
            app.policy.broken = Some(Broken::Parse {
                line: num("line"),
                column: num("column"),
                key: protocol::get_str(data, "key"),
                message: protocol::get_str(data, "message").unwrap_or_default(),
            });
            true // tell the worker to apply no policy at all
        }
    });
    if resend {
        send_policy();
    }
    with_app(|app| render_policy(app));
    pump();
}

/// Fetches `policy.toml` next to index.html: 404 means the built-in policy; any other
/// failure means no policy, said on the page.
fn fetch_site_policy() {
    let Some(win) = web_sys::window() else { return };
    let done = |text: Option<String>, failure: Option<String>| {
        with_app(|app| {
            if app.policy.source == Source::User {
                return; // the user chose a file meanwhile
            }
            app.policy.fetching = false;
            match (text, failure) {
                (_, Some(f)) => {
                    app.policy.source = Source::Site;
                    app.policy.file = "policy.toml".into();
                    app.policy.broken = Some(Broken::Fetch(f));
                }
                (Some(t), None) => {
                    app.policy.source = Source::Site;
                    app.policy.file = "policy.toml".into();
                    app.policy.text = Some(t);
                }
                (None, None) => app.policy.source = Source::BuiltIn,
            }
        });
        send_policy();
        with_app(|app| render_policy(app));
    };
    let on_response = move |resp: JsValue| {
        let Ok(resp) = resp.dyn_into::<Response>() else {
            return done(None, Some("not a response".into()));
        };
        match resp.status() {
            404 => done(None, None),
            200 => match resp.text() {
                Ok(p) => then(
                    &p,
                    move |t: JsValue| done(Some(t.as_string().unwrap_or_default()), None),
                    move |e: JsValue| done(None, Some(js_err(&e))),
                ),
                Err(e) => done(None, Some(js_err(&e))),
            },
            s => done(None, Some(format!("HTTP {s} {}", resp.status_text()))),
        }
    };
    then(&win.fetch_with_str("policy.toml"), on_response, move |e: JsValue| done(None, Some(js_err(&e))));
}

/// `promise.then(ok, bad)`; each callback runs at most once.
pub fn then(p: &js_sys::Promise, ok: impl FnOnce(JsValue) + 'static, bad: impl FnOnce(JsValue) + 'static) {
    let ok = Closure::<dyn FnMut(JsValue)>::once(ok);
    let bad = Closure::<dyn FnMut(JsValue)>::once(bad);
    let _ = p.then2(&ok, &bad);
    ok.forget();
    bad.forget();
}

/// Largest policy file read from disk.
const MAX_POLICY_BYTES: f64 = (1 << 20) as f64;

/// A policy file the user picked replaces whatever was in force; every file is scanned
/// again under it.
fn use_user_policy(file: File) {
    let name = file.name();
    // A policy is a few KB; never read a large file picked by mistake into memory.
    if file.size() > MAX_POLICY_BYTES {
        with_app(|app| {
            app.policy = PolicyState { source: Source::User, file: name, fetching: false, ..PolicyState::new() };
            app.policy.broken =
                Some(Broken::Fetch(format!("{} B > {} B", fixed(file.size(), 0), fixed(MAX_POLICY_BYTES, 0))));
        });
        rescan_all();
        return;
    }
    let on_text = move |t: JsValue| {
        with_app(|app| {
            app.policy = PolicyState {
                source: Source::User,
                text: Some(t.as_string().unwrap_or_default()),
                file: name,
                fetching: false,
                ..PolicyState::new()
            };
        });
        rescan_all();
    };
    let on_err = move |e: JsValue| {
        with_app(|app| {
            app.policy.broken = Some(Broken::Fetch(js_err(&e)));
            render_policy(app);
        });
    };
    then(&file.text(), on_text, on_err);
}

/// Queues every file again (the decision of each depends on the policy) with a fresh
/// worker, which receives the new policy first.
fn rescan_all() {
    let n = with_app(|app| {
        for e in app.entries.iter_mut() {
            e.status = Status::Queued;
            e.report = None;
            e.report_text = None;
            e.error = None;
            e.hash = HashState::None;
            e.bytes_read = 0.0;
        }
        app.entries.len()
    });
    with_app(|app| app.rescan_note = (n > 0).then_some(n));
    render_all();
    pool::restart_all();
}

pub fn render_policy(app: &App) {
    let lang = app.lang;
    let p = &app.policy;
    if let Some(st) = by_id("policy-status") {
        let (source, state) = (
            match p.source {
                Source::BuiltIn => "built-in",
                Source::Site => "site",
                Source::User => "user",
            },
            if p.broken.is_some() {
                "error"
            } else if p.fetching || !p.acked {
                "loading"
            } else {
                "ok"
            },
        );
        attr(&st, "data-source", if p.broken.is_some() { "none" } else { source });
        attr(&st, "data-state", state);
        attr(&st, "data-name", &p.name);
        let text = if p.broken.is_some() {
            t(lang, "policy_none").to_string()
        } else if p.fetching {
            t(lang, "policy_loading").to_string()
        } else if !p.acked {
            t(lang, "policy_checking").to_string()
        } else {
            match p.source {
                Source::BuiltIn => t(lang, "policy_builtin").to_string(),
                Source::Site => tf(lang, "policy_site", &[&p.name]),
                Source::User => tf(lang, "policy_user", &[&p.name, &p.file]),
            }
        };
        clear(&st);
        add(&st, &txt("strong", "", &format!("{}: ", t(lang, "policy_label"))));
        add(&st, &txt("span", "", &text));
        let pending = app.entries.iter().any(|e| matches!(e.status, Status::Queued | Status::Scanning));
        if let Some(n) = app.rescan_note.filter(|_| pending) {
            add(&st, &txt("span", "rescan-note", &format!(" {}", tf(lang, "rescanning", &[&n.to_string()]))));
        }
    }
    if let Some(e) = by_id("policy-error") {
        match &p.broken {
            Some(b) => {
                e.set_text_content(Some(&b.text(lang, &p.file)));
                let _ = e.remove_attribute("hidden");
            }
            None => {
                let _ = e.set_attribute("hidden", "");
            }
        }
    }
    if let Some(b) = by_id("policy-bar") {
        attr(&b, "class", if p.broken.is_some() { "policy-bar bad" } else { "policy-bar" });
    }
}

// ---------------------------------------------------------------------------------------
// Per file: decision, hash, cancel, exports

fn action_label(lang: Lang, action: &str) -> &'static str {
    t(lang, &format!("action_{action}"))
}

/// The policy decision, the hash line and the buttons of one card.
pub fn render_review(card: &Element, e: &Entry, lang: Lang, needs_hash: bool) {
    if e.status == Status::Scanning {
        add(card, &cancel_button(e.id, lang));
        return;
    }
    if e.status != Status::Done {
        return;
    }
    let Some(r) = &e.report else { return };
    let box_ = el("div", "review");
    let dec = el("p", "policy-decision");
    match r.get("policy") {
        Some(p) => {
            let action = s(p, "action");
            let pass = if action == "block" { t(lang, "does_not_pass") } else { t(lang, "passes") };
            // A policy with file entries decides finally once the hash is known; without it
            // (cancelled, failed) those entries were not checked, and the page says so.
            let pending = needs_hash && matches!(e.hash, HashState::None | HashState::Running { .. });
            let unchecked = needs_hash && matches!(e.hash, HashState::Cancelled | HashState::Failed(_));
            attr(&dec, "data-action", action);
            attr(
                &dec,
                "data-pending-hash",
                if pending {
                    "true"
                } else if unchecked {
                    "unavailable"
                } else {
                    "false"
                },
            );
            add(&dec, &txt("span", &format!("action-badge action-{action}"), action_label(lang, action)));
            add(
                &dec,
                &txt(
                    "span",
                    "",
                    &format!(" {}", tf(lang, "decision", &[s(p, "policy"), action_label(lang, action), pass])),
                ),
            );
            if let Some(a) = p.get("file_allowed_by") {
                let by = format!(" {} {} — {}", t(lang, "allowed_by"), s(a, "reviewer"), s(a, "reason"));
                add(&dec, &txt("span", "allowed-by", &by));
            }
            if pending || unchecked {
                let key = if pending { "pending_hash" } else { "hash_unchecked" };
                add(&dec, &txt("span", "pending-hash", &format!(" {}", t(lang, key))));
            }
            for n in msgs(lang, p, "notes") {
                add(&dec, &txt("span", "policy-note", &format!(" {n}")));
            }
        }
        None => {
            attr(&dec, "data-action", "none");
            add(&dec, &txt("span", "", &format!("{}: {}", t(lang, "policy_label"), t(lang, "policy_not_applied"))));
        }
    }
    add(&box_, &dec);

    let hash = el("p", "file-hash");
    attr(&hash, "id", &format!("hash-{}", e.id));
    fill_hash(&hash, e, lang);
    add(&box_, &hash);

    let ex = el("div", "exports");
    add(&ex, &txt("span", "exports-label", t(lang, "export")));
    for (kind, label) in EXPORTS {
        let b = txt("button", "subtle export", label);
        attr(&b, "type", "button");
        attr(&b, "data-export", kind);
        attr(&b, "data-id", &e.id.to_string());
        add(&ex, &b);
    }
    add(&box_, &ex);
    add(card, &box_);
}

const EXPORTS: [(&str, &str); 4] = [("json", "JSON"), ("sarif", "SARIF"), ("html", "HTML"), ("md", "Markdown")];

fn cancel_button(id: u32, lang: Lang) -> Element {
    let b = txt("button", "subtle cancel", t(lang, "cancel"));
    attr(&b, "type", "button");
    attr(&b, "data-cancel", &id.to_string());
    b
}

/// The hash line's content (also updated alone on progress, without re-rendering the card).
fn fill_hash(p: &Element, e: &Entry, lang: Lang) {
    clear(p);
    let (state, text) = match &e.hash {
        HashState::None => ("waiting", t(lang, "hash_waiting").to_string()),
        HashState::Running { done, total } => {
            ("running", tf(lang, "hashing", &[&human_bytes(*done), &human_bytes(*total)]))
        }
        HashState::Done(h) => {
            attr(p, "data-sha256", h);
            ("done", String::new())
        }
        HashState::Cancelled => ("cancelled", t(lang, "hash_cancelled").to_string()),
        HashState::Failed(m) => ("failed", tf(lang, "hash_failed", &[m])),
    };
    attr(p, "data-state", state);
    if let HashState::Done(h) = &e.hash {
        add(p, &txt("span", "", "SHA-256: "));
        add(p, &txt("code", "sha256", h));
    } else {
        p.set_text_content(Some(&text));
    }
    if matches!(e.hash, HashState::Running { .. } | HashState::None) {
        add(p, &txt("span", "", " "));
        add(p, &cancel_button(e.id, lang));
    }
}

/// The policy's action on finding `i` of `r`, on the finding's element.
pub fn annotate_finding(art: &Element, r: &Value, i: usize, lang: Lang) {
    let Some((action, by)) = export::finding_action(r, i, &|v| msg(lang, v)) else { return };
    attr(art, "data-action", &action);
    if let Some(head) = art.query_selector(".finding-head").ok().flatten() {
        add(&head, &txt("span", &format!("action-badge action-{action}"), action_label(lang, &action)));
    }
    if let Some(by) = by {
        let p = txt("p", "allowed-by", &format!("{} {by}", t(lang, "allowed_by")));
        if let Some(head) = art.query_selector(".finding-head").ok().flatten() {
            let _ = head.after_with_node_1(&p);
        }
    }
}

pub fn on_hash_progress(id: u32, done: f64, total: f64) {
    with_app(|app| {
        let lang = app.lang;
        if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
            e.hash = HashState::Running { done, total };
            if let Some(p) = by_id(&format!("hash-{id}")) {
                fill_hash(&p, e, lang);
            }
        }
    });
}

/// The worker finished (or gave up) hashing `id`: `report` carries the decision
/// recomputed with the hash.
pub fn on_hashed(id: u32, data: &JsValue, ok: bool) {
    with_app(|app| {
        if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
            if ok {
                e.hash = HashState::Done(protocol::get_str(data, "sha256").unwrap_or_default());
                if let Some(text) = protocol::get_str(data, "report") {
                    if let Ok(r) = serde_json::from_str(&text) {
                        e.report = Some(r);
                        e.report_text = Some(text);
                    }
                }
            } else {
                e.hash = HashState::Failed(protocol::get_str(data, "message").unwrap_or_default());
            }
        }
        app.pool.release(id);
    });
    render_one(id);
    pump();
}

/// Cancels the scan or hash of `id`: the worker is terminated (a synchronous loop cannot
/// read messages) and a fresh one goes on with the queue.
fn cancel(id: u32) {
    let waiting = with_app(|app| {
        let e = app
            .entries
            .iter_mut()
            .find(|e| e.id == id && e.hash == HashState::None && app.pool.busy_with(id).is_none());
        e.map(|e| e.hash = HashState::Cancelled).is_some()
    });
    if waiting {
        // A hash not started yet (the pool hashes once no file waits for a verdict).
        render_one(id);
        return;
    }
    let cancelled = with_app(|app| {
        let slot = app.pool.busy_with(id)?;
        // The worker is replaced: a file it scans while `id` waits behind it is queued again
        // (and the others behind it, by `start_worker`).
        let s = &mut app.pool.slots[slot];
        if s.next.contains(&id) {
            s.next.retain(|x| *x != id);
            if let Some(other) = s.busy.take() {
                if let Some(e) = app.entries.iter_mut().find(|e| e.id == other && e.status == Status::Scanning) {
                    e.status = Status::Queued;
                    app.table.dirty.insert(other);
                }
            }
        }
        app.pool.slots[slot].busy = None;
        if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
            if e.status == Status::Scanning {
                e.report_text = None;
                e.report = Some(watchdog::cancelled_report(&e.name, e.file.size() as u64));
                e.status = Status::Done;
                e.hash = HashState::Cancelled;
            } else {
                e.hash = HashState::Cancelled;
            }
        }
        Some(slot)
    });
    if let Some(slot) = cancelled {
        render_one(id);
        start_worker(slot);
    }
}

/// Builds one export of entry `id` (or of every scanned file, `which` = "all") in the
/// exporter worker (`bin/exporter.rs`: its wasm is fetched on the first export only, so the
/// page starts without it; the scanning worker may be busy hashing a large file), then
/// downloads it.
fn export_files(kind: &str, which: &str) {
    let job = with_app(|app| {
        let chosen: Vec<&Entry> = app
            .entries
            .iter()
            .filter(|e| e.report.is_some() && (which == "all" || which == e.id.to_string()))
            .collect();
        let base = match (which, chosen.as_slice()) {
            ("all", _) | (_, []) => "keras-sentinel-report".to_string(),
            (_, [one]) => format!("{}.keras-sentinel", safe_name(&one.name)),
            _ => "keras-sentinel-report".to_string(),
        };
        let strings = |f: &dyn Fn(&&Entry) -> Option<String>| -> js_sys::Array {
            chosen.iter().filter_map(f).map(JsValue::from).collect()
        };
        let text = |e: &&Entry| e.report_text.clone().or_else(|| e.report.as_ref().map(|r| r.to_string()));
        let reports = strings(&text);
        let lang = app.lang;
        let labels = js_sys::Object::new();
        for (k, _, _) in STRINGS_ALL.iter().flat_map(|t| t.iter()) {
            let _ = js_sys::Reflect::set(&labels, &JsValue::from_str(k), &JsValue::from_str(t(lang, k)));
        }
        // The model overview's words, as `ov:<key>`.
        for (k, template) in overview::templates(lang) {
            let _ = js_sys::Reflect::set(&labels, &JsValue::from_str(&format!("ov:{k}")), &JsValue::from_str(template));
        }
        // Report messages in the page's language: the exporter does not link the catalogue.
        if lang == Lang::Tr {
            for (id, template) in lang_pack::entries() {
                let _ =
                    js_sys::Reflect::set(&labels, &JsValue::from_str(&format!("m:{id}")), &JsValue::from_str(template));
            }
        }
        let msg = obj(&[
            ("type", protocol::EXPORT.into()),
            ("kind", kind.into()),
            ("lang", lang.code().into()),
            ("labels", labels.into()),
            ("reports", reports.into()),
            ("generated", now_text().into()),
        ]);
        (!chosen.is_empty()).then_some((msg, base))
    });
    let Some((msg, base)) = job else { return };
    EXPORTER.with(|x| {
        let mut x = x.borrow_mut();
        let ex = x.get_or_insert_with(start_exporter);
        ex.names.push_back(base);
        if ex.ready {
            let _ = ex.worker.post_message(&msg);
        } else {
            ex.waiting.push(msg);
        }
    });
}

/// The worker that builds exports: started at the first export and kept (one load of the
/// exporter's files), apart from the scanning worker, which may be busy hashing a large file.
/// It answers in the order asked, so `names` pairs each answer with its download name.
struct Exporter {
    worker: Worker,
    ready: bool,
    waiting: Vec<js_sys::Object>,
    names: std::collections::VecDeque<String>,
}

thread_local! {
    static EXPORTER: RefCell<Option<Exporter>> = const { RefCell::new(None) };
}

fn start_exporter() -> Exporter {
    let worker = Worker::new("./exporter_loader.js").expect("Worker");
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let kind = protocol::get_str(&data, "type").unwrap_or_default();
        let saved = EXPORTER.with(|x| {
            let mut x = x.borrow_mut();
            let ex = x.as_mut()?;
            match kind.as_str() {
                protocol::READY => {
                    ex.ready = true;
                    for m in ex.waiting.drain(..) {
                        let _ = ex.worker.post_message(&m);
                    }
                    None
                }
                protocol::EXPORTED => ex.names.pop_front(),
                _ => {
                    // A panic: this worker is gone; the next export starts a new one.
                    ex.worker.terminate();
                    *x = None;
                    None
                }
            }
        });
        if let Some(name) = saved {
            let g = |k| protocol::get_str(&data, k).unwrap_or_default();
            download(&g("text"), &g("mime"), &format!("{name}.{}", g("ext")));
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    Exporter { worker, ready: false, waiting: Vec::new(), names: Default::default() }
}

fn now_text() -> String {
    let d = js_sys::Date::new_0();
    d.to_iso_string().as_string().unwrap_or_default()
}

/// A download name from an attacker-chosen file name: its last component, plain characters.
fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String =
        last.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).take(80).collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

/// Saves `text` as a file through a Blob URL and `<a download>`: nothing leaves the machine.
fn download(text: &str, mime: &str, name: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &bag) else { return };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else { return };
    let Ok(a) = document().create_element("a").map(|a| a.unchecked_into::<HtmlAnchorElement>()) else { return };
    a.set_href(&url);
    a.set_download(name);
    a.set_hidden(true);
    if let Some(body) = document().body() {
        let _ = body.append_child(&a);
        a.click();
        a.remove();
    }
    // Revoked later: the download starts asynchronously from the URL.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
}

// ---------------------------------------------------------------------------------------
// Wiring

pub fn init() {
    // One listener for every card's buttons (cards are re-rendered often).
    let doc = document();
    on(&doc, "click", |ev| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Some(b) = target.closest("button").ok().flatten() else { return };
        if let Some(kind) = b.get_attribute("data-export") {
            export_files(&kind, &b.get_attribute("data-id").unwrap_or_default());
        } else if let Some(id) = b.get_attribute("data-cancel").and_then(|v| v.parse().ok()) {
            cancel(id);
        }
    });
    if let Some(input) = by_id("policy-input").and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) {
        let inp = input.clone();
        on(&input, "change", move |_| {
            if let Some(f) = inp.files().and_then(|l| l.get(0)) {
                use_user_policy(f);
            }
            inp.set_value("");
        });
    }
    if let Some(b) = by_id("choose-policy") {
        on(&b, "click", |_| {
            if let Some(i) = by_id("policy-input").and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                i.click();
            }
        });
    }
    fetch_site_policy();
}

/// Shows the "export all" buttons once a file has a report.
pub fn render_export_all(app: &App) {
    if let Some(x) = by_id("export-all") {
        let any = app.entries.iter().any(|e| e.report.is_some());
        let _ = if any { x.remove_attribute("hidden") } else { x.set_attribute("hidden", "") };
    }
}

//! The results table: one row per file (file, verdict, top finding, size, time), sortable
//! by each column, filtered by verdict (the summary chips too) and by rule code, a page of
//! rows at a time; the cards of the page's files follow it, open for malicious and
//! suspicious files, closed for the others. Keyboard: a roving tabindex over the rows'
//! buttons (arrows, Home/End, PageUp/PageDown), Enter opens the file's card.
//!
//! Rendering is incremental: a result marks its row and card changed; they, the page, the
//! chips, the filters and the live region are refreshed at most once per frame (every
//! 200 ms while a batch is scanned, a bounded number of cards each time), whatever the
//! number of results meanwhile. A closed card builds its findings when first opened.
//! Order and filter logic: `keras_sentinel_web::results_table`.

use super::*;
use keras_sentinel_web::num_text::fixed;
use keras_sentinel_web::results_table::{self as rt, Column, Filter, Row, Sort, FAILED, PENDING};

/// UI strings of the table: (key, English, Turkish).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("col_file", "File", "Dosya"),
    ("col_verdict", "Verdict", "Karar"),
    ("col_top", "Top finding", "En önemli bulgu"),
    ("col_size", "Size", "Boyut"),
    ("col_time", "Time", "Süre"),
    ("filter_verdict", "Verdict", "Karar"),
    ("filter_code", "Rule", "Kural"),
    ("all_verdicts", "All verdicts", "Tüm kararlar"),
    ("all_codes", "All rules", "Tüm kurallar"),
    ("v_pending", "Scanning", "Taranıyor"),
    ("v_failed", "Not scanned", "Taranamadı"),
    ("table_caption", "Scanned files. Sort by a column, filter by verdict or rule; in the table, arrow keys move between files and Enter opens a file's details.", "Taranan dosyalar. Bir sütuna göre sıralayın, karara veya kurala göre süzün; tabloda ok tuşları dosyalar arasında gezinir, Enter dosyanın ayrıntılarını açar."),
    ("page_info", "Files {}–{} of {}", "Dosyalar {}–{} / {}"),
    ("prev_page", "Previous", "Önceki"),
    ("next_page", "Next", "Sonraki"),
    ("no_match", "No file matches the filter.", "Süzgece uyan dosya yok."),
    ("card_details", "Details: {}", "Ayrıntılar: {}"),
    ("guidance_for", "What {} means, why it matters, what to do", "{} ne demek, neden önemli, ne yapmalı"),
    ("found_in", "in {} file(s)", "{} dosyada"),
    ("announce_scanning", "Scanning {} file(s)…", "{} dosya taranıyor…"),
    ("announce", "{} file(s): {}", "{} dosya: {}"),
];

pub struct TableState {
    pub sort: Option<Sort>,
    pub filter: Filter,
    pub page: usize,
    /// The row holding the tabindex (roving); the page's first row when it is not shown.
    pub focus: Option<u32>,
    /// The ids whose rows and cards are attached, in order.
    shown: Vec<u32>,
    /// A refresh is scheduled: `Some(true)` for the next frame, `Some(false)` for later
    /// (throttled while a batch is scanned).
    scheduled: Option<bool>,
    /// Which scheduled callback may refresh (a throttled one is superseded by a sooner one).
    schedule_token: u32,
    /// When the last refresh ran (ms since the epoch).
    last_refresh: f64,
    /// What the filter menus and rule counts were last built from.
    options_sig: String,
    /// When the first file of the current batch was added (ms since the epoch).
    batch_start: Option<f64>,
    announced: String,
    /// How many rows pass the filter (all pages).
    visible_len: usize,
    /// Entries whose card changed while off the page (rendered when attached).
    pub stale: IdSet,
    /// Entries changed since the last refresh (their rows and shown cards are rendered then).
    pub dirty: IdSet,
    /// Files picked and not queued yet (queued a chunk per task): the batch goes on.
    pub incoming: usize,
    /// Cards left changed by a refresh are rendered when the main thread is idle.
    idle_scheduled: bool,
}

impl TableState {
    pub const fn new() -> Self {
        TableState {
            sort: None,
            filter: Filter { verdict: String::new(), code: String::new() },
            page: 0,
            focus: None,
            shown: Vec::new(),
            scheduled: None,
            schedule_token: 0,
            last_refresh: 0.0,
            options_sig: String::new(),
            batch_start: None,
            announced: String::new(),
            visible_len: 0,
            stale: IdSet(Vec::new()),
            dirty: IdSet(Vec::new()),
            incoming: 0,
            idle_scheduled: false,
        }
    }

    pub fn is_shown(&self, id: u32) -> bool {
        self.shown.contains(&id)
    }
}

pub fn rule_anchor(code: &str) -> String {
    format!("rule-{code}")
}

fn verdict_label(lang: Lang, v: &str) -> String {
    let l = t(lang, &format!("v_{v}"));
    if l.is_empty() {
        v.to_string()
    } else {
        l.to_string()
    }
}

fn row_of(e: &Entry) -> Row {
    let verdict = match e.status {
        Status::Queued | Status::Scanning => PENDING.to_string(),
        Status::Failed => FAILED.to_string(),
        Status::Done => e.report.as_ref().map(|r| s(r, "verdict")).filter(|v| !v.is_empty()).unwrap_or("error").into(),
    };
    let mut top: Option<(u8, String)> = None;
    let mut codes: Vec<String> = Vec::new();
    if let Some(fs) = e.report.as_ref().and_then(|r| r.get("findings")).and_then(Value::as_array) {
        for f in fs {
            let code = s(f, "code");
            let key = (rt::severity_rank(s(f, "severity")), code.to_string());
            if top.as_ref().is_none_or(|t| key < *t) {
                top = Some(key);
            }
            if !codes.iter().any(|c| c == code) {
                codes.push(code.to_string());
            }
        }
    }
    Row { id: e.id, name: e.name.clone(), verdict, top, codes, size: e.size.unwrap_or(-1.0), ms: e.ms }
}

fn entry(app: &App, id: u32) -> Option<&Entry> {
    app.entries.binary_search_by_key(&id, |e| e.id).ok().map(|i| &app.entries[i])
}

// ---------------------------------------------------------------------------------------
// Rows and cards

/// A file's row, its cells filled by `render_row` (kept, so focus survives updates).
pub fn new_row(id: u32) -> Element {
    let tr = el("tr", "result-row");
    attr(&tr, "data-id", &id.to_string());
    let name = el("td", "c-name");
    let b = el("button", "row-open");
    attr(&b, "type", "button");
    attr(&b, "data-open", &id.to_string());
    attr(&b, "tabindex", "-1");
    add(&name, &b);
    add(&tr, &name);
    for class in ["c-verdict", "c-top", "c-size num", "c-time num"] {
        add(&tr, &el("td", class));
    }
    tr
}

pub fn render_row(e: &Entry, lang: Lang) {
    let r = row_of(e);
    let tr = &e.row;
    attr(tr, "data-file", &e.name);
    attr(tr, "data-verdict", &r.verdict);
    attr(tr, "data-size", &fixed(r.size, 0));
    attr(tr, "data-ms", &r.ms.map(|m| fixed(m, 1)).unwrap_or_default());
    let mut cells = Vec::with_capacity(5);
    let mut c = tr.first_element_child();
    while let Some(x) = c {
        c = x.next_element_sibling();
        cells.push(x);
    }
    let cell = |i: usize| cells.get(i).cloned().unwrap_or_else(|| el("td", ""));
    if let Some(b) = cell(0).first_element_child() {
        b.set_text_content(Some(&e.name));
        attr(&b, "title", &e.name); // the cell truncates long paths
    }
    let v = cell(1);
    clear(&v);
    let label = match e.status {
        Status::Queued => t(lang, "queued").to_string(),
        _ => verdict_label(lang, &r.verdict),
    };
    let class = match r.verdict.as_str() {
        PENDING => "pending".to_string(),
        FAILED => "error".to_string(),
        x => x.to_string(),
    };
    add(&v, &txt("span", &format!("verdict-badge small verdict-{class}"), &label));
    let top = cell(2);
    clear(&top);
    if let Some((_, code)) = &r.top {
        add(&top, &txt("code", "rule-code", code));
        let title = rule_heads::find(code).map(|d| lang.rule_title(d).to_string()).unwrap_or_else(|| {
            let fs = e.report.as_ref().and_then(|r| r.get("findings")).and_then(Value::as_array);
            fs.and_then(|fs| fs.iter().find(|f| s(f, "code") == code))
                .map(|f| s(f, "title").to_string())
                .unwrap_or_default()
        });
        add(&top, &txt("span", "top-title", &format!(" {title}")));
    } else if let Some(msg) = e.error.as_deref().or_else(|| {
        let errs = e.report.as_ref().and_then(|r| r.get("errors")).and_then(Value::as_array)?;
        errs.first().map(|x| s(x, "message"))
    }) {
        let short: String = msg.chars().take(90).collect();
        add(&top, &txt("span", "top-error", &short));
    }
    cell(3).set_text_content(Some(&e.size.map(human_bytes).unwrap_or_default()));
    cell(4).set_text_content(Some(&r.ms.map(|ms| tf(lang, "took", &[&fixed(ms, 0)])).unwrap_or_default()));
}

/// The collapsible part of a file's card (the report; the header, the decision, the hash
/// and the exports stay visible): open for malicious, suspicious and unknown verdicts,
/// unless the user opened or closed it.
pub fn card_details(e: &Entry, r: &Value, lang: Lang) -> Element {
    let d = el("details", "card-body");
    attr(&d, "data-id", &e.id.to_string());
    let verdict = s(r, "verdict");
    if e.open.unwrap_or(rt::verdict_rank(verdict) <= 2) {
        attr(&d, "open", "");
    }
    let n = r.get("findings").and_then(Value::as_array).map_or(0, Vec::len);
    let what = if n == 0 { t(lang, "no_findings").to_string() } else { tf(lang, "findings_n", &[&n.to_string()]) };
    add(&d, &txt("summary", "", &tf(lang, "card_details", &[&what])));
    d
}

/// A finding's link to its rule's guidance in the rules section.
pub fn guidance_link(code: &str, lang: Lang) -> Element {
    let p = el("p", "guidance");
    let a = txt("a", "rule-link", &tf(lang, "guidance_for", &[code]));
    attr(&a, "href", &format!("#{}", rule_anchor(code)));
    attr(&a, "data-rule", code);
    add(&p, &a);
    p
}

// ---------------------------------------------------------------------------------------
// Refresh (at most once per frame)

/// How often the table is refreshed while files of a batch wait for their verdict: every
/// refresh costs the main thread a style, layout and paint of the whole page (≈10 ms), and
/// the workers wait on the main thread for their next file.
const BATCH_REFRESH_MS: f64 = 200.0;

/// The changed rows and cards, the table's page, chips, filters and live region are
/// refreshed once, however many results arrive meanwhile: before the next frame, or while
/// files still wait for a verdict, at most every `BATCH_REFRESH_MS` (the batch's last
/// verdict is shown at the next frame).
pub fn schedule() {
    let plan = with_app(|app| {
        let now = js_sys::Date::now();
        let pending =
            app.table.incoming > 0 || app.entries.iter().any(|e| matches!(e.status, Status::Queued | Status::Scanning));
        let wait = if pending { app.table.last_refresh + BATCH_REFRESH_MS - now } else { 0.0 };
        let frame = wait <= 0.0;
        match app.table.scheduled {
            Some(true) => return None,
            Some(false) if !frame => return None,
            _ => {}
        }
        app.table.scheduled = Some(frame);
        app.table.schedule_token = app.table.schedule_token.wrapping_add(1);
        Some((app.table.schedule_token, frame, wait))
    });
    let Some((token, frame, wait)) = plan else { return };
    let Some(win) = web_sys::window() else { return };
    let f = Closure::once_into_js(move || {
        if with_app(|app| app.table.schedule_token == token) {
            refresh();
        }
    });
    let _ = if frame {
        win.request_animation_frame(f.unchecked_ref())
    } else {
        win.set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), wait.ceil() as i32)
    };
}

/// The page's rows must be attached again (language change, cleared files).
pub fn invalidate(app: &mut App) {
    app.table.shown.clear();
    app.table.options_sig.clear();
}

pub fn forget_removed(app: &mut App) {
    invalidate(app);
}

/// Files are added: a new batch starts its clock when nothing was pending.
pub fn batch_started(app: &mut App) {
    if app.table.batch_start.is_none()
        && app.table.incoming == 0
        && !app.entries.iter().any(|e| matches!(e.status, Status::Queued | Status::Scanning))
    {
        app.table.batch_start = Some(js_sys::Date::now());
    }
}

/// After the changed rows are rendered: when the last file of a batch has its verdict in
/// the table, the time from the first file added to it is put on `#results`
/// (`data-scan-ms`, measured by the browser tests and the benchmark).
fn note_progress(app: &mut App) {
    let Some(start) = app.table.batch_start else { return };
    if app.table.incoming > 0 || app.entries.iter().any(|e| matches!(e.status, Status::Queued | Status::Scanning)) {
        return;
    }
    app.table.batch_start = None;
    if let Some(r) = by_id("results") {
        attr(&r, "data-scan-ms", &fixed(js_sys::Date::now() - start, 0));
        attr(&r, "data-scan-files", &app.entries.len().to_string());
    }
}

fn refresh() {
    let more = with_app(|app| {
        app.table.scheduled = None;
        app.table.schedule_token = app.table.schedule_token.wrapping_add(1);
        app.table.last_refresh = js_sys::Date::now();
        render_dirty(app);
        let rows: Vec<Row> = app.entries.iter().map(row_of).collect();
        render_page(app, &rows);
        render_options(app, &rows);
        render_summary(app);
        announce(app, &rows);
        note_progress(app);
        !app.table.dirty.0.is_empty()
    });
    if more {
        schedule();
        schedule_idle_cards();
    }
}

/// Renders changed cards while the main thread is idle (during a batch, between results),
/// so the batch's last refresh, which renders every card left, has few left.
fn schedule_idle_cards() {
    if with_app(|app| std::mem::replace(&mut app.table.idle_scheduled, true)) {
        return;
    }
    let Some(win) = web_sys::window() else { return };
    let f = Closure::once_into_js(idle_cards);
    let _ = win.request_idle_callback(f.unchecked_ref());
}

/// How long one idle callback renders cards (ms): a short task, whatever the deadline.
const IDLE_CARDS_MS: f64 = 8.0;

fn idle_cards() {
    let more = with_app(|app| {
        app.table.idle_scheduled = false;
        let start = js_sys::Date::now();
        let ids: Vec<u32> = app.table.dirty.0.iter().copied().filter(|id| app.table.is_shown(*id)).collect();
        let mut left = false;
        for id in ids {
            if js_sys::Date::now() - start > IDLE_CARDS_MS {
                left = true;
                break;
            }
            let Some(e) = entry(app, id) else { continue };
            render_entry(e, app.lang, app.policy.needs_hash);
            render_row(e, app.lang);
            app.table.dirty.remove(&id);
        }
        left
    });
    if more {
        schedule_idle_cards();
    }
}

/// Cards rendered by one refresh while files of a batch wait for their verdict (a card
/// with its findings is a few hundred DOM nodes): the others wait for the next refresh,
/// so a refresh stays a short task. The batch's last refresh renders every card.
const CARDS_PER_BATCH_REFRESH: usize = 24;

/// The rows of the entries changed since the last refresh, and their cards if shown (a
/// card off the page is rendered when its page is shown).
fn render_dirty(app: &mut App) {
    let dirty = std::mem::replace(&mut app.table.dirty, IdSet(Vec::new()));
    let pending =
        app.table.incoming > 0 || app.entries.iter().any(|e| matches!(e.status, Status::Queued | Status::Scanning));
    let mut budget = if pending { CARDS_PER_BATCH_REFRESH } else { usize::MAX };
    // Verdicts first: a card queued or being scanned now is likely to change again soon.
    let mut ids = dirty.0;
    ids.sort_by_key(|id| entry(app, *id).is_some_and(|e| matches!(e.status, Status::Queued | Status::Scanning)));
    for id in ids {
        let shown = app.table.is_shown(id);
        let Some(e) = entry(app, id) else { continue };
        render_row(e, app.lang);
        if !shown {
            app.table.stale.insert(id);
        } else if budget > 0 {
            budget -= 1;
            render_entry(e, app.lang, app.policy.needs_hash);
        } else {
            app.table.dirty.insert(id); // its row is up to date; the card at the next refresh
        }
    }
}

fn render_page(app: &mut App, rows: &[Row]) {
    let lang = app.lang;
    let ids = rt::visible(rows, &app.table.filter, app.table.sort);
    let (page, start, end) = rt::page_range(ids.len(), app.table.page);
    app.table.page = page;
    app.table.visible_len = ids.len();
    let page_ids = &ids[start..end];
    if let Some(wrap) = by_id("results-table-wrap") {
        let _ = if rows.is_empty() { wrap.set_attribute("hidden", "") } else { wrap.remove_attribute("hidden") };
    }
    if page_ids != app.table.shown.as_slice() {
        let stale: Vec<u32> = page_ids.iter().copied().filter(|id| app.table.stale.remove(id)).collect();
        for id in stale {
            if let Some(e) = entry(app, id) {
                render_entry(e, lang, app.policy.needs_hash);
            }
        }
        let trs = js_sys::Array::new();
        let cards = js_sys::Array::new();
        for id in page_ids {
            if let Some(e) = entry(app, *id) {
                trs.push(&e.row);
                cards.push(&e.card);
            }
        }
        if let Some(body) = by_id("results-rows") {
            body.replace_children_with_node(&trs);
        }
        if let Some(list) = by_id("results-list") {
            list.replace_children_with_node(&cards);
        }
        app.table.shown = page_ids.to_vec();
    }
    // Roving tabindex: one row button in the tab order.
    let focus = app.table.focus.filter(|f| page_ids.contains(f)).or(page_ids.first().copied());
    for id in page_ids {
        if let Some(b) = entry(app, *id).and_then(|e| e.row.query_selector("button.row-open").ok().flatten()) {
            attr(&b, "tabindex", if Some(*id) == focus { "0" } else { "-1" });
        }
    }
    if let Some(p) = by_id("no-match") {
        let _ = if ids.is_empty() && !rows.is_empty() {
            p.remove_attribute("hidden")
        } else {
            p.set_attribute("hidden", "")
        };
    }
    if let Some(info) = by_id("page-info") {
        let text = if ids.is_empty() {
            String::new()
        } else {
            tf(lang, "page_info", &[&(start + 1).to_string(), &end.to_string(), &ids.len().to_string()])
        };
        info.set_text_content(Some(&text));
    }
    let pages = ids.len().div_ceil(rt::PAGE_SIZE).max(1);
    if let Some(pager) = by_id("pager") {
        let _ = if pages > 1 { pager.remove_attribute("hidden") } else { pager.set_attribute("hidden", "") };
    }
    for (id, disabled) in [("page-prev", page == 0), ("page-next", page + 1 >= pages)] {
        if let Some(b) = by_id(id) {
            let _ = if disabled { b.set_attribute("disabled", "") } else { b.remove_attribute("disabled") };
        }
    }
    // Sort state on the headers.
    for c in Column::ALL {
        if let Ok(Some(th)) = document().query_selector(&format!("#results-table th[data-col=\"{}\"]", c.key())) {
            match app.table.sort {
                Some(s) if s.column == c => {
                    attr(&th, "aria-sort", if s.ascending { "ascending" } else { "descending" })
                }
                _ => {
                    let _ = th.remove_attribute("aria-sort");
                }
            }
        }
    }
}

/// The verdict and rule menus (and the rules section's "in N files"), rebuilt only when
/// the counts change.
fn render_options(app: &mut App, rows: &[Row]) {
    let lang = app.lang;
    let verdicts = rt::verdict_counts(rows);
    let codes = rt::code_counts(rows);
    let sig = format!("{}{verdicts:?}{codes:?}", lang.code());
    if sig != app.table.options_sig {
        app.table.options_sig = sig;
        let fill = |id: &str, all: &str, items: Vec<(String, String)>, current: &str| {
            let Some(sel) = by_id(id) else { return };
            clear(&sel);
            let o = txt("option", "", t(lang, all));
            attr(&o, "value", "");
            add(&sel, &o);
            let mut have_current = current.is_empty();
            for (value, label) in items {
                have_current |= value == current;
                let o = txt("option", "", &label);
                attr(&o, "value", &value);
                add(&sel, &o);
            }
            if !have_current {
                // The chosen filter stays, with nothing left in it.
                let o = txt("option", "", &format!("{current} (0)"));
                attr(&o, "value", current);
                add(&sel, &o);
            }
        };
        fill(
            "filter-verdict",
            "all_verdicts",
            verdicts.iter().map(|(v, n)| (v.clone(), format!("{} ({n})", verdict_label(lang, v)))).collect(),
            &app.table.filter.verdict,
        );
        fill(
            "filter-code",
            "all_codes",
            codes.iter().map(|(c, n)| (c.clone(), format!("{c} ({n})"))).collect(),
            &app.table.filter.code,
        );
        if let Ok(list) = document().query_selector_all("#rules-list details.rule") {
            for i in 0..list.length() {
                let Some(d) = list.get(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
                if let Ok(Some(old)) = d.query_selector(".rule-found") {
                    old.remove();
                }
                let code = d.get_attribute("data-code").unwrap_or_default();
                if let Some((_, n)) = codes.iter().find(|(c, _)| *c == code) {
                    if let Ok(Some(sum)) = d.query_selector("summary") {
                        add(&sum, &txt("span", "chip rule-found", &tf(lang, "found_in", &[&n.to_string()])));
                    }
                }
            }
        }
    }
    for (id, value) in [("filter-verdict", &app.table.filter.verdict), ("filter-code", &app.table.filter.code)] {
        if let Some(sel) = by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
            sel.set_value(value);
        }
    }
}

/// The summary's chips: one button per verdict (with "not scanned" and "scanning"),
/// pressed while it filters the table.
pub fn render_chips(sum: &Element, app: &App) {
    let lang = app.lang;
    let rows: Vec<Row> = app.entries.iter().map(row_of).collect();
    for (v, n) in rt::verdict_counts(&rows) {
        let class = match v.as_str() {
            PENDING => "chip pending".to_string(),
            FAILED => "chip verdict-error".to_string(),
            _ => format!("chip verdict-{v}"),
        };
        let b = txt("button", &class, &format!("{n} {}", verdict_label(lang, &v)));
        attr(&b, "type", "button");
        attr(&b, "data-filter-verdict", &v);
        attr(&b, "aria-pressed", if app.table.filter.verdict == v { "true" } else { "false" });
        add(sum, &b);
    }
}

/// The live region says one line: "Scanning N files…" when a batch starts, the counts by
/// verdict when it ends (never whole cards).
fn announce(app: &mut App, rows: &[Row]) {
    let lang = app.lang;
    let pending = rows.iter().any(|r| r.verdict == PENDING);
    let text = if rows.is_empty() {
        String::new()
    } else if pending {
        if app.table.announced.starts_with('…') {
            return; // already said for this batch
        }
        format!("…{}", tf(lang, "announce_scanning", &[&rows.len().to_string()]))
    } else {
        let parts: Vec<String> =
            rt::verdict_counts(rows).iter().map(|(v, n)| format!("{n} {}", verdict_label(lang, v))).collect();
        tf(lang, "announce", &[&rows.len().to_string(), &parts.join(", ")])
    };
    if text != app.table.announced {
        if let Some(region) = by_id("results-announce") {
            region.set_text_content(Some(text.trim_start_matches('…')));
        }
        app.table.announced = text;
    }
}

// ---------------------------------------------------------------------------------------
// Interaction

/// Opens the card of `id`, scrolls to it and moves the focus to its details' summary.
fn open_card(id: u32) {
    let card = with_app(|app| {
        app.table.focus = Some(id);
        let i = app.entries.binary_search_by_key(&id, |e| e.id).ok()?;
        app.entries[i].open = Some(true);
        Some(app.entries[i].card.clone())
    });
    let Some(card) = card else { return };
    if let Ok(Some(d)) = card.query_selector("details.card-body") {
        fill_card_body(id);
        attr(&d, "open", "");
    }
    card.scroll_into_view();
    let target = card.query_selector("details.card-body > summary").ok().flatten().or_else(|| Some(card.clone()));
    if let Some(h) = target.and_then(|t| t.dyn_into::<HtmlElement>().ok()) {
        if h.tag_name() == "SECTION" {
            attr(&h, "tabindex", "-1");
        }
        let _ = h.focus();
    }
}

fn refresh_now() {
    refresh();
}

fn set_filter(verdict: Option<String>, code: Option<String>) {
    with_app(|app| {
        if let Some(v) = verdict {
            app.table.filter.verdict = v;
        }
        if let Some(c) = code {
            app.table.filter.code = c;
        }
        app.table.page = 0;
    });
    refresh_now();
}

enum Dest {
    Row(u32),
    PageFirst,
    PageLast,
}

/// Moves the roving focus from row `from` by `key`, across pages at the page's ends.
fn move_focus(from: u32, key: &str) {
    let dest = with_app(|app| {
        let st = &mut app.table;
        let i = st.shown.iter().position(|x| *x == from)?;
        let last = st.shown.len() - 1;
        let pages = st.visible_len.div_ceil(rt::PAGE_SIZE).max(1);
        let has_next = st.page + 1 < pages;
        Some(match key {
            "ArrowDown" if i < last => Dest::Row(st.shown[i + 1]),
            "ArrowUp" if i > 0 => Dest::Row(st.shown[i - 1]),
            "Home" => Dest::Row(st.shown[0]),
            "End" => Dest::Row(st.shown[last]),
            "ArrowDown" | "PageDown" if has_next => {
                st.page += 1;
                Dest::PageFirst
            }
            "PageDown" => Dest::Row(st.shown[last]),
            "ArrowUp" | "PageUp" if st.page > 0 => {
                st.page -= 1;
                if key == "ArrowUp" {
                    Dest::PageLast
                } else {
                    Dest::PageFirst
                }
            }
            "PageUp" => Dest::Row(st.shown[0]),
            _ => return None,
        })
    });
    let id = match dest {
        None => return,
        Some(Dest::Row(id)) => id,
        Some(d) => {
            refresh_now();
            let first = matches!(d, Dest::PageFirst);
            let Some(id) =
                with_app(|app| if first { app.table.shown.first() } else { app.table.shown.last() }.copied())
            else {
                return;
            };
            id
        }
    };
    with_app(|app| app.table.focus = Some(id));
    refresh_now();
    let b = with_app(|app| entry(app, id).and_then(|e| e.row.query_selector("button.row-open").ok().flatten()));
    if let Some(b) = b.and_then(|b| b.dyn_into::<HtmlElement>().ok()) {
        let _ = b.focus();
    }
}

pub fn init() {
    let doc = document();
    on(&doc, "click", |ev| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        if let Some(b) = target.closest("#results-table th button[data-sort]").ok().flatten() {
            if let Some(c) = b.get_attribute("data-sort").as_deref().and_then(Column::from_key) {
                with_app(|app| {
                    app.table.sort = Some(Sort::clicked(app.table.sort, c));
                    app.table.page = 0;
                });
                refresh_now();
            }
        } else if let Some(b) = target.closest("button[data-open]").ok().flatten() {
            if let Some(id) = b.get_attribute("data-open").and_then(|v| v.parse().ok()) {
                open_card(id);
            }
        } else if let Some(b) = target.closest("#summary button[data-filter-verdict]").ok().flatten() {
            let v = b.get_attribute("data-filter-verdict").unwrap_or_default();
            let same = with_app(|app| app.table.filter.verdict == v);
            set_filter(Some(if same { String::new() } else { v }), None);
        } else if let Some(b) = target.closest("#page-prev, #page-next").ok().flatten() {
            let next = b.id() == "page-next";
            with_app(|app| app.table.page = if next { app.table.page + 1 } else { app.table.page.saturating_sub(1) });
            refresh_now();
        } else if let Some(sum) = target.closest("details.card-body > summary").ok().flatten() {
            // Remember the user's choice: the card is re-rendered when its hash arrives.
            let Some(d) = sum.parent_element() else { return };
            let open = d.has_attribute("open");
            if let Some(id) = d.get_attribute("data-id").and_then(|v| v.parse::<u32>().ok()) {
                if !open {
                    // Before the details open (this runs before the click's default action).
                    fill_card_body(id);
                }
                with_app(|app| {
                    if let Ok(i) = app.entries.binary_search_by_key(&id, |e| e.id) {
                        app.entries[i].open = Some(!open);
                    }
                });
            }
        } else if let Some(a) = target.closest("a[data-rule]").ok().flatten() {
            // The link's own navigation scrolls to the rule; open it first.
            if let Some(d) = by_id(&rule_anchor(&a.get_attribute("data-rule").unwrap_or_default())) {
                attr(&d, "open", "");
            }
        }
    });
    // Any other way a closed card opens (e.g. a script or the browser setting `open`):
    // `toggle` does not bubble, so it is caught on the way down.
    let toggle = Closure::<dyn FnMut(Event)>::new(|ev: Event| {
        let Some(d) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        if d.matches("details.card-body[open][data-unbuilt]").unwrap_or(false) {
            if let Some(id) = d.get_attribute("data-id").and_then(|v| v.parse::<u32>().ok()) {
                fill_card_body(id);
            }
        }
    });
    let _ = doc.add_event_listener_with_callback_and_bool("toggle", toggle.as_ref().unchecked_ref(), true);
    toggle.forget();
    for (id, verdict) in [("filter-verdict", true), ("filter-code", false)] {
        if let Some(sel) = by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
            let s2 = sel.clone();
            on(&sel, "change", move |_| {
                let v = s2.value();
                if verdict {
                    set_filter(Some(v), None)
                } else {
                    set_filter(None, Some(v))
                }
            });
        }
    }
    if let Some(body) = by_id("results-rows") {
        on(&body, "keydown", |ev| {
            let Some(k) = ev.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            let Some(b) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
            let Some(id) = b.get_attribute("data-open").and_then(|v| v.parse::<u32>().ok()) else { return };
            let key = k.key();
            if matches!(key.as_str(), "ArrowDown" | "ArrowUp" | "Home" | "End" | "PageDown" | "PageUp") {
                ev.prevent_default();
                move_focus(id, &key);
            }
        });
        on(&body, "focusin", |ev| {
            // A row focused by a click keeps the tabindex.
            if let Some(id) = ev
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|b| b.get_attribute("data-open"))
                .and_then(|v| v.parse::<u32>().ok())
            {
                with_app(|app| app.table.focus = Some(id));
            }
        });
    }
}

/// A set of entry ids as a sorted list (a BTreeSet<u32> would add its own BTree code to
/// the page's wasm; the set holds at most one id per file).
pub struct IdSet(Vec<u32>);

impl IdSet {
    pub fn insert(&mut self, id: u32) {
        if let Err(i) = self.0.binary_search(&id) {
            self.0.insert(i, id);
        }
    }
    pub fn extend(&mut self, ids: impl IntoIterator<Item = u32>) {
        for id in ids {
            self.insert(id);
        }
    }
    /// Whether `id` was in the set.
    pub fn remove(&mut self, id: &u32) -> bool {
        self.0.binary_search(id).map(|i| self.0.remove(i)).is_ok()
    }
}

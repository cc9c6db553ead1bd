//! The page: a drop zone and file pickers; every file goes to the scanning worker and its
//! report is rendered as a card (verdict, findings with layer path, location, evidence,
//! explanation and the rule's FAQ), in English or Turkish.
//!
//! Nothing is uploaded: the workers read the files locally. The page fetches only its own
//! assets from its own origin, and only when needed (`rules.json`, `tr.json`, the exporter).
//! All text from a report (file names, evidence, strings recovered from a model) is
//! attacker-controlled and is inserted with `textContent` only, never as HTML.

// The review workflow (policy, hash, exports), kept out of this file.
#[path = "app/review_ui.rs"]
mod review_ui;
// The model overview (layer tree with lambda and finding markers).
#[path = "app/overview.rs"]
mod overview;
// The pool of scanning workers.
#[path = "app/pool.rs"]
mod pool;
// What each scanning worker runs: the same wasm module as the page, so the page loads one
// module at start, not two that are mostly the same code.
#[path = "app/scan_worker.rs"]
mod scan_worker;
// The results table (sort, filter, pages, keyboard) and the cards' open state.
#[path = "app/table.rs"]
mod table;
// The words of a verdict (review; clean with notes).
#[path = "app/verdict_words.rs"]
mod verdict_words;
// The rules' guidance, fetched when first opened (rules.json).
#[path = "app/rule_docs.rs"]
mod rule_docs;
// The Turkish catalogue, fetched when the page is first shown in Turkish (tr.json).
#[path = "app/lang_pack.rs"]
mod lang_pack;

use std::cell::RefCell;

use keras_sentinel::messages;
use keras_sentinel_web::blob_source::js_err;
use keras_sentinel_web::num_text::fixed;
use keras_sentinel_web::protocol::{self, obj};
use keras_sentinel_web::rule_heads::{self, RuleHead};
use keras_sentinel_web::watchdog;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    DataTransfer, Document, DragEvent, Element, ErrorEvent, Event, File, FileSystemDirectoryEntry, FileSystemEntry,
    FileSystemFileEntry, HtmlElement, HtmlInputElement, MessageEvent, Worker,
};

// ---------------------------------------------------------------------------------------
// Language

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Tr,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Tr => "tr",
        }
    }
    fn rule_title(self, r: &RuleHead) -> &'static str {
        match self {
            Lang::En => r.title_en,
            Lang::Tr => r.title_tr,
        }
    }
    /// The catalogue template of a report message id in this language (`None`: the
    /// report's English text is shown). The page is in Turkish only once the Turkish
    /// pack is loaded (`lang_pack`).
    fn template(self, id: &str) -> Option<&'static str> {
        match self {
            Lang::En => None,
            Lang::Tr => lang_pack::lookup(id),
        }
    }
}

/// A report message (`{id, args, text}`: evidence note, category, title, error) in `lang`.
fn msg(lang: Lang, v: &Value) -> String {
    messages::render_json(v, &|id| lang.template(id))
}

/// The messages under `key` of `v`, each in `lang`.
fn msgs(lang: Lang, v: &Value, key: &str) -> Vec<String> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().map(|m| msg(lang, m)).collect()).unwrap_or_default()
}

/// UI strings: (key, English, Turkish). Elements in index.html carry `data-i18n="key"`.
const STRINGS: &[(&str, &str, &str)] = &[
    ("tagline", "Find dangerous Python code hidden in Keras model files — before anyone loads them.", "Keras model dosyalarına gizlenmiş tehlikeli Python kodunu, kimse yüklemeden önce bulun."),
    ("privacy", "Private by design: files are read locally by this page, in your browser. Nothing is uploaded and the page makes no network requests.", "Tasarımı gereği gizli: dosyalar bu sayfa tarafından tarayıcınızda yerel olarak okunur. Hiçbir şey yüklenmez ve sayfa hiçbir ağ isteği yapmaz."),
    ("drop_title", "Drop model files or a folder here", "Model dosyalarını veya bir klasörü buraya bırakın"),
    ("limits_summary", "Limits", "Sınırlar"),
    ("limits_hint", "One NAME=VALUE per line, as the CLI's --limit (keras-sentinel limits lists them; max_scan_ms is the per-file deadline). A file that reaches a limit is reported as error, never as clean.", "Her satıra bir AD=DEĞER, CLI'daki --limit gibi (keras-sentinel limits hepsini listeler; max_scan_ms dosya başına süre sınırıdır). Bir sınıra ulaşan dosya temiz değil, hata olarak raporlanır."),
    ("drop_hint", ".keras, .h5 / .hdf5, config .json, keras_metadata.pb — any size: only the parts that matter are read.", ".keras, .h5 / .hdf5, yapılandırma .json, keras_metadata.pb — her boyutta: yalnızca gerekli kısımlar okunur."),
    ("choose_files", "Choose files", "Dosya seç"),
    ("choose_folder", "Choose a folder", "Klasör seç"),
    ("results", "Results", "Sonuçlar"),
    ("clear", "Clear results", "Sonuçları temizle"),
    ("no_results", "No files scanned yet.", "Henüz taranan dosya yok."),
    ("rules_ref", "Rules reference", "Kural başvurusu"),
    ("rules_intro", "Every finding names one of these rules. Each explains what it detects, why it matters and what to do.", "Her bulgu bu kurallardan birini belirtir. Her kural neyi tespit ettiğini, neden önemli olduğunu ve ne yapılması gerektiğini açıklar."),
    ("footer", "Keras Sentinel runs entirely in your browser (WebAssembly). A scan never runs, imports or loads anything from the file: it reads bytes and reasons about them.", "Keras Sentinel tamamen tarayıcınızda çalışır (WebAssembly). Tarama, dosyadaki hiçbir şeyi çalıştırmaz, içe aktarmaz veya yüklemez: yalnızca baytları okur ve onlar üzerinde akıl yürütür."),
    ("engine_starting", "Starting the scan engine…", "Tarama motoru başlatılıyor…"),
    ("engine_ready", "Scan engine ready.", "Tarama motoru hazır."),
    ("engine_failed", "The scan engine could not start: {}", "Tarama motoru başlatılamadı: {}"),
    ("engine_restarted", "The scan engine stopped on a file and was restarted.", "Tarama motoru bir dosyada durdu ve yeniden başlatıldı."),
    ("queued", "Queued", "Sırada"),
    ("scanning", "Scanning…", "Taranıyor…"),
    ("read_so_far", "{} read", "{} okundu"),
    ("not_scanned", "Not scanned", "Taranamadı"),
    ("crashed", "The scanner stopped unexpectedly on this file: {}", "Tarayıcı motoru bu dosyada beklenmedik şekilde durdu: {}"),
    ("skipped", "{} file(s) in the folder were skipped because they are not model files: {}", "Klasördeki {} dosya model dosyası olmadığı için atlandı: {}"),
    ("v_malicious", "Malicious", "Kötü amaçlı"),
    ("v_suspicious", "Suspicious", "Şüpheli"),
    ("v_lambda", "Lambda", "Lambda"),
    ("v_clean", "Clean", "Temiz"),
    ("v_error", "Error", "Hata"),
    ("vd_malicious", "The model runs dangerous code, or references a dangerous callable, when it is loaded. Do not load it.", "Model yüklendiğinde tehlikeli kod çalıştırıyor veya tehlikeli bir çağrılabilir nesneye başvuruyor. Yüklemeyin."),
    ("vd_suspicious", "Unusual, dangerous-looking behaviour, or content that could not be verified. Do not load it until a reviewer has checked it.", "Olağandışı, tehlikeli görünen davranış veya doğrulanamayan içerik. Bir inceleyici kontrol edene kadar yüklemeyin."),
    ("vd_lambda", "The model embeds Python code that was analysed and does only ordinary tensor work. It still runs when the model loads: read it before trusting the file.", "Model, incelenen ve yalnızca olağan tensör işlemleri yapan Python kodu içeriyor. Bu kod model yüklenirken yine de çalışır: dosyaya güvenmeden önce okuyun."),
    ("vd_clean", "No embedded code and nothing dangerous found.", "Gömülü kod ve tehlikeli bir şey bulunamadı."),
    ("vd_error", "The file could not be scanned to the end, so it cannot be called clean. Treat it as unverified.", "Dosya sonuna kadar taranamadı, bu yüzden temiz sayılamaz. Doğrulanmamış kabul edin."),
    ("s_critical", "Critical", "Kritik"),
    ("s_high", "High", "Yüksek"),
    ("s_medium", "Medium", "Orta"),
    ("s_low", "Low", "Düşük"),
    ("s_info", "Info", "Bilgi"),
    ("layer", "Layer", "Katman"),
    ("location", "Location", "Konum"),
    ("python", "Python version", "Python sürümü"),
    ("encoding", "Encoding", "Kodlama"),
    ("payload", "Payload", "Yük"),
    ("cves", "CVE", "CVE"),
    ("source", "Reconstructed source", "Yeniden oluşturulan kaynak kod"),
    ("calls", "Calls", "Çağrılar"),
    ("strings", "Recovered strings", "Kurtarılan dizgeler"),
    ("categories", "Categories", "Kategoriler"),
    ("reference", "Reference", "Başvuru"),
    ("imports", "Imports", "İçe aktarımlar"),
    ("notes", "Notes", "Notlar"),
    ("also_at", "Also found at", "Ayrıca bulunduğu yerler"),
    ("what", "What was found", "Ne bulundu"),
    ("why", "Why it matters", "Neden önemli"),
    ("remedy", "What to do", "Ne yapmalı"),
    ("faq", "Frequently asked questions", "Sıkça sorulan sorular"),
    ("errors", "Parts that could not be scanned", "Taranamayan kısımlar"),
    ("no_findings", "No findings.", "Bulgu yok."),
    ("findings_n", "{} finding(s)", "{} bulgu"),
    ("file_whole", "(whole file)", "(dosyanın tamamı)"),
    ("keras_claims", "Keras {} (as the file claims)", "Keras {} (dosyanın beyanı)"),
    ("read_stats", "read {} of {} in {} reads", "{} / {} okundu, {} okuma"),
    ("took", "{} ms", "{} ms"),
    ("summary", "{} file(s)", "{} dosya"),
    ("lang_label", "Language", "Dil"),
];

/// Every UI string table (the exports get them all, in the page's language).
const STRINGS_ALL: [&[(&str, &str, &str)]; 6] =
    [STRINGS, review_ui::STRINGS, table::STRINGS, verdict_words::STRINGS, rule_docs::STRINGS, lang_pack::STRINGS];

fn t(lang: Lang, key: &str) -> &'static str {
    match STRINGS_ALL.iter().flat_map(|t| t.iter()).find(|(k, _, _)| *k == key) {
        Some((_, en, tr)) => match lang {
            Lang::En => en,
            Lang::Tr => tr,
        },
        None => "",
    }
}

/// `t` with `{}` placeholders filled in order.
fn tf(lang: Lang, key: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = t(lang, key);
    for a in args {
        match rest.find("{}") {
            Some(i) => {
                out.push_str(&rest[..i]);
                out.push_str(a);
                rest = &rest[i + 2..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------
// State

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Queued,
    Scanning,
    Done,
    Failed,
}

struct Entry {
    id: u32,
    /// Name shown (a folder-relative path for files from a folder).
    name: String,
    file: File,
    /// The file's size once its report says it (`stats.file_bytes`). Not `file.size()` at
    /// enqueue: in Chromium that getter on a file from disk is a synchronous stat, about
    /// half the main thread's time when a folder of 1,000 files is added.
    size: Option<f64>,
    status: Status,
    report: Option<Value>,
    error: Option<String>,
    bytes_read: f64,
    ms: Option<f64>,
    card: Element,
    /// The file's row in the results table (attached while it is on the table's page).
    row: Element,
    /// The worker's report as it sent it (the exports keep the CLI's key order); `None`
    /// for reports the page made (watchdog, cancel).
    report_text: Option<String>,
    hash: review_ui::HashState,
    /// The user opened or closed the card's details (`None`: open for malicious and
    /// suspicious files, closed for the others).
    open: Option<bool>,
}

struct App {
    lang: Lang,
    /// In the order added (ids increase).
    entries: Vec<Entry>,
    pool: pool::Pool,
    next_id: u32,
    engine_note: Option<(&'static str, String)>,
    skipped: Vec<String>,
    policy: review_ui::PolicyState,
    /// Files queued again because the policy changed (shown in the policy banner).
    rescan_note: Option<usize>,
    table: table::TableState,
}

thread_local! {
    static APP: RefCell<App> = const { RefCell::new(App {
        lang: Lang::En,
        entries: Vec::new(),
        pool: pool::Pool::new(),
        next_id: 1,
        engine_note: None,
        skipped: Vec::new(),
        policy: review_ui::PolicyState::new(),
        rescan_note: None,
        table: table::TableState::new(),
    }) };
}

fn with_app<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with(|a| f(&mut a.borrow_mut()))
}

// ---------------------------------------------------------------------------------------
// DOM helpers

fn document() -> Document {
    web_sys::window().expect("window").document().expect("document")
}

fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

fn el(tag: &str, class: &str) -> Element {
    let e = document().create_element(tag).expect("create_element");
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

fn txt(tag: &str, class: &str, text: &str) -> Element {
    let e = el(tag, class);
    e.set_text_content(Some(text));
    e
}

fn add(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

fn clear(e: &Element) {
    e.set_text_content(None);
}

fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{} B", n as u64)
    } else if v < 10.0 {
        format!("{} {}", fixed(v, 1), UNITS[u])
    } else {
        format!("{} {}", fixed(v, 0), UNITS[u])
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect())
        .unwrap_or_default()
}

fn location_text(loc: &Value, lang: Lang) -> String {
    let c = place(lang, s(loc, "container"));
    let p = s(loc, "pointer");
    match (c.is_empty(), p.is_empty()) {
        (true, true) => t(lang, "file_whole").to_string(),
        (false, true) => c,
        (true, false) => p.to_string(),
        (false, false) => format!("{c}  {p}"),
    }
}

/// A location label of the report (`config.json (entry 2)`, `HDF5 attribute …`) in `lang`.
fn place(lang: Lang, label: &str) -> String {
    messages::render_place(label, &|id| lang.template(id))
}

// ---------------------------------------------------------------------------------------
// Rendering

fn apply_static_strings(lang: Lang) {
    let doc = document();
    if let Some(html) = doc.document_element() {
        attr(&html, "lang", lang.code());
    }
    if let Ok(list) = doc.query_selector_all("[data-i18n]") {
        for i in 0..list.length() {
            if let Some(e) = list.get(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if let Some(key) = e.get_attribute("data-i18n") {
                    e.set_text_content(Some(t(lang, &key)));
                }
            }
        }
    }
    for (id, l) in [("lang-en", Lang::En), ("lang-tr", Lang::Tr)] {
        if let Some(b) = by_id(id) {
            attr(&b, "aria-pressed", if l == lang { "true" } else { "false" });
        }
    }
}

fn render_engine_status(app: &App) {
    let Some(e) = by_id("engine-status") else { return };
    let lang = app.lang;
    let (class, text) = match &app.engine_note {
        Some((key, arg)) => ("engine-status bad", tf(lang, key, &[arg])),
        None if app.pool.any_ready() => ("engine-status ok", t(lang, "engine_ready").to_string()),
        None => ("engine-status", t(lang, "engine_starting").to_string()),
    };
    e.set_class_name(class);
    e.set_text_content(Some(&text));
}

fn render_summary(app: &App) {
    let Some(sum) = by_id("summary") else { return };
    clear(&sum);
    let lang = app.lang;
    if let Some(empty) = by_id("no-results") {
        let _ =
            if app.entries.is_empty() { empty.remove_attribute("hidden") } else { empty.set_attribute("hidden", "") };
    }
    if let Some(b) = by_id("clear") {
        let _ = if app.entries.is_empty() { b.set_attribute("hidden", "") } else { b.remove_attribute("hidden") };
    }
    review_ui::render_export_all(app);
    review_ui::render_policy(app);
    if app.entries.is_empty() {
        return;
    }
    add(&sum, &txt("span", "summary-total", &tf(lang, "summary", &[&app.entries.len().to_string()])));
    // One chip per verdict (and not scanned, scanning): a button that filters the table.
    table::render_chips(&sum, app);
    if let Some(sk) = by_id("skipped") {
        if app.skipped.is_empty() {
            let _ = sk.set_attribute("hidden", "");
        } else {
            let mut names = app.skipped.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            if app.skipped.len() > 5 {
                names.push_str(", …");
            }
            sk.set_text_content(Some(&tf(lang, "skipped", &[&app.skipped.len().to_string(), &names])));
            let _ = sk.remove_attribute("hidden");
        }
    }
}

fn render_entry(e: &Entry, lang: Lang, needs_hash: bool) {
    let card = &e.card;
    clear(card);
    let verdict = e.report.as_ref().map(|r| s(r, "verdict").to_string());
    let state = match (e.status, &verdict) {
        (Status::Queued, _) => "queued".to_string(),
        (Status::Scanning, _) => "scanning".to_string(),
        (Status::Failed, _) => "failed".to_string(),
        (Status::Done, Some(v)) => v.clone(),
        (Status::Done, None) => "error".to_string(),
    };
    card.set_class_name(&format!("file-card state-{state}"));
    attr(card, "data-file", &e.name);
    attr(card, "data-state", &state);
    if let Some(v) = &verdict {
        attr(card, "data-verdict", v);
    }
    attr(card, "aria-busy", if matches!(e.status, Status::Queued | Status::Scanning) { "true" } else { "false" });

    // Header: name, meta line, verdict badge.
    let head = el("header", "file-head");
    let title = el("div", "file-title");
    add(&title, &txt("h3", "file-name", &e.name));
    let mut meta: Vec<String> = e.size.map(human_bytes).into_iter().collect();
    if let Some(r) = &e.report {
        let fmt = s(r, "format");
        if !fmt.is_empty() {
            meta.push(fmt.to_string());
        }
        if let Some(kv) = r.get("keras_version").and_then(Value::as_str) {
            meta.push(tf(lang, "keras_claims", &[kv]));
        }
        if let Some(st) = r.get("stats") {
            let read = st.get("bytes_read").and_then(Value::as_f64).unwrap_or(0.0);
            let total = st.get("file_bytes").and_then(Value::as_f64).unwrap_or(0.0);
            let reads = st.get("reads").and_then(Value::as_u64).unwrap_or(0);
            meta.push(tf(lang, "read_stats", &[&human_bytes(read), &human_bytes(total), &reads.to_string()]));
        }
        if let Some(ms) = e.ms {
            meta.push(tf(lang, "took", &[&fixed(ms, 0)]));
        }
    }
    add(&title, &txt("p", "file-meta", &meta.join(" · ")));
    add(&head, &title);
    let badge = match e.status {
        Status::Queued => txt("span", "verdict-badge verdict-pending", t(lang, "queued")),
        Status::Scanning => {
            let b = el("span", "verdict-badge verdict-pending");
            add(&b, &el("span", "spinner"));
            add(&b, &txt("span", "", t(lang, "scanning")));
            b
        }
        Status::Failed => txt("span", "verdict-badge verdict-error", t(lang, "not_scanned")),
        Status::Done => {
            let v = verdict.clone().unwrap_or_else(|| "error".into());
            let label = verdict_words::badge(lang, &v, e.report.as_ref().map_or(0, verdict_words::notes));
            txt("span", &format!("verdict-badge verdict-{v}"), &label)
        }
    };
    attr(&badge, "role", "status");
    add(&head, &badge);
    add(card, &head);
    review_ui::render_review(card, e, lang, needs_hash);

    match e.status {
        Status::Queued => {}
        Status::Scanning => {
            let p = el("p", "progress");
            attr(&p, "id", &format!("progress-{}", e.id));
            if e.bytes_read > 0.0 {
                p.set_text_content(Some(&tf(lang, "read_so_far", &[&human_bytes(e.bytes_read)])));
            }
            add(card, &p);
        }
        Status::Failed => {
            let p = txt("p", "error-box", &tf(lang, "crashed", &[e.error.as_deref().unwrap_or("")]));
            attr(&p, "role", "alert");
            add(card, &p);
        }
        Status::Done => {
            if let Some(r) = &e.report {
                let body = table::card_details(e, r, lang);
                render_report(&body, r, lang);
                add(card, &body);
            }
        }
    }
}

/// Builds the findings inside the card of `id` if they were left unbuilt while it was
/// closed (called as the card opens).
fn fill_card_body(id: u32) {
    with_app(|app| {
        let Ok(i) = app.entries.binary_search_by_key(&id, |e| e.id) else { return };
        let e = &app.entries[i];
        let (Some(r), Ok(Some(body))) = (&e.report, e.card.query_selector("details.card-body[data-unbuilt]")) else {
            return;
        };
        let _ = body.remove_attribute("data-unbuilt");
        render_findings(&body, r, app.lang);
    });
}

fn render_report(card: &Element, r: &Value, lang: Lang) {
    let verdict = s(r, "verdict");
    add(card, &txt("p", "verdict-summary", &verdict_words::sentence(lang, verdict, verdict_words::notes(r))));

    let errors = r.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
    if !errors.is_empty() {
        let box_ = el("div", "error-box");
        attr(&box_, "role", "alert");
        add(&box_, &txt("h4", "", t(lang, "errors")));
        let ul = el("ul", "");
        for err in &errors {
            let li = el("li", "scan-error");
            let loc = place(lang, s(err, "location"));
            if !loc.is_empty() {
                add(&li, &txt("code", "", &loc));
                add(&li, &txt("span", "", " — "));
            }
            add(&li, &txt("span", "scan-error-message", &msg(lang, &err["message"])));
            add(&ul, &li);
        }
        add(&box_, &ul);
        add(card, &box_);
    }

    overview::render(card, r, lang);

    let findings = r.get("findings").and_then(Value::as_array).map_or(0, Vec::len);
    if findings == 0 {
        add(card, &txt("p", "no-findings", t(lang, "no_findings")));
    } else if card.has_attribute("open") {
        render_findings(card, r, lang);
    } else {
        // Built when the card is first opened (`fill_card_body`): most cards of a folder
        // stay closed, and their findings are most of the page's DOM.
        attr(card, "data-unbuilt", "");
    }
}

/// The findings of report `r`, at the end of the card's details.
fn render_findings(card: &Element, r: &Value, lang: Lang) {
    let findings = r.get("findings").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    add(card, &txt("h4", "findings-count", &tf(lang, "findings_n", &[&findings.len().to_string()])));
    let list = el("div", "findings");
    for (i, f) in findings.iter().enumerate() {
        let art = render_finding(f, lang);
        review_ui::annotate_finding(&art, r, i, lang);
        overview::annotate_finding(&art, r, i, lang);
        add(&list, &art);
    }
    add(card, &list);
}

fn dl_row(dl: &Element, label: &str, value: &Element) {
    add(dl, &txt("dt", "", label));
    let dd = el("dd", "");
    add(&dd, value);
    add(dl, &dd);
}

fn list_section(parent: &Element, title: &str, class: &str, items: &[String], code: bool) {
    if items.is_empty() {
        return;
    }
    add(parent, &txt("h5", "", title));
    let ul = el("ul", class);
    for it in items {
        let li = el("li", "");
        if code {
            add(&li, &txt("code", "", it));
        } else {
            li.set_text_content(Some(it));
        }
        add(&ul, &li);
    }
    add(parent, &ul);
}

fn render_finding(f: &Value, lang: Lang) -> Element {
    let code = s(f, "code");
    let sev = s(f, "severity");
    let rule = rule_heads::find(code);
    let art = el("article", &format!("finding sev-{sev}"));
    attr(&art, "data-code", code);
    attr(&art, "data-layer", s(f, "layer"));

    let head = el("header", "finding-head");
    add(&head, &txt("span", &format!("sev-badge sev-{sev}"), t(lang, &format!("s_{sev}"))));
    add(&head, &txt("code", "rule-code", code));
    let rule_title = rule.map_or(code, |r| lang.rule_title(r));
    add(&head, &txt("h4", "finding-title", rule_title));
    add(&art, &head);
    if let Some(specific) = f.get("title") {
        add(&art, &txt("p", "finding-specific", &msg(lang, specific)));
    }

    let ev = f.get("evidence").cloned().unwrap_or(Value::Null);
    let dl = el("dl", "meta");
    let layer = s(f, "layer");
    if !layer.is_empty() {
        let c = txt("code", "layer-path", layer);
        dl_row(&dl, t(lang, "layer"), &c);
    }
    if let Some(loc) = f.get("location") {
        dl_row(&dl, t(lang, "location"), &txt("code", "location", &location_text(loc, lang)));
    }
    if let Some(pv) = ev.get("python_version").and_then(Value::as_str) {
        dl_row(&dl, t(lang, "python"), &txt("span", "python-version", pv));
    }
    let mut payload = Vec::new();
    if let Some(enc) = ev.get("encoding").and_then(Value::as_str) {
        payload.push(enc.to_string());
    }
    if let Some(n) = ev.get("decoded_bytes").and_then(Value::as_f64) {
        payload.push(human_bytes(n));
    }
    if let Some(h) = ev.get("sha256").and_then(Value::as_str) {
        payload.push(format!("sha256 {}", h));
    }
    if !payload.is_empty() {
        dl_row(&dl, t(lang, "payload"), &txt("code", "payload", &payload.join(" · ")));
    }
    if let Some(rf) = ev.get("reference").and_then(Value::as_str) {
        dl_row(&dl, t(lang, "reference"), &txt("code", "reference", rf));
    }
    let cves: Vec<&str> = rule.map_or(&[][..], |r| r.cves).to_vec();
    if !cves.is_empty() {
        dl_row(&dl, t(lang, "cves"), &txt("span", "cves", &cves.join(", ")));
    }
    add(&art, &dl);

    let evd = el("div", "evidence");
    if let Some(src) = ev.get("source").and_then(Value::as_str) {
        add(&evd, &txt("h5", "", t(lang, "source")));
        let pre = el("pre", "source");
        attr(&pre, "tabindex", "0");
        add(&pre, &txt("code", "", src));
        add(&evd, &pre);
    }
    list_section(&evd, t(lang, "calls"), "calls", &strs(&ev, "calls"), true);
    list_section(&evd, t(lang, "strings"), "strings", &strs(&ev, "strings"), true);
    let cats = msgs(lang, &ev, "categories");
    if !cats.is_empty() {
        add(&evd, &txt("h5", "", t(lang, "categories")));
        let p = el("p", "chips");
        for c in cats {
            add(&p, &txt("span", "chip", &c));
        }
        add(&evd, &p);
    }
    list_section(&evd, t(lang, "imports"), "imports", &strs(&ev, "imports"), true);
    list_section(&evd, t(lang, "notes"), "notes", &msgs(lang, &ev, "notes"), false);
    let also: Vec<String> = ev
        .get("also_at")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|o| {
                    let l = s(o, "layer");
                    let loc = o.get("location").map(|x| location_text(x, lang)).unwrap_or_default();
                    if l.is_empty() {
                        loc
                    } else {
                        format!("{l} — {loc}")
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    list_section(&evd, t(lang, "also_at"), "also-at", &also, true);
    if evd.child_element_count() > 0 {
        add(&art, &evd);
    }

    // The rule's guidance (what, why, what to do, FAQ) is shown once, in the rules
    // section, however many findings name it; the finding links to it. (Every code the
    // worker reports is in the page's rule table: both are built from the same core.)
    if let Some(r) = rule {
        add(&art, &table::guidance_link(r.code, lang));
    }
    art
}

fn render_rules(lang: Lang) {
    let Some(list) = by_id("rules-list") else { return };
    clear(&list);
    for r in &rule_heads::HEADS {
        let d = el("details", "rule");
        attr(&d, "data-code", r.code);
        attr(&d, "id", &table::rule_anchor(r.code));
        let sum = el("summary", "");
        add(
            &sum,
            &txt(
                "span",
                &format!("sev-badge sev-{}", r.severity.as_str()),
                t(lang, &format!("s_{}", r.severity.as_str())),
            ),
        );
        add(&sum, &txt("code", "rule-code", r.code));
        add(&sum, &txt("span", "rule-title", lang.rule_title(r)));
        add(&d, &sum);
        // What, why, what to do and the FAQ: rule_docs (fetched when first opened).
        let body = el("div", "rule-body");
        attr(&body, "data-code", r.code);
        add(&d, &body);
        if !r.cves.is_empty() {
            add(&d, &txt("p", "cves", &format!("CVE: {}", r.cves.join(", "))));
        }
        add(&list, &d);
    }
    rule_docs::fill(lang);
}

fn render_all() {
    with_app(|app| {
        apply_static_strings(app.lang);
        render_engine_status(app);
        // Cards of the table's page now; the others when their page is shown.
        for e in &app.entries {
            if app.table.is_shown(e.id) {
                render_entry(e, app.lang, app.policy.needs_hash);
            }
            table::render_row(e, app.lang);
        }
        let hidden: Vec<u32> = app.entries.iter().map(|e| e.id).filter(|id| !app.table.is_shown(*id)).collect();
        app.table.stale.extend(hidden);
        render_rules(app.lang);
        review_ui::render_policy(app);
        table::invalidate(app);
    });
    table::schedule();
}

/// Entry `id` changed: its row and card are rendered at the next refresh (at most once per
/// frame, with the summary, chips and the table's page), whatever the number of changes
/// meanwhile; a card off the table's page waits until its page is shown (1,000 files: 100
/// cards rendered, not 3,000 renders of cards nobody sees).
fn render_one(id: u32) {
    with_app(|app| app.table.dirty.insert(id));
    table::schedule();
}

// ---------------------------------------------------------------------------------------
// Worker management

/// (Re)starts the worker of pool slot `slot` (a new slot when `slot` is the pool's
/// length): the old worker, if any, is terminated and its messages ignored from now on.
fn start_worker(slot: usize) {
    let generation = with_app(|app| {
        app.pool.next_generation += 1;
        let generation = app.pool.next_generation;
        let fresh = pool::Slot {
            worker: None,
            generation,
            ready: false,
            acked: false,
            busy: None,
            next: Vec::new(),
            scanned: Vec::new(),
        };
        // Files sent behind the one being scanned never started: they are queued again.
        let behind = app.pool.slots.get_mut(slot).map(|s| std::mem::take(&mut s.next)).unwrap_or_default();
        for e in app.entries.iter_mut().filter(|e| behind.contains(&e.id) && e.status == Status::Scanning) {
            e.status = Status::Queued;
            app.table.dirty.insert(e.id);
        }
        match app.pool.slots.get_mut(slot) {
            Some(s) => {
                if let Some(w) = s.worker.take() {
                    w.terminate();
                }
                *s = fresh;
            }
            None => app.pool.slots.push(fresh),
        }
        generation
    });
    let worker = match pool::new_worker() {
        Ok(w) => w,
        Err(e) => {
            with_app(|app| app.engine_note = Some(("engine_failed", js_err(&e))));
            with_app(|app| render_engine_status(app));
            return;
        }
    };
    let onmessage =
        Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| on_worker_message(generation, ev.data()));
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn Fn(Event)>::new(move |ev: Event| {
        ev.prevent_default();
        let msg = ev
            .dyn_ref::<ErrorEvent>()
            .map(|e| e.message())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "worker error".into());
        on_worker_crash(generation, msg);
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    with_app(|app| match app.pool.slot(generation) {
        Some(i) => app.pool.slots[i].worker = Some(worker),
        None => worker.terminate(),
    });
    with_app(|app| render_engine_status(app));
    table::schedule(); // files queued again above
}

/// A message of the worker started as `generation` (ignored if it was replaced since).
fn on_worker_message(generation: u32, data: JsValue) {
    let Some(slot) = with_app(|app| app.pool.slot(generation)) else { return };
    let kind = protocol::get_str(&data, "type").unwrap_or_default();
    let id = protocol::get_f64(&data, "id").map(|v| v as u32);
    match kind.as_str() {
        protocol::READY => {
            with_app(|app| {
                app.pool.slots[slot].ready = true;
                app.pool.start_failures = 0;
                if app.engine_note.as_ref().map(|(k, _)| *k) == Some("engine_failed") {
                    app.engine_note = None;
                }
            });
            with_app(|app| render_engine_status(app));
            pool::send_policy(Some(slot));
            pump();
        }
        protocol::POLICY => review_ui::on_policy_reply(generation, &data),
        protocol::HASH_PROGRESS => {
            let n = |k| protocol::get_f64(&data, k).unwrap_or(0.0);
            if let Some(id) = id {
                review_ui::on_hash_progress(id, n("done"), n("total"));
            }
        }
        protocol::HASHED | protocol::HASH_FAILED => {
            if let Some(id) = id {
                review_ui::on_hashed(id, &data, kind == protocol::HASHED);
            }
        }
        protocol::PROGRESS => {
            let bytes = protocol::get_f64(&data, "bytes").unwrap_or(0.0);
            with_app(|app| {
                let lang = app.lang;
                if let Some(e) = app.entries.iter_mut().find(|e| Some(e.id) == id) {
                    e.bytes_read = bytes;
                    if let Some(p) = by_id(&format!("progress-{}", e.id)) {
                        p.set_text_content(Some(&tf(lang, "read_so_far", &[&human_bytes(bytes)])));
                    }
                }
            });
        }
        protocol::RESULT | protocol::FAILED => {
            let Some(id) = id else { return };
            let started = with_app(|app| {
                if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
                    if kind == protocol::RESULT {
                        let text = protocol::get_str(&data, "report").unwrap_or_default();
                        match serde_json::from_str::<Value>(&text) {
                            Ok(v) => {
                                e.size = v.get("stats").and_then(|s| s.get("file_bytes")).and_then(Value::as_f64);
                                e.report = Some(v);
                                e.report_text = Some(text.clone());
                                e.status = Status::Done;
                                // Hashed once no file waits for a verdict (`pump`).
                                e.hash = review_ui::HashState::None;
                            }
                            Err(err) => {
                                e.error = Some(format!("unreadable report: {err}"));
                                e.status = Status::Failed;
                            }
                        }
                        e.ms = protocol::get_f64(&data, "ms");
                    } else {
                        e.error = protocol::get_str(&data, "message");
                        e.status = Status::Failed;
                    }
                }
                // The worker keeps the report for the hash it is asked for later, and starts
                // the file sent behind this one, if any.
                let s = &mut app.pool.slots[slot];
                if s.busy != Some(id) {
                    return None;
                }
                s.busy = (!s.next.is_empty()).then(|| s.next.remove(0));
                if kind == protocol::RESULT {
                    s.scanned.push(id);
                }
                s.busy
            });
            if let Some(next) = started {
                arm_watchdog(next);
            }
            pump();
            render_one(id);
        }
        protocol::PANIC => {
            let msg = protocol::get_str(&data, "message").unwrap_or_default();
            on_worker_crash(generation, msg);
        }
        _ => {}
    }
}

/// A worker died (a panic, a trap, or it could not load). Mark the file it was working
/// on, restart that worker only, and go on with the queue.
fn on_worker_crash(generation: u32, message: String) {
    let Some((slot, was_ready, busy)) = with_app(|app| {
        let slot = app.pool.slot(generation)?;
        let s = &mut app.pool.slots[slot];
        let busy = s.busy.take();
        let was_ready = s.ready;
        if let Some(id) = busy {
            if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
                if e.status == Status::Done {
                    e.hash = review_ui::HashState::Failed(message.clone());
                } else {
                    e.status = Status::Failed;
                    e.error = Some(message.clone());
                }
            }
        }
        Some((slot, was_ready, busy))
    }) else {
        return;
    };
    if let Some(id) = busy {
        render_one(id);
    }
    if !was_ready {
        let give_up = with_app(|app| {
            app.pool.start_failures += 1;
            app.engine_note = Some(("engine_failed", message.clone()));
            app.pool.start_failures >= 3
        });
        if give_up {
            // The engine cannot start here: stop every worker (a new policy retries).
            with_app(|app| {
                app.pool.gave_up = true;
                for s in app.pool.slots.iter_mut() {
                    if let Some(w) = s.worker.take() {
                        w.terminate();
                    }
                    s.ready = false;
                    s.busy = None;
                    s.generation = 0;
                }
            });
            render_all();
            return;
        }
    } else {
        with_app(|app| app.engine_note = Some(("engine_restarted", String::new())));
    }
    start_worker(slot);
}

/// The page's limit settings (the `#limits-input` text) parsed like the CLI's `--limit`;
/// a bad line is shown under the field and holds the queue (nothing is scanned with
/// limits other than the ones the user sees).
fn page_limits() -> Result<(String, keras_sentinel::limits::Limits), String> {
    let text = by_id("limits-input")
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        .map(|t| t.value())
        .unwrap_or_default();
    let parsed = watchdog::parse_limits(&text);
    if let Some(err) = by_id("limits-error") {
        match &parsed {
            // Called for every file sent: the DOM is touched only when the state changes.
            Ok(_) if !err.has_attribute("hidden") => {
                let _ = err.set_attribute("hidden", "");
            }
            Ok(_) => {}
            Err(e) => {
                err.set_text_content(Some(e));
                let _ = err.remove_attribute("hidden");
                if let Some(d) = by_id("limits-settings") {
                    let _ = d.set_attribute("open", "");
                }
            }
        }
    }
    parsed.map(|l| (text, l))
}

/// Sends queued files, in the order added, to every idle worker, then a few behind each
/// scan (`pool::MAX_BEHIND`, so a worker goes on while the main thread is busy); once none
/// waits for a verdict (none queued or being scanned), the hashes (each preferably to the
/// worker that scanned the file and kept its report), so hashing never delays a verdict.
fn pump() {
    let Ok((limits_text, _)) = page_limits() else { return };
    loop {
        let next = with_app(|app| {
            // No file is scanned or hashed before its worker has the policy in force (`idle`).
            // With every worker busy, a queued file goes behind a scan (`Slot::next`).
            let queued = app.entries.iter().any(|e| e.status == Status::Queued);
            let (slot, behind) = match app.pool.idle() {
                Some(slot) => (slot, false),
                None if queued => {
                    let scanning = |id: u32| {
                        app.entries
                            .binary_search_by_key(&id, |e| e.id)
                            .is_ok_and(|i| app.entries[i].status == Status::Scanning)
                    };
                    (app.pool.behind_scan(scanning)?, true)
                }
                None => return None,
            };
            let worker = app.pool.slots[slot].worker.clone()?;
            // Not while another worker still scans: a hash would take CPU from that verdict.
            let hash_job =
                !queued && app.table.incoming == 0 && !app.entries.iter().any(|e| e.status == Status::Scanning);
            let i = if hash_job {
                let waiting = |e: &Entry| {
                    e.status == Status::Done && e.hash == review_ui::HashState::None && e.report_text.is_some()
                };
                let own = app.pool.slots[slot].scanned.iter().find_map(|id| {
                    app.entries.binary_search_by_key(id, |e| e.id).ok().filter(|&i| waiting(&app.entries[i]))
                });
                own.or_else(|| app.entries.iter().position(waiting))?
            } else {
                app.entries.iter().position(|e| e.status == Status::Queued)?
            };
            // The worker holds the files it scanned (its last `MAX_KEPT`): a File is not
            // posted again to it (cloning a File from disk costs the main thread).
            let scanned = &app.pool.slots[slot].scanned;
            let held = hash_job
                && scanned
                    .iter()
                    .position(|x| *x == app.entries[i].id)
                    .is_some_and(|p| scanned.len() - p <= protocol::MAX_KEPT);
            let e = &mut app.entries[i];
            let mut pairs = vec![
                ("id", JsValue::from(e.id)),
                ("path", e.name.clone().into()),
                ("limits", limits_text.clone().into()),
            ];
            if !held {
                pairs.push(("file", e.file.clone().into()));
            }
            if hash_job {
                pairs.push(("type", protocol::HASH.into()));
                e.hash = review_ui::HashState::Running { done: 0.0, total: e.size.unwrap_or_else(|| e.file.size()) };
            } else {
                pairs.push(("defer_hash", true.into()));
                e.status = Status::Scanning;
            }
            let id = e.id;
            let s = &mut app.pool.slots[slot];
            if behind {
                s.next.push(id);
            } else {
                s.busy = Some(id);
            }
            s.scanned.retain(|x| *x != id);
            Some((worker, obj(&pairs), id, hash_job, behind))
        });
        let Some((worker, msg, id, hash_job, behind)) = next else { break };
        if let Err(err) = worker.post_message(&msg) {
            with_app(|app| {
                app.pool.release(id);
                if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
                    if hash_job {
                        e.hash = review_ui::HashState::Failed(js_err(&err));
                    } else {
                        e.status = Status::Failed;
                        e.error = Some(js_err(&err));
                    }
                }
            });
        } else if !hash_job && !behind {
            // A file sent behind another gets its deadline when its scan starts.
            arm_watchdog(id);
        }
        render_one(id);
    }
    pool::grow();
}

/// Starts the deadline of the scan of entry `id` (see `watchdog`).
fn arm_watchdog(id: u32) {
    let Some(win) = web_sys::window() else { return };
    let Some((generation, name)) = with_app(|app| {
        let slot = app.pool.busy_with(id)?;
        Some((app.pool.slots[slot].generation, app.entries.iter().find(|e| e.id == id).map(|e| e.name.clone())))
    }) else {
        return;
    };
    let search = win.location().search().unwrap_or_default();
    let default_ms =
        page_limits().map(|(_, l)| l.max_scan_ms).unwrap_or(keras_sentinel::limits::Limits::default().max_scan_ms);
    let ms = watchdog::deadline_ms(&search, &name.unwrap_or_default(), default_ms);
    if ms == 0 {
        return;
    }
    let fire = Closure::once_into_js(move || on_deadline(generation, id, ms));
    let _ =
        win.set_timeout_with_callback_and_timeout_and_arguments_0(fire.unchecked_ref(), ms.min(i32::MAX as u64) as i32);
}

/// The scan of `id` is past its deadline: if its worker is still on it, stop that worker,
/// report the file as `error` naming the limit, and replace that worker (the others go on).
fn on_deadline(generation: u32, id: u32, ms: u64) {
    let stopped = with_app(|app| {
        let slot = app.pool.slot(generation)?;
        let scanning = app.entries.iter().any(|e| e.id == id && e.status == Status::Scanning);
        if app.pool.slots[slot].busy != Some(id) || !scanning {
            return None; // finished in time (hashing has no deadline), or the worker already died
        }
        app.pool.slots[slot].busy = None;
        if let Some(e) = app.entries.iter_mut().find(|e| e.id == id) {
            e.report = Some(watchdog::stopped_report(&e.name, e.file.size() as u64, ms));
            e.status = Status::Done;
            e.ms = Some(ms as f64);
        }
        app.engine_note = Some(("engine_restarted", String::new()));
        Some(slot)
    });
    if let Some(slot) = stopped {
        render_one(id);
        start_worker(slot); // terminates the stuck worker; the new one's `ready` pumps the queue
    }
}

// ---------------------------------------------------------------------------------------
// Input: picker, drop, folders

/// Extensions scanned when they come from a folder (single files are always scanned).
const MODEL_EXTENSIONS: &[&str] = &[".keras", ".h5", ".hdf5", ".he5", ".json", ".pb", ".zip", ".model", ".weights"];

fn looks_like_model(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    MODEL_EXTENSIONS.iter().any(|e| n.ends_with(e))
}

fn enqueue(file: File, name: String) {
    let id = with_app(|app| {
        let id = app.next_id;
        app.next_id += 1;
        // Cards and rows are attached by the table, a page at a time.
        let card = el("section", "file-card");
        attr(&card, "id", &format!("file-{id}"));
        let row = table::new_row(id);
        table::batch_started(app);
        app.entries.push(Entry {
            id,
            name,
            size: None,
            file,
            status: Status::Queued,
            report: None,
            report_text: None,
            error: None,
            bytes_read: 0.0,
            ms: None,
            card,
            row,
            hash: review_ui::HashState::None,
            open: None,
        });
        id
    });
    render_one(id);
    // The first files go to idle workers at once, the rest once the whole batch is queued.
    if with_app(|app| app.pool.idle().is_some()) {
        pump();
    } else {
        schedule_pump();
    }
}

/// `pump` once after the current event (a folder of 1,000 files is queued first, then
/// dispatched, not dispatched 1,000 times while being queued).
fn schedule_pump() {
    thread_local! {
        static SCHEDULED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    let Some(win) = web_sys::window() else { return };
    let f = Closure::once_into_js(|| {
        SCHEDULED.with(|s| s.set(false));
        pump();
    });
    let _ = win.set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), 0);
}

fn enqueue_from_folder(file: File, path: String) {
    if looks_like_model(&path) {
        enqueue(file, path);
    } else {
        with_app(|app| app.skipped.push(path));
        table::schedule();
    }
}

fn relative_path(file: &File) -> String {
    js_sys::Reflect::get(file, &JsValue::from_str("webkitRelativePath"))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| file.name())
}

fn walk_entry(entry: FileSystemEntry) {
    if entry.is_directory() {
        let dir: FileSystemDirectoryEntry = entry.unchecked_into();
        read_dir_batch(dir.create_reader());
    } else if entry.is_file() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        let fe: FileSystemFileEntry = entry.unchecked_into();
        let ok = Closure::once_into_js(move |f: File| enqueue_from_folder(f, path));
        let err = Closure::once_into_js(move |_e: JsValue| {});
        fe.file_with_callback_and_callback(ok.unchecked_ref(), err.unchecked_ref());
    }
}

/// `readEntries` returns entries in batches until an empty one.
fn read_dir_batch(reader: web_sys::FileSystemDirectoryReader) {
    let again = reader.clone();
    let ok = Closure::once_into_js(move |entries: js_sys::Array| {
        if entries.length() == 0 {
            return;
        }
        for v in entries.iter() {
            walk_entry(v.unchecked_into());
        }
        read_dir_batch(again);
    });
    let err = Closure::once_into_js(move |_e: JsValue| {});
    let _ = reader.read_entries_with_callback_and_callback(ok.unchecked_ref(), err.unchecked_ref());
}

fn handle_drop(dt: DataTransfer) {
    let items = dt.items();
    let mut handled = false;
    // Entries must be taken during the event; folders are then walked asynchronously.
    let mut direct: Vec<File> = Vec::new();
    let mut dirs: Vec<FileSystemEntry> = Vec::new();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        handled = true;
        let entry = item.webkit_get_as_entry().ok().flatten();
        match entry {
            Some(en) if en.is_directory() => dirs.push(en),
            _ => {
                if let Ok(Some(f)) = item.get_as_file() {
                    direct.push(f);
                }
            }
        }
    }
    if !handled {
        if let Some(files) = dt.files() {
            for i in 0..files.length() {
                if let Some(f) = files.get(i) {
                    direct.push(f);
                }
            }
        }
    }
    for f in direct {
        let name = f.name();
        enqueue(f, name);
    }
    for d in dirs {
        walk_entry(d);
    }
}

fn on(target: &web_sys::EventTarget, event: &str, f: impl FnMut(Event) + 'static) {
    let c = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, c.as_ref().unchecked_ref());
    c.forget();
}

fn set_lang(lang: Lang) {
    with_app(|app| app.lang = lang);
    if let Ok(Some(st)) = web_sys::window().expect("window").local_storage() {
        let _ = st.set_item("keras-sentinel-lang", lang.code());
    }
    render_all();
}

fn initial_lang() -> Lang {
    let w = web_sys::window().expect("window");
    if let Ok(Some(st)) = w.local_storage() {
        if let Ok(Some(v)) = st.get_item("keras-sentinel-lang") {
            return if v == "tr" { Lang::Tr } else { Lang::En };
        }
    }
    let nav = w.navigator().language().unwrap_or_default();
    if nav.to_ascii_lowercase().starts_with("tr") {
        Lang::Tr
    } else {
        Lang::En
    }
}

/// Files picked together are queued this many per task: a folder of 1,000 files is not
/// one long task, and the first files are being scanned while the others are queued.
const ENQUEUE_CHUNK: usize = 100;

fn enqueue_chunks(mut list: std::collections::VecDeque<(String, File)>, folder: bool) {
    for _ in 0..ENQUEUE_CHUNK {
        let Some((name, f)) = list.pop_front() else { break };
        with_app(|app| app.table.incoming = app.table.incoming.saturating_sub(1));
        if folder {
            enqueue_from_folder(f, name);
        } else {
            enqueue(f, name);
        }
    }
    if list.is_empty() {
        return;
    }
    let Some(win) = web_sys::window() else { return };
    let next = Closure::once_into_js(move || enqueue_chunks(list, folder));
    let _ = win.set_timeout_with_callback_and_timeout_and_arguments_0(next.unchecked_ref(), 0);
}

fn wire_input(id: &str, folder: bool) {
    let Some(input) = by_id(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) else { return };
    let inp = input.clone();
    on(&input, "change", move |_| {
        if let Some(files) = inp.files() {
            let mut list = Vec::new();
            for i in 0..files.length() {
                if let Some(f) = files.get(i) {
                    let name = if folder { relative_path(&f) } else { f.name() };
                    list.push((name, f));
                }
            }
            // A folder's files come in the file system's order: queued (and listed) by path.
            if folder {
                keras_sentinel::sort::by(&mut list, |a, b| a.0.cmp(&b.0));
            }
            with_app(|app| {
                table::batch_started(app);
                app.table.incoming += list.len();
            });
            enqueue_chunks(list.into(), folder);
        }
        // Allow picking the same file again.
        inp.set_value("");
    });
}

/// Runs in both the page and its workers when the module is instantiated (wasm-bindgen
/// makes a bin's `main` the start function), so it does nothing: the page's boot.js calls
/// [`app_main`], a worker's loader calls `scan_worker::worker_main`.
fn main() {}

/// The page's entry point (static/boot.js), given the URL of this module's JS glue, which
/// the scanning workers import to run this same module.
#[wasm_bindgen]
pub fn app_main(glue_url: String) {
    pool::set_glue(glue_url);
    let doc = document();
    // English until the Turkish pack is loaded (lang_pack).
    let lang = initial_lang();

    wire_input("file-input", false);
    wire_input("folder-input", true);
    if let Some(t) = by_id("limits-input") {
        // A corrected setting releases the queue it held.
        on(&t, "input", |_| pump());
    }
    for (id, target) in [("choose-files", "file-input"), ("choose-folder", "folder-input")] {
        if let Some(b) = by_id(id) {
            on(&b, "click", move |_| {
                if let Some(i) = by_id(target).and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                    i.click();
                }
            });
        }
    }
    if let Some(zone) = by_id("dropzone") {
        let z = zone.clone();
        let set_active = move |on: bool| {
            let _ = if on { z.class_list().add_1("active") } else { z.class_list().remove_1("active") };
        };
        let a1 = set_active.clone();
        on(&zone, "dragenter", move |ev| {
            ev.prevent_default();
            a1(true);
        });
        let a2 = set_active.clone();
        on(&zone, "dragover", move |ev| {
            ev.prevent_default();
            if let Some(dt) = ev.dyn_ref::<DragEvent>().and_then(|d| d.data_transfer()) {
                dt.set_drop_effect("copy");
            }
            a2(true);
        });
        let a3 = set_active.clone();
        on(&zone, "dragleave", move |_| a3(false));
        let a4 = set_active;
        on(&zone, "drop", move |ev| {
            ev.prevent_default();
            ev.stop_propagation();
            a4(false);
            if let Some(dt) = ev.dyn_ref::<DragEvent>().and_then(|d| d.data_transfer()) {
                handle_drop(dt);
            }
        });
    }
    // A file dropped anywhere else on the page is scanned too, never opened by the browser.
    if let Some(win) = web_sys::window() {
        on(&win, "dragover", |ev| ev.prevent_default());
        on(&win, "drop", |ev| {
            ev.prevent_default();
            if let Some(dt) = ev.dyn_ref::<DragEvent>().and_then(|d| d.data_transfer()) {
                handle_drop(dt);
            }
        });
    }
    for (id, l) in [("lang-en", Lang::En), ("lang-tr", Lang::Tr)] {
        if let Some(b) = by_id(id) {
            on(&b, "click", move |_| lang_pack::choose(l, true));
        }
    }
    if let Some(b) = by_id("clear") {
        on(&b, "click", |_| {
            with_app(|app| {
                app.entries.retain(|e| {
                    let keep = matches!(e.status, Status::Queued | Status::Scanning);
                    if !keep {
                        e.card.remove();
                        e.row.remove();
                    }
                    keep
                });
                app.skipped.clear();
                table::forget_removed(app);
            });
            render_all();
        });
    }
    if let Some(v) = by_id("version") {
        v.set_text_content(Some(&format!("v{}", env!("CARGO_PKG_VERSION"))));
    }
    if let Some(body) = doc.body() {
        let _ = body.class_list().add_1("wasm-ready");
        let _ = body.set_attribute("data-app", "ready");
    }
    review_ui::init();
    rule_docs::init();
    table::init();
    render_all();
    if lang == Lang::Tr {
        lang_pack::choose(Lang::Tr, false);
    }
    // Every worker of the pool is started now: once files are dropped, the page loads
    // nothing more (the e2e tests check that no request is made while scanning).
    pool::start_all();
}

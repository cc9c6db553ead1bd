//! The rules' guidance in the rules reference (what, why, remedy and FAQ, in both
//! languages): `rules.json` from the page's own origin, fetched the first time a reader
//! opens a rule or follows a finding's guidance link, never at start. The codes, titles
//! and CVEs are in the app (`keras_sentinel_web::rule_heads`), so the rules list, the
//! finding cards and the table need no fetch.

use super::*;
use web_sys::Response;

/// UI strings of the guidance: (key, English, Turkish).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("docs_loading", "Loading the rule's guidance…", "Kuralın açıklaması yükleniyor…"),
    ("docs_failed", "The rules' guidance could not be loaded: {}", "Kuralların açıklaması yüklenemedi: {}"),
];

enum Docs {
    NotAsked,
    Loading,
    /// The `rules.json` array.
    Loaded(Value),
    Failed(String),
}

thread_local! {
    static DOCS: RefCell<Docs> = const { RefCell::new(Docs::NotAsked) };
}

/// Fills the body of every rule in the rules list with its guidance in `lang` (or what
/// stands in for it while it is loading or when it failed).
pub fn fill(lang: Lang) {
    let Some(list) = by_id("rules-list") else { return };
    let Ok(bodies) = list.query_selector_all("details.rule .rule-body") else { return };
    DOCS.with(|d| {
        let d = d.borrow();
        for i in 0..bodies.length() {
            let Some(body) = bodies.get(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
            let code = body.get_attribute("data-code").unwrap_or_default();
            clear(&body);
            match &*d {
                Docs::NotAsked => {}
                Docs::Loading => add(&body, &txt("p", "docs-note", t(lang, "docs_loading"))),
                Docs::Failed(e) => add(&body, &txt("p", "docs-note", &tf(lang, "docs_failed", &[e]))),
                Docs::Loaded(all) => {
                    let doc = all.as_array().and_then(|a| a.iter().find(|r| s(r, "code") == code));
                    if let Some(tx) = doc.and_then(|r| r.get(lang.code())) {
                        render_text(&body, tx, lang);
                    }
                }
            }
        }
    });
}

/// What, why, what to do, then the FAQ (as the rules list showed them when the docs
/// were in the app).
fn render_text(body: &Element, tx: &Value, lang: Lang) {
    for k in ["what", "why", "remedy"] {
        // h3 under the section's h2: no heading level skipped (axe heading-order).
        add(body, &txt("h3", "rule-part", t(lang, k)));
        add(body, &txt("p", "", s(tx, k)));
    }
    let faq = tx.get("faq").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if !faq.is_empty() {
        let d = el("details", "faq");
        add(&d, &txt("summary", "", &format!("{} ({})", t(lang, "faq"), faq.len())));
        let dl = el("dl", "");
        for qa in faq {
            add(&dl, &txt("dt", "", s(qa, "q")));
            add(&dl, &txt("dd", "", s(qa, "a")));
        }
        add(&d, &dl);
        add(body, &d);
    }
}

/// Fetches `rules.json` unless it is loaded or on its way.
fn ensure() {
    let ask = DOCS.with(|d| {
        let mut d = d.borrow_mut();
        let ask = matches!(*d, Docs::NotAsked | Docs::Failed(_));
        if ask {
            *d = Docs::Loading;
        }
        ask
    });
    if !ask {
        return;
    }
    refill();
    let Some(win) = web_sys::window() else { return };
    let done = |r: Result<Value, String>| {
        DOCS.with(|d| *d.borrow_mut() = r.map_or_else(Docs::Failed, Docs::Loaded));
        refill();
    };
    let on_response = move |resp: JsValue| {
        let Ok(resp) = resp.dyn_into::<Response>() else { return done(Err("not a response".into())) };
        if resp.status() != 200 {
            return done(Err(format!("HTTP {} {}", resp.status(), resp.status_text())));
        }
        match resp.text() {
            Ok(p) => review_ui::then(
                &p,
                move |text: JsValue| {
                    let text = text.as_string().unwrap_or_default();
                    done(serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
                },
                move |e: JsValue| done(Err(js_err(&e))),
            ),
            Err(e) => done(Err(js_err(&e))),
        }
    };
    review_ui::then(&win.fetch_with_str("rules.json"), on_response, move |e: JsValue| done(Err(js_err(&e))));
}

fn refill() {
    fill(with_app(|app| app.lang));
}

/// Opening a rule, or following a finding's link to its rule, loads the guidance.
pub fn init() {
    if let Some(list) = by_id("rules-list") {
        // `toggle` does not bubble: listened to in the capture phase.
        let c = Closure::<dyn FnMut(Event)>::new(|e: Event| {
            let open = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
                .is_some_and(|d| d.open() && d.class_list().contains("rule"));
            if open {
                ensure();
            }
        });
        let _ = list.add_event_listener_with_callback_and_bool("toggle", c.as_ref().unchecked_ref(), true);
        c.forget();
    }
    on(&document(), "click", |e: Event| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Some(a) = target.closest("a.rule-link").ok().flatten() else { return };
        let code = a.get_attribute("data-rule").unwrap_or_default();
        if let Some(d) = by_id(&table::rule_anchor(&code)) {
            let _ = d.set_attribute("open", "");
        }
        ensure();
    });
}

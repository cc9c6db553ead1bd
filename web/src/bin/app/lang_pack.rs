//! Turkish mode: the catalogue's Turkish templates are `tr.json` from the page's own
//! origin (`keras_sentinel_web::tr_pack`), fetched the first time the page is to be shown
//! in Turkish (a saved choice, the browser's language, or the Türkçe button), never in an
//! English session. The page switches to Turkish only once the pack is loaded, so no
//! report message is shown in English in Turkish mode; until then the button is busy and
//! a status line says Turkish is loading. If the pack cannot be loaded the page stays in
//! English and the status line says why (clicking Türkçe again retries).

use super::*;
use serde_json::Map;
use web_sys::Response;

/// UI strings of the pack's status line: (key, English, Turkish). Both languages are
/// shown: the page is in English while the pack loads or when it failed.
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("lang_loading", "Loading Turkish…", "Türkçe yükleniyor…"),
    (
        "lang_failed",
        "Turkish could not be loaded ({}): the page stays in English.",
        "Türkçe yüklenemedi ({}): sayfa İngilizce kalıyor.",
    ),
];

enum Pack {
    NotAsked,
    /// On its way; `switch`: show Turkish when it arrives (cleared when the reader picks
    /// English meanwhile), `remember`: save the choice then (a click, not the start).
    Loading {
        switch: bool,
        remember: bool,
    },
    /// Id → Turkish template; leaked once so templates are `&'static str` like the
    /// English ones.
    Loaded(&'static Map<String, Value>),
    Failed,
}

thread_local! {
    static PACK: RefCell<Pack> = const { RefCell::new(Pack::NotAsked) };
}

/// The Turkish template of a message id, once the pack is loaded.
pub fn lookup(id: &str) -> Option<&'static str> {
    PACK.with(|p| match &*p.borrow() {
        Pack::Loaded(m) => m.get(id).and_then(Value::as_str),
        _ => None,
    })
}

/// Every (id, Turkish template) of the loaded pack (none before it is loaded).
pub fn entries() -> Vec<(&'static str, &'static str)> {
    PACK.with(|p| match &*p.borrow() {
        Pack::Loaded(m) => m.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect(),
        _ => Vec::new(),
    })
}

/// The reader picked `lang` (`remember`: a click, saved as the preference; at start the
/// preference is already what it is). English is shown at once; Turkish once the pack is
/// loaded.
pub fn choose(lang: Lang, remember: bool) {
    if lang == Lang::En {
        PACK.with(|p| {
            if let Pack::Loading { switch, .. } = &mut *p.borrow_mut() {
                *switch = false;
            }
        });
        show_status(Line::Hidden);
        set_lang(Lang::En);
        return;
    }
    let loaded = PACK.with(|p| {
        let mut p = p.borrow_mut();
        match &mut *p {
            Pack::Loaded(_) => true,
            Pack::Loading { switch, remember: r } => {
                *switch = true;
                *r |= remember;
                false
            }
            Pack::NotAsked | Pack::Failed => {
                *p = Pack::Loading { switch: true, remember };
                fetch();
                false
            }
        }
    });
    if loaded {
        show_turkish(remember);
    } else {
        show_status(Line::Loading);
    }
}

fn show_turkish(remember: bool) {
    show_status(Line::Hidden);
    if remember {
        set_lang(Lang::Tr);
    } else {
        with_app(|app| app.lang = Lang::Tr);
        render_all();
    }
}

/// What the status line under the language buttons says.
enum Line<'a> {
    Hidden,
    Loading,
    Failed(&'a str),
}

/// The status line and the Türkçe button (busy while the pack loads).
fn show_status(state: Line) {
    if let Some(b) = by_id("lang-tr") {
        attr(&b, "aria-busy", if matches!(state, Line::Loading) { "true" } else { "false" });
    }
    let Some(line) = by_id("lang-status") else { return };
    clear(&line);
    let (class, key, why) = match state {
        Line::Hidden => {
            attr(&line, "hidden", "");
            return;
        }
        Line::Loading => ("lang-status", "lang_loading", ""),
        Line::Failed(why) => ("lang-status error-box", "lang_failed", why),
    };
    line.set_class_name(class);
    let _ = line.remove_attribute("hidden");
    add(&line, &txt("span", "", &tf(Lang::En, key, &[why])));
    add(&line, &txt("span", "", " "));
    let tr = txt("span", "", &tf(Lang::Tr, key, &[why]));
    attr(&tr, "lang", "tr");
    add(&line, &tr);
}

fn fetch() {
    let Some(win) = web_sys::window() else { return done(Err("no window".into())) };
    let on_response = move |resp: JsValue| {
        let Ok(resp) = resp.dyn_into::<Response>() else { return done(Err("not a response".into())) };
        if resp.status() != 200 {
            return done(Err(format!("tr.json: HTTP {} {}", resp.status(), resp.status_text())));
        }
        match resp.text() {
            Ok(p) => review_ui::then(
                &p,
                move |text: JsValue| {
                    done(
                        keras_sentinel_web::tr_pack::parse(&text.as_string().unwrap_or_default())
                            .map_err(|e| format!("tr.json: {e}")),
                    )
                },
                move |e: JsValue| done(Err(js_err(&e))),
            ),
            Err(e) => done(Err(js_err(&e))),
        }
    };
    review_ui::then(&win.fetch_with_str("tr.json"), on_response, move |e: JsValue| done(Err(js_err(&e))));
}

fn done(r: Result<Map<String, Value>, String>) {
    let (loaded, why) = match r {
        Ok(m) => (Some(&*Box::leak(Box::new(m))), String::new()),
        Err(e) => (None, e),
    };
    let (switch, remember) = PACK.with(|p| {
        let mut p = p.borrow_mut();
        let asked = match *p {
            Pack::Loading { switch, remember } => (switch, remember),
            _ => (false, false),
        };
        *p = loaded.map_or(Pack::Failed, Pack::Loaded);
        asked
    });
    match loaded {
        Some(_) if switch => show_turkish(remember),
        Some(_) => {}
        // Said even when the reader went back to English meanwhile: Turkish is not there.
        None => show_status(Line::Failed(&why)),
    }
}

//! The model overview in a file's card: the layer tree the worker recorded (`model` in the
//! report: models, wrappers, nested models, shared layers), each lambda and finding marked
//! on its layer. A finding's marker in the tree scrolls to the finding; a finding's
//! "Show in model" reveals its layer (expanding the layers around it).
//!
//! Built as nested lists with disclosure buttons (`aria-expanded`), no ARIA tree role:
//! every control is a plain button, so it works with a keyboard and a screen reader as is.
//! Names come from the file: `textContent` only. Clicks are handled by one listener on
//! the document (installed once), so re-rendering a card adds no listener.

use std::cell::Cell;

use super::*;

/// Overview strings: (key, English, Turkish). Kept here (not in the page's table) so the
/// tree is one module.
const STRINGS: &[(&str, &str, &str)] = &[
    ("title", "Model overview", "Model görünümü"),
    ("layers", "{} layer(s)", "{} katman"),
    ("lambdas", "{} with stored code", "{} saklı kodlu"),
    ("omitted", "{} more layer(s) not shown (limit {})", "{} katman daha gösterilmiyor (sınır {})"),
    ("omitted_marks", "{} more finding place(s) not marked (limit {})", "{} bulgu yeri daha işaretlenmedi (sınır {})"),
    ("expand", "Expand {}", "{} genişlet"),
    ("collapse", "Collapse {}", "{} daralt"),
    ("shared", "shared", "paylaşılan"),
    ("called", "shared, called {}×", "paylaşılan, {} kez çağrılıyor"),
    ("lambda_chip", "λ {}", "λ {}"),
    ("lambda_title", "functions stored as code in this layer", "bu katmanda kod olarak saklanan fonksiyonlar"),
    ("go_finding", "Go to finding {}: {} {}", "{}. bulguya git: {} {}"),
    ("show_in_model", "Show in model", "Modelde göster"),
    ("k_model", "model", "model"),
    ("k_wrapper", "wrapper", "sarmalayıcı"),
    ("k_lambda", "Lambda", "Lambda"),
    ("k_custom", "custom class", "özel sınıf"),
];

/// The overview's templates in `lang` (for the exports, which draw the tree too).
pub(crate) fn templates(lang: Lang) -> impl Iterator<Item = (&'static str, &'static str)> {
    STRINGS.iter().map(move |(k, en, tr)| (*k, if lang == Lang::Tr { *tr } else { *en }))
}

fn ot(lang: Lang, key: &str, args: &[&str]) -> String {
    let (_, en, tr) = STRINGS.iter().find(|(k, _, _)| *k == key).copied().unwrap_or(("", "", ""));
    let mut rest = if lang == Lang::Tr { tr } else { en };
    let mut out = String::new();
    for a in args {
        let Some(i) = rest.find("{}") else { break };
        out.push_str(&rest[..i]);
        out.push_str(a);
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

/// Trees larger than this start with only the layers around findings expanded.
const EXPAND_ALL_UP_TO: usize = 300;

thread_local! {
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

/// Renders the overview of report `r` into `card` (nothing when the report has none).
pub fn render(card: &Element, r: &Value, lang: Lang) {
    let Some(model) = r.get("model") else { return };
    let nodes = model.get("nodes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let findings = r.get("findings").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    listen_once();

    let sec = el("section", "model-overview");
    let title_id = format!("ov-title-{}", next_id());
    attr(&sec, "aria-labelledby", &title_id);
    let h = txt("h4", "ov-title", &ot(lang, "title", &[]));
    attr(&h, "id", &title_id);
    add(&sec, &h);
    let lambdas = nodes.iter().filter(|n| n.get("lambdas").and_then(Value::as_u64).unwrap_or(0) > 0).count();
    let mut summary = vec![ot(lang, "layers", &[&nodes.len().to_string()])];
    if lambdas > 0 {
        summary.push(ot(lang, "lambdas", &[&lambdas.to_string()]));
    }
    add(&sec, &txt("p", "ov-summary", &summary.join(" · ")));

    // Which nodes start expanded: all in a small tree, else the roots and the layers
    // above a finding.
    let parent = |i: usize| nodes[i].get("parent").and_then(Value::as_u64).map(|p| p as usize).filter(|&p| p < i);
    let mut above_finding = vec![nodes.len() <= EXPAND_ALL_UP_TO; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let has = nodes[i].get("findings").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
        if has || above_finding[i] {
            if let Some(p) = parent(i) {
                above_finding[p] = true;
            }
        }
    }

    // Nodes are in pre-order, each after its parent: one pass, no recursion (a chain
    // of nested models can be thousands deep).
    let mut has_child = vec![false; nodes.len()];
    for j in 0..nodes.len() {
        if let Some(p) = parent(j) {
            has_child[p] = true;
        }
    }
    let mut lists: Vec<Option<Element>> = vec![None; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let ul = match parent(i) {
            Some(p) => match &lists[p] {
                Some(ul) => ul.clone(),
                None => continue,
            },
            None => {
                if let Some(c) = n.get("container").and_then(Value::as_str).filter(|c| !c.is_empty()) {
                    add(&sec, &txt("p", "ov-part", &place(lang, c)));
                }
                let ul = el("ul", "ov-tree");
                add(&sec, &ul);
                ul
            }
        };
        let open = above_finding[i] || parent(i).is_none();
        let (li, children) = node(n, i, has_child[i], open, findings, lang);
        add(&ul, &li);
        lists[i] = children;
    }
    for (key, field) in [("omitted", "omitted"), ("omitted_marks", "omitted_marks")] {
        if let Some(k) = model.get(field).and_then(Value::as_u64).filter(|&k| k > 0) {
            let limit = model.get("limit").and_then(Value::as_str).unwrap_or("max_overview_nodes");
            add(&sec, &txt("p", "ov-omitted", &ot(lang, key, &[&k.to_string(), limit])));
        }
    }
    add(card, &sec);
}

/// One node's list item, and the list its children go in (if it has any).
fn node(
    n: &Value,
    i: usize,
    has_children: bool,
    open: bool,
    findings: &[Value],
    lang: Lang,
) -> (Element, Option<Element>) {
    let kind = s(n, "kind");
    let name = s(n, "name");
    let li = el("li", &format!("ov-node kind-{kind}"));
    attr(&li, "data-node", &i.to_string());
    let row = el("div", "ov-row");
    attr(&row, "tabindex", "-1");
    let children = has_children.then(|| el("ul", "ov-children"));
    if let Some(ul) = &children {
        let b = txt("button", "ov-toggle", if open { "▾" } else { "▸" });
        attr(&b, "type", "button");
        attr(&b, "aria-expanded", if open { "true" } else { "false" });
        attr(&b, "aria-label", &ot(lang, if open { "collapse" } else { "expand" }, &[name]));
        attr(&b, "data-name", name);
        add(&row, &b);
        if !open {
            attr(ul, "hidden", "");
        }
    } else {
        let dot = txt("span", "ov-leaf", "•");
        attr(&dot, "aria-hidden", "true");
        add(&row, &dot);
    }
    add(&row, &txt("span", "ov-name", name));
    add(&row, &txt("code", "ov-class", s(n, "class_name")));
    if kind != "layer" {
        add(&row, &txt("span", &format!("ov-kind ov-kind-{kind}"), &ot(lang, &format!("k_{kind}"), &[])));
    }
    if n.get("shared").and_then(Value::as_bool) == Some(true) {
        let calls = n.get("calls").and_then(Value::as_u64).unwrap_or(0);
        let label = if calls > 1 { ot(lang, "called", &[&calls.to_string()]) } else { ot(lang, "shared", &[]) };
        add(&row, &txt("span", "ov-chip ov-shared", &label));
    }
    if let Some(k) = n.get("lambdas").and_then(Value::as_u64).filter(|&k| k > 0) {
        let c = txt("span", "ov-chip ov-lambda", &ot(lang, "lambda_chip", &[&k.to_string()]));
        attr(&c, "title", &ot(lang, "lambda_title", &[]));
        add(&row, &c);
    }
    for fi in n.get("findings").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_u64) {
        let Some(f) = findings.get(fi as usize) else { continue };
        let sev = s(f, "severity");
        let b = txt(
            "button",
            &format!("ov-finding sev-badge sev-{sev}"),
            &format!("{} · {}", t(lang, &format!("s_{sev}")), s(f, "code")),
        );
        attr(&b, "type", "button");
        attr(&b, "data-finding", &fi.to_string());
        attr(
            &b,
            "aria-label",
            &ot(lang, "go_finding", &[&(fi + 1).to_string(), t(lang, &format!("s_{sev}")), s(f, "code")]),
        );
        add(&row, &b);
    }
    add(&li, &row);
    if let Some(ul) = &children {
        add(&li, ul);
    }
    (li, children)
}

/// Marks finding `i`'s article so the tree can find it, and gives it a "Show in model"
/// button when the finding sits on a layer of the tree.
pub fn annotate_finding(art: &Element, r: &Value, i: usize, lang: Lang) {
    attr(art, "data-finding-index", &i.to_string());
    attr(art, "tabindex", "-1");
    let nodes = r.get("model").and_then(|m| m.get("nodes")).and_then(Value::as_array);
    let on_node = nodes.into_iter().flatten().position(|n| {
        n.get("findings").and_then(Value::as_array).is_some_and(|a| a.iter().any(|x| x.as_u64() == Some(i as u64)))
    });
    let Some(node) = on_node else { return };
    let b = txt("button", "ov-show", &ot(lang, "show_in_model", &[]));
    attr(&b, "type", "button");
    attr(&b, "data-node", &node.to_string());
    if let Some(head) = art.query_selector(".finding-head").ok().flatten() {
        add(&head, &b);
    }
}

fn next_id() -> u32 {
    thread_local!(static N: Cell<u32> = const { Cell::new(0) });
    N.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

fn listen_once() {
    if LISTENING.with(|l| l.replace(true)) {
        return;
    }
    on(&document(), "click", |e: Event| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Some(b) = target.closest("button.ov-toggle, button.ov-finding, button.ov-show").ok().flatten() else {
            return;
        };
        let Some(card) = b.closest("section.file-card").ok().flatten() else { return };
        let class = b.class_name();
        if class.contains("ov-toggle") {
            if let Some(li) = b.closest("li.ov-node").ok().flatten() {
                let open = b.get_attribute("aria-expanded").as_deref() != Some("true");
                set_open(&li, open);
            }
        } else if class.contains("ov-finding") {
            let i = b.get_attribute("data-finding").unwrap_or_default();
            if let Some(art) =
                card.query_selector(&format!("article.finding[data-finding-index=\"{i}\"]")).ok().flatten()
            {
                mark(&card, &art, "finding-hit");
                art.scroll_into_view();
                focus(&art);
            }
        } else {
            let n = b.get_attribute("data-node").unwrap_or_default();
            reveal(&card, &n);
        }
    });
}

/// Expands or collapses the node `li`.
fn set_open(li: &Element, open: bool) {
    let Some(b) = li.query_selector(":scope > .ov-row > button.ov-toggle").ok().flatten() else { return };
    let Some(ul) = li.query_selector(":scope > ul.ov-children").ok().flatten() else { return };
    let lang = with_app(|a| a.lang);
    let name = b.get_attribute("data-name").unwrap_or_default();
    b.set_text_content(Some(if open { "▾" } else { "▸" }));
    attr(&b, "aria-expanded", if open { "true" } else { "false" });
    attr(&b, "aria-label", &ot(lang, if open { "collapse" } else { "expand" }, &[&name]));
    if open {
        let _ = ul.remove_attribute("hidden");
    } else {
        attr(&ul, "hidden", "");
    }
}

/// Shows node `n` of the card's tree: expands every layer around it, highlights it,
/// scrolls to it and moves the focus there.
fn reveal(card: &Element, n: &str) {
    let Some(li) = card.query_selector(&format!(".model-overview li.ov-node[data-node=\"{n}\"]")).ok().flatten() else {
        return;
    };
    let mut up = li.parent_element().and_then(|ul| ul.closest("li.ov-node").ok().flatten());
    while let Some(a) = up {
        set_open(&a, true);
        up = a.parent_element().and_then(|ul| ul.closest("li.ov-node").ok().flatten());
    }
    if let Some(row) = li.query_selector(":scope > .ov-row").ok().flatten() {
        mark(card, &row, "ov-hit");
        row.scroll_into_view();
        focus(&row);
    }
}

/// Puts `class` on `e` only, within `card`.
fn mark(card: &Element, e: &Element, class: &str) {
    if let Ok(list) = card.query_selector_all(&format!(".{class}")) {
        for k in 0..list.length() {
            if let Some(x) = list.item(k).and_then(|x| x.dyn_into::<Element>().ok()) {
                let _ = x.class_list().remove_1(class);
            }
        }
    }
    let _ = e.class_list().add_1(class);
}

fn focus(e: &Element) {
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    }
}

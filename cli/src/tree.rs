//! `scan --tree`: the model overview of a file as an indented tree under its text block,
//! each lambda and finding marked on its layer.

use std::fmt::Write;

use keras_sentinel::keras::overview::{ModelOverview, NodeKind};
use keras_sentinel::report::FileReport;

use crate::words::Lang;

/// Deepest level drawn with tree lines; deeper nodes are drawn at this depth with their
/// level written out (a chain of thousands of nested models must not print megabytes of
/// indentation).
const MAX_DRAWN_DEPTH: usize = 24;

/// The tree of `f`, or a line saying there is none.
pub fn text(f: &FileReport, turkish: bool) -> String {
    let lang = Lang { turkish };
    let mut out = format!("    {}\n", lang.w("t_overview"));
    match &f.model {
        Some(m) => draw(&mut out, f, m, lang),
        None => {
            let _ = writeln!(out, "      {}", lang.w("t_no_layers"));
        }
    }
    out
}

fn draw(out: &mut String, f: &FileReport, m: &ModelOverview, lang: Lang) {
    let n = m.nodes.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, node) in m.nodes.iter().enumerate() {
        match node.parent.filter(|&p| p < i) {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    // Depth-first with an explicit stack: (node, is last child, depth); `last` holds,
    // for each drawn level, whether that ancestor was the last child (no `│` below it).
    let mut stack: Vec<(usize, bool, usize)> = Vec::new();
    for (k, &r) in roots.iter().enumerate().rev() {
        stack.push((r, k + 1 == roots.len(), 0));
    }
    let mut last: Vec<bool> = Vec::new();
    while let Some((i, is_last, depth)) = stack.pop() {
        let node = &m.nodes[i];
        let mut line = String::from("      ");
        if depth == 0 {
            if let Some(c) = node.container.as_deref().filter(|c| !c.is_empty()) {
                let _ = writeln!(out, "      [{}]", lang.place(c));
            }
        } else {
            let drawn = depth.min(MAX_DRAWN_DEPTH);
            last.truncate(drawn - 1);
            for &l in &last {
                line.push_str(if l { "   " } else { "│  " });
            }
            line.push_str(if is_last { "└─ " } else { "├─ " });
            if depth > MAX_DRAWN_DEPTH {
                line.push_str(&lang.f("t_level", &[&depth]));
            }
            last.push(is_last);
        }
        let _ = write!(line, "{}  {}", node.name, node.class_name);
        match node.kind {
            NodeKind::Layer => {}
            k => {
                let _ = write!(line, "  [{}]", lang.w(kind_word(k)));
            }
        }
        if node.shared {
            let _ = write!(line, "  {}", lang.w(if node.calls > 1 { "t_shared" } else { "t_shared_object" }));
            if node.calls > 1 {
                line.push_str(&lang.f("t_called", &[&node.calls]));
            }
        }
        if node.lambdas > 0 {
            let _ = write!(line, "  λ×{}", node.lambdas);
        }
        for &fi in &node.findings {
            if let Some(fd) = f.findings.get(fi) {
                let severity = lang.w(&format!("sl_{}", fd.severity.as_str()));
                let _ = write!(line, "  ← {severity} {} #{}", fd.code, fi + 1);
            }
        }
        out.push_str(&line);
        out.push('\n');
        let kids = &children[i];
        for (k, &c) in kids.iter().enumerate().rev() {
            stack.push((c, k + 1 == kids.len(), depth + 1));
        }
    }
    if m.omitted > 0 || m.omitted_marks > 0 {
        let limit = m.limit.unwrap_or("max_overview_nodes");
        let _ = writeln!(out, "      {}", lang.f("t_more", &[&m.omitted, &m.omitted_marks, &limit]));
    }
}

/// The key of a node kind's word.
fn kind_word(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Model => "k_model",
        NodeKind::Wrapper => "k_wrapper",
        NodeKind::Lambda => "k_lambda",
        NodeKind::Custom => "k_custom",
        NodeKind::Layer => "k_layer",
    }
}

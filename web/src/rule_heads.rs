//! What the page's app knows of each rule at start: code, severity, CVEs and title in
//! each language (finding cards, the table and the rules list show these). The rest of
//! the documentation (what, why, remedy and FAQ, both languages) is `static/rules.json`
//! ([`crate::rule_docs_json`]), fetched from the page's own origin when a reader first
//! opens a rule or follows a finding's guidance link: it was about a tenth of the wasm
//! the page loads at start (issue 9's budget).
//!
//! [`HEADS`] is built at compile time from `rules::ALL`, so only the fields copied here
//! reach the app's wasm (reading `rules::ALL` at run time would link every text).

use keras_sentinel::report::Severity;
use keras_sentinel::rules;

#[derive(Clone, Copy)]
pub struct RuleHead {
    pub code: &'static str,
    pub severity: Severity,
    pub cves: &'static [&'static str],
    pub title_en: &'static str,
    pub title_tr: &'static str,
}

/// Every rule of `rules::ALL`, in its order.
pub static HEADS: [RuleHead; rules::ALL.len()] = {
    let first = &rules::ALL[0];
    let blank = RuleHead { code: "", severity: first.severity, cves: &[], title_en: "", title_tr: "" };
    let mut out = [blank; rules::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        let r = &rules::ALL[i];
        out[i] =
            RuleHead { code: r.code, severity: r.severity, cves: r.cves, title_en: r.en.title, title_tr: r.tr.title };
        i += 1;
    }
    out
};

/// The rule `code` names (as `rules::find`: ASCII case ignored).
pub fn find(code: &str) -> Option<&'static RuleHead> {
    HEADS.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_the_rules_in_order() {
        assert_eq!(HEADS.len(), rules::ALL.len());
        for (h, r) in HEADS.iter().zip(rules::ALL) {
            assert_eq!(
                (h.code, h.severity, h.cves, h.title_en, h.title_tr),
                (r.code, r.severity, r.cves, r.en.title, r.tr.title)
            );
            assert!(std::ptr::eq(find(&r.code.to_lowercase()).unwrap(), h));
        }
    }

    /// `static/rules.json` is what the page fetches for the rules' guidance: it must be
    /// the current docs. `KS_BLESS=1 cargo test -p keras-sentinel-web --lib rule_heads`
    /// rewrites it.
    #[test]
    fn the_rules_asset_is_the_current_documentation() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../static/rules.json");
        let want = crate::rule_docs_json() + "\n";
        if std::env::var_os("KS_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "static/rules.json is stale: run KS_BLESS=1 cargo test -p keras-sentinel-web --lib rule_heads"
        );
    }
}

//! Rules: one type per rule. Each carries its code, severity, CVE ids and the
//! documentation users see (CLI `explain`, the page's FAQ), in English and Turkish.
//! Rules never parse bytes; they turn what the readers and the analysis found into
//! findings.

/// Declares a rule: a unit type implementing [`Rule`], with its doc comment (what it
/// detects, for developers) and its user-facing text in English and Turkish.
macro_rules! rule {
    ($(#[$doc:meta])* $name:ident, $code:literal, $sev:ident, [$($cve:literal),*], $en:expr, $tr:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl $crate::rules::Rule for $name {
            const CODE: &'static str = $code;
            const SEVERITY: $crate::report::Severity = $crate::report::Severity::$sev;
            const CVES: &'static [&'static str] = &[$($cve),*];
            const EN: $crate::rules::Text = $en;
            const TR: $crate::rules::Text = $tr;
        }
    };
}

pub mod archive;
pub mod code;
pub mod config;
pub mod hdf5;
pub mod lambda;
pub mod readings;
pub mod sinks;

use crate::report::Severity;

/// User-facing text of a rule, in one language.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub title: &'static str,
    /// What the rule detects.
    pub what: &'static str,
    /// Why it is dangerous.
    pub why: &'static str,
    /// What to do.
    pub remedy: &'static str,
    /// Frequently asked questions: (question, answer).
    pub faq: &'static [(&'static str, &'static str)],
}

/// A rule's identity and documentation.
pub trait Rule {
    const CODE: &'static str;
    const SEVERITY: Severity;
    const CVES: &'static [&'static str] = &[];
    const EN: Text;
    const TR: Text;
}

/// A rule's documentation as data (for listings, `explain`, and the page).
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub code: &'static str,
    pub severity: Severity,
    pub cves: &'static [&'static str],
    pub en: Text,
    pub tr: Text,
}

impl RuleDoc {
    pub const fn of<R: Rule>() -> RuleDoc {
        RuleDoc { code: R::CODE, severity: R::SEVERITY, cves: R::CVES, en: R::EN, tr: R::TR }
    }

    /// One paragraph for a finding: what, why, what to do.
    pub fn explanation(&self) -> String {
        format!("{} {} {}", self.en.what, self.en.why, self.en.remedy)
    }
}

/// What a finding takes from its rule: code, severity, CVEs and English title. The
/// scanner refers to rules through this, not [`RuleDoc`], so the page (its app and scanning
/// workers are one wasm module) carries none of the rules' explanations: the page shows
/// them from `rules.json`, and only the CLI and the exporter write them into reports
/// ([`RuleRef::explanation`] reads [`ALL`]). The texts were ~5 KB of the page's gzipped wasm.
#[derive(Debug, Clone, Copy)]
pub struct RuleRef {
    pub code: &'static str,
    pub severity: Severity,
    pub cves: &'static [&'static str],
    pub title: &'static str,
}

impl RuleRef {
    pub const fn of<R: Rule>() -> RuleRef {
        RuleRef { code: R::CODE, severity: R::SEVERITY, cves: R::CVES, title: R::EN.title }
    }

    /// One paragraph for a finding: what, why, what to do ([`RuleDoc::explanation`]).
    pub fn explanation(&self) -> String {
        find(self.code).map(RuleDoc::explanation).unwrap_or_default()
    }
}

/// Every rule the scanner has.
pub const ALL: &[RuleDoc] = &[
    RuleDoc::of::<lambda::MaliciousLambda>(),
    RuleDoc::of::<lambda::SuspiciousLambda>(),
    RuleDoc::of::<lambda::LambdaPresent>(),
    RuleDoc::of::<lambda::FunctionReference>(),
    RuleDoc::of::<lambda::JsonLeniency>(),
    RuleDoc::of::<lambda::WindowsRepair>(),
    RuleDoc::of::<config::ModuleOutsideKeras>(),
    RuleDoc::of::<config::LoadingGadget>(),
    RuleDoc::of::<config::TorchModule>(),
    RuleDoc::of::<config::LookupVocabularyPath>(),
    RuleDoc::of::<config::TfsmLayerPath>(),
    RuleDoc::of::<config::LayerNameTraversal>(),
    RuleDoc::of::<config::CustomClass>(),
    RuleDoc::of::<config::Hdf5ExternalStorage>(),
    RuleDoc::of::<hdf5::Hdf5HiddenName>(),
    RuleDoc::of::<config::SavedModelOp>(),
    RuleDoc::of::<archive::PickleMember>(),
    RuleDoc::of::<archive::ExecutableMember>(),
    RuleDoc::of::<archive::MemberPathTraversal>(),
    RuleDoc::of::<readings::Polyglot>(),
    RuleDoc::of::<readings::OverlappingEntries>(),
];

/// Every rule as the scanner refers to it (English texts only: see [`RuleRef`]).
pub const REFS: &[RuleRef] = &[
    lambda::MALICIOUS,
    lambda::SUSPICIOUS,
    lambda::PRESENT,
    lambda::REFERENCE,
    lambda::LENIENCY,
    lambda::WINDOWS,
    config::MODULE,
    config::GADGET,
    config::TORCH,
    config::VOCAB,
    config::TFSM,
    config::NAME,
    config::CUSTOM,
    config::HDF5,
    hdf5::HIDDEN,
    config::OP,
    archive::PICKLE,
    archive::EXEC,
    archive::PATH,
    readings::POLYGLOT,
    readings::OVERLAP,
];

/// The rule of a finding code, without the page-only texts.
pub fn reference(code: &str) -> Option<&'static RuleRef> {
    REFS.iter().find(|r| r.code == code)
}

pub fn find(code: &str) -> Option<&'static RuleDoc> {
    ALL.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Every rule's code, in [`ALL`]'s order, without the documentation (evaluated at compile
/// time): what checks a code use, so the page's scanning worker, which parses policies,
/// does not carry every rule's Turkish text and FAQ (`bench/wasm_size.sh`).
pub const CODES: [&str; ALL.len()] = {
    let mut codes = [""; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        codes[i] = ALL[i].code;
        i += 1;
    }
    codes
};

/// Is `code` a rule's code (ASCII case-insensitive, as [`find`])?
pub fn is_code(code: &str) -> bool {
    CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_in_both_languages() {
        let mut codes = std::collections::HashSet::new();
        for r in ALL {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            for t in [r.en, r.tr] {
                assert!(
                    !t.title.is_empty() && !t.what.is_empty() && !t.why.is_empty() && !t.remedy.is_empty(),
                    "{}",
                    r.code
                );
            }
            assert_eq!(r.en.faq.len(), r.tr.faq.len(), "{}: FAQ differs between languages", r.code);
        }
        assert!(find("pait-keras-101").is_some());
        assert!(is_code("pait-keras-101") && !is_code("PAIT-KERAS-1"));
        assert_eq!(CODES.to_vec(), ALL.iter().map(|r| r.code).collect::<Vec<_>>());
    }

    #[test]
    fn every_rule_the_scanner_uses_is_documented_with_the_same_text() {
        assert_eq!(REFS.len(), ALL.len(), "a rule is missing from REFS or ALL");
        for r in REFS {
            let doc = find(r.code).unwrap_or_else(|| panic!("{} not in rules::ALL", r.code));
            assert_eq!((r.severity, r.cves, r.title), (doc.severity, doc.cves, doc.en.title), "{}", r.code);
            assert!(r.explanation().len() > 100 && r.explanation() == doc.explanation(), "{}", r.code);
        }
    }
}

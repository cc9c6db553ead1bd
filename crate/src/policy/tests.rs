use super::*;
use crate::report::{Evidence, Location, ScanError, Stats, Verdict};

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn finding(code: &'static str, severity: Severity, evidence: Evidence) -> Finding {
    Finding { code, severity, title: None, layer: String::new(), location: Location::default(), evidence }
}

fn report(findings: Vec<Finding>, errors: Vec<ScanError>) -> FileReport {
    let verdict = FileReport::compute_verdict(&findings, &errors);
    FileReport {
        path: "m.keras".into(),
        format: "zip".into(),
        verdict,
        findings,
        errors,
        keras_version: None,
        stats: Stats::default(),
        sha256: None,
        policy: None,
        model: None,
    }
}

fn lambda(code: &'static str, sev: Severity, sha: &str, calls: &[&str]) -> Finding {
    finding(
        code,
        sev,
        Evidence {
            sha256: Some(sha.into()),
            calls: calls.iter().map(|s| s.to_string()).collect(),
            ..Evidence::default()
        },
    )
}

#[test]
fn the_default_is_the_contract() {
    let p = Policy::default();
    let cx = Context::default();
    let mal = report(vec![lambda("PAIT-KERAS-101", Severity::Critical, H1, &["os.system('id')"])], vec![]);
    assert_eq!(apply(&p, &mal, &cx).action, Action::Block);
    let sus = report(vec![lambda("PAIT-KERAS-102", Severity::High, H1, &[])], vec![]);
    assert_eq!(apply(&p, &sus, &cx).action, Action::Block);
    let lam = report(vec![lambda("PAIT-KERAS-100", Severity::Medium, H1, &["tf.reduce_sum(x)"])], vec![]);
    assert_eq!(apply(&p, &lam, &cx).action, Action::Warn);
    let review = report(vec![finding("KS-CUSTOM-CLASS", Severity::Medium, Evidence::default())], vec![]);
    assert_eq!(review.verdict, Verdict::Review);
    assert_eq!(apply(&p, &review, &cx).action, Action::Warn);
    let clean = report(vec![finding("KS-JSON-LENIENCY", Severity::Info, Evidence::default())], vec![]);
    assert!(apply(&p, &clean, &cx).passes());
    let err = report(vec![], vec![ScanError::unreadable("x", "truncated")]);
    assert_eq!(err.verdict, Verdict::Error);
    assert_eq!(apply(&p, &err, &cx).action, Action::Block);
}

#[test]
fn verdict_names_refine_medium_and_codes_still_win() {
    let p = Policy::parse(
        "version = 1\n[actions]\nmedium = \"warn\"\nreview = \"block\"\nlambda = \"ignore\"\n[codes]\n\"KS-WINDOWS-REPAIR\" = \"warn\"\n",
        "p.toml",
    )
    .unwrap();
    let cx = Context::default();
    let custom = finding("KS-CUSTOM-CLASS", Severity::Medium, Evidence::default());
    let lam = lambda("PAIT-KERAS-100", Severity::Medium, H1, &[]);
    assert_eq!(apply(&p, &report(vec![custom.clone()], vec![]), &cx).action, Action::Block);
    assert_eq!(apply(&p, &report(vec![lam.clone()], vec![]), &cx).action, Action::Ignore);
    // A high custom class (a whole custom model) keeps the high action.
    let high = finding("KS-CUSTOM-CLASS", Severity::High, Evidence::default());
    assert_eq!(apply(&p, &report(vec![high], vec![]), &cx).action, Action::Block);
    let p =
        Policy::parse("version = 1\n[actions]\nreview = \"ignore\"\n[codes]\n\"KS-CUSTOM-CLASS\" = \"block\"\n", "p")
            .unwrap();
    assert_eq!(apply(&p, &report(vec![custom], vec![]), &cx).action, Action::Block, "a code beats a verdict");
    assert_eq!(apply(&p, &report(vec![lam], vec![]), &cx).action, Action::Warn, "lambda unset: medium's");
}

#[test]
fn per_code_overrides_per_severity() {
    let p = Policy::parse(
        "version = 1\n[actions]\nmedium = \"block\"\nhigh = \"warn\"\n[codes]\n\"PAIT-KERAS-100\" = \"ignore\"\n",
        "p.toml",
    )
    .unwrap();
    let cx = Context::default();
    let r = report(
        vec![
            lambda("PAIT-KERAS-100", Severity::Medium, H1, &[]),
            finding("KS-CUSTOM-CLASS", Severity::Medium, Evidence::default()),
        ],
        vec![],
    );
    let d = apply(&p, &r, &cx);
    assert_eq!(d.findings.iter().map(|f| f.action).collect::<Vec<_>>(), [Action::Ignore, Action::Block]);
    assert_eq!(d.action, Action::Block);
    let sus = report(vec![lambda("PAIT-KERAS-102", Severity::High, H1, &[])], vec![]);
    assert_eq!(apply(&p, &sus, &cx).action, Action::Warn);
}

#[test]
fn allowlisted_lambda_anywhere_and_expiry() {
    let text = format!(
        "version = 1\n[[allow]]\nlambda_sha256 = \"{H1}\"\nreason = \"reviewed in SEC-12\"\nreviewer = \"ayse\"\nexpires = 2027-01-31\n"
    );
    let p = Policy::parse(&text, "p.toml").unwrap();
    let r = report(
        vec![lambda("PAIT-KERAS-102", Severity::High, H1, &[]), lambda("PAIT-KERAS-100", Severity::Medium, H2, &[])],
        vec![],
    );
    let d = apply(&p, &r, &Context { today: Some("2026-12-01"), ..Context::default() });
    assert_eq!(d.findings[0].action, Action::Ignore);
    assert_eq!(d.findings[0].allowed_by.as_ref().unwrap().reviewer, "ayse");
    assert_eq!(d.findings[1].action, Action::Warn);
    assert_eq!(d.action, Action::Warn);
    assert!(d.notes.is_empty());

    let expired = apply(&p, &r, &Context { today: Some("2027-02-01"), ..Context::default() });
    assert_eq!(expired.action, Action::Block);
    assert!(expired.notes[0].text.contains("expired on 2027-01-31"), "{:?}", expired.notes);
    // Without a date an expiring entry cannot be checked: it does not apply.
    assert_eq!(apply(&p, &r, &Context::default()).action, Action::Block);
}

#[test]
fn allowlisted_file_needs_its_hash() {
    let text = format!(
        "version = 1\n[[allow]]\nfile_sha256 = \"{}\"\nreason = \"vendor v3\"\nreviewer = \"sec\"\n",
        H2.to_uppercase()
    );
    let p = Policy::parse(&text, "p.toml").unwrap();
    let r = report(vec![lambda("PAIT-KERAS-101", Severity::Critical, H1, &[])], vec![]);
    assert_eq!(apply(&p, &r, &Context::default()).action, Action::Block);
    let d = apply(&p, &r, &Context { file_sha256: Some(H2), ..Context::default() });
    assert_eq!(d.action, Action::Ignore);
    assert_eq!(d.file_allowed_by.as_ref().unwrap().reason, "vendor v3");
    // Errors still count: an allowed file that could not be read to the end is not passed.
    let e = report(vec![], vec![ScanError::unreadable("x", "limit")]);
    assert_eq!(apply(&p, &e, &Context { file_sha256: Some(H2), ..Context::default() }).action, Action::Block);
}

#[test]
fn trusted_modules_and_policy_sinks() {
    let p = Policy::parse(
        "version = 1\n[trust]\nmodules = [\"acme.layers\"]\n[sinks]\nnames = [\"acme.ops.shell\", \"tensorflow.print\"]\n",
        "p.toml",
    )
    .unwrap();
    let custom =
        |r: &str, sev| finding("KS-CUSTOM-CLASS", sev, Evidence { reference: Some(r.into()), ..Evidence::default() });
    let r = report(
        vec![custom("acme.layers.Attention", Severity::Medium), custom("acmex.layers.A", Severity::Medium)],
        vec![],
    );
    let d = apply(&p, &r, &Context::default());
    assert_eq!(d.findings[0].action, Action::Ignore);
    assert_eq!(d.findings[1].action, Action::Warn, "a prefix match stops at a dot");
    let crit = report(
        vec![finding(
            "KS-CONFIG-MODULE",
            Severity::Critical,
            Evidence { reference: Some("acme.layers.os".into()), ..Evidence::default() },
        )],
        vec![],
    );
    assert_eq!(apply(&p, &crit, &Context::default()).action, Action::Block, "trust never hides a sink");
    let lam = report(vec![lambda("PAIT-KERAS-100", Severity::Medium, H1, &["tensorflow.print(x)"])], vec![]);
    let d = apply(&p, &lam, &Context::default());
    assert_eq!(d.action, Action::Block);
    assert!(d.findings[0].note.as_ref().unwrap().text.contains("tensorflow.print"));
}

#[test]
fn malformed_policies_name_line_column_and_key() {
    let cases = [
        ("version = 2\n", 1, Some("version"), "not supported"),
        ("[actions]\ncritical = \"block\"\n", 1, Some("version"), "missing"),
        ("version = 1\n[actions]\ncritical = \"stop\"\n", 3, Some("actions.critical"), "not an action"),
        ("version = 1\n[actions]\nsevere = \"block\"\n", 3, Some("actions.severe"), "unknown severity"),
        ("version = 1\n[codes]\n\"PAIT-KERAS-999\" = \"warn\"\n", 3, Some("codes.PAIT-KERAS-999"), "no rule"),
        ("version = 1\n\n[[allow]]\nreason = \"r\"\nreviewer = \"x\"\n", 3, Some("allow"), "needs file_sha256"),
        ("version = 1\n[[allow]]\nfile_sha256 = \"abc\"\n", 3, Some("allow.file_sha256"), "64 hexadecimal"),
        ("version = 1\nallowlist = []\n", 2, Some("allowlist"), "unknown key"),
        ("version = 1\n[actions]\ncritical = block\n", 3, None, "strings need quotes"),
    ];
    for (text, line, key, msg) in cases {
        let e = Policy::parse(text, "p.toml").unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert_eq!(e.key.as_deref(), key, "{text:?}: {e}");
        assert!(e.message.text.contains(msg), "{text:?}: {e}");
    }
    let text = format!("version = 1\n[[allow]]\nlambda_sha256 = \"{H1}\"\nreviewer = \"x\"\n");
    let e = Policy::parse(&text, "p.toml").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("allow.reason"), "{e}");
}

#[test]
fn each_allow_entry_is_told_by_its_own_header_line() {
    let entry = |h: &str| format!("[[allow]]\nlambda_sha256 = \"{h}\"\nreason = \"r\"\nreviewer = \"x\"\n");
    let text = format!("version = 1\n\n{}\n{}", entry(H1), entry(&"b".repeat(64)));
    let p = Policy::parse(&text, "p.toml").unwrap();
    assert_eq!(p.allow.iter().map(|a| a.line).collect::<Vec<_>>(), [3, 8]);
    // An error in the second entry names the second header.
    let text = format!("version = 1\n{}[[allow]]\nreviewer = \"x\"\n", entry(H1));
    let e = Policy::parse(&text, "p.toml").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (6, Some("allow")), "{e}");
}

#[test]
fn documented_example_parses() {
    let text = include_str!("../../../docs/policy.example.toml");
    let p = Policy::parse(text, "policy.example.toml").unwrap();
    assert_eq!(p.name, "acme-ml-review");
    assert!(!p.allow.is_empty() && !p.trusted_modules.is_empty() && !p.sinks.is_empty());
}

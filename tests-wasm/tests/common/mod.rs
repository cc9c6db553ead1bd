//! Shared by the browser test binaries.
#![allow(dead_code)]

use serde_json::Value;

pub static MALICIOUS_KERAS: &[u8] = include_bytes!(env!("KS_MALICIOUS_KERAS"));
pub static BENIGN_KERAS: &[u8] = include_bytes!(env!("KS_BENIGN_KERAS"));

/// The bytes of a corpus file, or a panic naming the missing file.
pub fn model(bytes: &'static [u8], missing: &str) -> &'static [u8] {
    assert!(
        missing.is_empty(),
        "test model file missing: {missing} (set KS_SHARED to the directory holding corpus/ and rebuild)"
    );
    bytes
}

pub fn malicious() -> &'static [u8] {
    model(MALICIOUS_KERAS, env!("KS_MALICIOUS_KERAS_MISSING"))
}

pub fn benign() -> &'static [u8] {
    model(BENIGN_KERAS, env!("KS_BENIGN_KERAS_MISSING"))
}

/// Lambda codes: 100 present, 101 malicious, 102 suspicious.
pub fn lambda_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["code"].as_str().is_some_and(|c| c.starts_with("PAIT-KERAS-10"))).collect())
        .unwrap_or_default()
}

/// Checks what is true of the malicious pongleg model now and will stay true: a lambda
/// finding on the layer `functional > lambda`, in config.json, and a verdict that is not
/// clean. (The verdict becomes `malicious` once the bytecode analysis lands; until then
/// it may be suspicious/lambda, or `error` while the HDF5 reader is unfinished.)
pub fn assert_malicious_report(report: &Value) {
    let verdict = report["verdict"].as_str().unwrap_or("");
    assert!(["malicious", "suspicious", "lambda", "error"].contains(&verdict), "verdict {verdict}: {report}");
    let lambdas = lambda_findings(report);
    let f = lambdas.first().unwrap_or_else(|| panic!("no PAIT-KERAS-10x finding: {report}"));
    assert_eq!(f["layer"], "functional > lambda", "{f}");
    assert_eq!(f["location"]["container"], "config.json", "{f}");
}

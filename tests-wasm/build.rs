//! Locates the real model files the browser tests scan (embedded with `include_bytes!`,
//! since a wasm test cannot open files). Default: `<repo>/../shared/corpus`; override with
//! `KS_SHARED=/path/to/shared`. A missing file does not break the build (so workspace
//! builds keep working); the tests that need it fail with a message naming it.
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=KS_SHARED");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let shared = std::env::var("KS_SHARED").map(PathBuf::from).unwrap_or_else(|_| manifest.join("../../shared"));
    for (var, rel) in [
        ("KS_MALICIOUS_KERAS", "corpus/wild/malicious/pongleg-ModelScan_HL__malicious_model.keras"),
        (
            "KS_BENIGN_KERAS",
            "corpus/wild/benign-binary/RishithaKota-Siamese-Network-for-Face-Verification__siamese_model.keras",
        ),
    ] {
        let wanted = shared.join(rel);
        let (path, missing) = match wanted.canonicalize() {
            Ok(p) => (p, String::new()),
            Err(_) => {
                println!("cargo:warning=test model file missing: {} (set KS_SHARED)", wanted.display());
                let empty = out.join(format!("{var}.missing"));
                std::fs::write(&empty, b"").unwrap();
                (empty, wanted.display().to_string())
            }
        };
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-env={var}={}", path.display());
        println!("cargo:rustc-env={var}_MISSING={missing}");
    }
}

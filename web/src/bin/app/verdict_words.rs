//! The words of a verdict on the page: `review` (custom classes whose code the loader
//! supplies), and a clean file with low/info findings, which says how many notes there
//! are to read ("Clean, 3 notes to read") instead of a bare "Clean" over listed findings
//! (detection-rules.md, "Verdict of a file").

use super::*;

/// Verdict strings beyond the main table: (key, English, Turkish).
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("v_review", "Review", "İncelenmeli"),
    ("v_clean_note", "Clean, 1 note to read", "Temiz, okunacak 1 not"),
    ("v_clean_notes", "Clean, {} notes to read", "Temiz, okunacak {} not"),
    ("vd_review", "No embedded code, but the model uses classes whose code must come from the loading program (custom layers, models or objects). That code is not in the file: review it where it lives before loading.", "Gömülü kod yok, ancak model kodu yükleyen programdan gelmesi gereken sınıflar kullanıyor (özel katmanlar, modeller veya nesneler). Bu kod dosyada değil: yüklemeden önce bulunduğu yerde inceleyin."),
    ("vd_clean_notes", "No embedded code and nothing dangerous, but {} low or informational findings are listed below: read them before trusting the file.", "Gömülü kod ve tehlikeli bir şey yok, ancak aşağıda {} düşük önemli veya bilgi amaçlı bulgu listeleniyor: dosyaya güvenmeden önce okuyun."),
];

/// Findings below `medium`: the notes a clean file still lists.
pub fn notes(r: &Value) -> usize {
    let findings = r.get("findings").and_then(Value::as_array);
    findings.map_or(0, |f| f.iter().filter(|f| matches!(s(f, "severity"), "low" | "info")).count())
}

/// The badge text: the verdict's name, with the number of notes for a clean file.
pub fn badge(lang: Lang, verdict: &str, notes: usize) -> String {
    match (verdict, notes) {
        ("clean", 1) => t(lang, "v_clean_note").to_string(),
        ("clean", n) if n > 1 => tf(lang, "v_clean_notes", &[&n.to_string()]),
        (v, _) => t(lang, &format!("v_{v}")).to_string(),
    }
}

/// The sentence under the badge.
pub fn sentence(lang: Lang, verdict: &str, notes: usize) -> String {
    match notes {
        n if verdict == "clean" && n > 0 => tf(lang, "vd_clean_notes", &[&n.to_string()]),
        _ => t(lang, &format!("vd_{verdict}")).to_string(),
    }
}

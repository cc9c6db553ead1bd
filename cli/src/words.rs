//! The words of the text output in each language (`scan --tr`): labels, verdict and
//! severity names, the summary and the policy lines. The report's own sentences
//! (evidence, errors, locations, policy notes) come from the core's message catalogue;
//! these are the CLI's frame around them. (key, English, Turkish); `{}` placeholders
//! are filled in order, and a test checks both languages have the same number.

pub const WORDS: &[(&str, &str, &str)] = &[
    ("v_malicious", "MALICIOUS", "KÖTÜ AMAÇLI"),
    ("v_suspicious", "SUSPICIOUS", "ŞÜPHELİ"),
    ("v_lambda", "LAMBDA", "LAMBDA"),
    ("v_review", "REVIEW", "İNCELENMELİ"),
    ("v_clean", "CLEAN", "TEMİZ"),
    ("v_error", "ERROR", "HATA"),
    ("s_critical", "CRITICAL", "KRİTİK"),
    ("s_high", "HIGH", "YÜKSEK"),
    ("s_medium", "MEDIUM", "ORTA"),
    ("s_low", "LOW", "DÜŞÜK"),
    ("s_info", "INFO", "BİLGİ"),
    ("error", "ERROR", "HATA"),
    ("file_head", "({}, {}, read {})", "({}, {}, {} okundu)"),
    ("layer", "layer", "katman"),
    ("location", "location", "konum"),
    ("python", "python", "python"),
    ("source", "source", "kaynak"),
    ("calls", "calls", "çağrılar"),
    ("strings", "strings", "dizgeler"),
    ("category", "category", "kategori"),
    ("reference", "reference", "başvuru"),
    ("imports", "imports", "içe aktar"),
    ("payload", "payload", "yük"),
    ("bytes", "{} bytes", "{} bayt"),
    ("note", "note", "not"),
    ("cve", "cve", "cve"),
    ("also_at", "also at", "ayrıca"),
    ("clean_note", "clean, 1 note to read", "temiz, okunacak 1 not"),
    ("clean_notes", "clean, {} notes to read", "temiz, okunacak {} not"),
    ("clean_nothing", "clean: nothing dangerous found", "temiz: tehlikeli bir şey bulunamadı"),
    (
        "review_line",
        "review: no embedded code, but classes whose code the loader must supply",
        "incelenmeli: gömülü kod yok, ancak kodunu yükleyen programın sağlaması gereken sınıflar var",
    ),
    ("a_block", "BLOCK", "ENGELLE"),
    ("a_warn", "WARN", "UYAR"),
    ("a_pass", "PASS", "GEÇ"),
    ("action_block", "block", "engelle"),
    ("action_warn", "warn", "uyar"),
    ("action_ignore", "ignore", "yoksay"),
    ("by_policy", "by policy {}", "politika: {}"),
    (
        "file_allowed",
        "file allowed by line {} (reviewer {}: {})",
        "dosyaya {}. satırla izin verildi (inceleyen {}: {})",
    ),
    (
        "finding_allowed",
        "{} {} allowed by line {} (reviewer {}: {})",
        "{} {}: {}. satırla izin verildi (inceleyen {}: {})",
    ),
    ("policy_note", "note: {}", "not: {}"),
    ("policy_unreadable", "policy {}: cannot read: {}", "politika {}: okunamıyor: {}"),
    ("policy_error", "policy {}: {}", "politika {}: {}"),
    (
        "summary",
        "{} files: {} malicious, {} suspicious, {} lambda, {} review, {} clean, {} error",
        "{} dosya: {} kötü amaçlı, {} şüpheli, {} lambda, {} incelenmeli, {} temiz, {} hata",
    ),
    ("skipped", "{} paths skipped:", "{} yol atlandı:"),
    (
        "skip_not_model",
        "not a model file name (.keras, .h5, .hdf5, .json, .zip, *keras_metadata.pb, saved_model.pb)",
        "model dosyası adı değil (.keras, .h5, .hdf5, .json, .zip, *keras_metadata.pb, saved_model.pb)",
    ),
    ("skip_link_dir", "symbolic link to a directory (not followed)", "bir dizine sembolik bağlantı (izlenmedi)"),
    ("skip_link", "symbolic link (not a model file)", "sembolik bağlantı (model dosyası değil)"),
    ("skip_stat", "cannot stat", "durum bilgisi alınamıyor"),
    ("skip_deep", "directory nested deeper than {} levels", "dizin {} düzeyden daha derin"),
    ("skip_read_dir", "cannot read directory: {}", "dizin okunamıyor: {}"),
    ("t_overview", "model overview:", "model genel görünümü:"),
    ("t_no_layers", "(no layers were read)", "(hiç katman okunmadı)"),
    ("t_level", "(level {}) ", "(düzey {}) "),
    ("t_shared", "shared", "paylaşılan"),
    ("t_shared_object", "shared object", "paylaşılan nesne"),
    ("t_called", ", called {}×", ", {} kez çağrıldı"),
    (
        "t_more",
        "… {} more layer(s) and {} finding place(s) not shown (limit {})",
        "… gösterilmeyen {} katman ve {} bulgu yeri daha (sınır {})",
    ),
    ("sl_critical", "critical", "kritik"),
    ("sl_high", "high", "yüksek"),
    ("sl_medium", "medium", "orta"),
    ("sl_low", "low", "düşük"),
    ("sl_info", "info", "bilgi"),
    ("k_model", "model", "model"),
    ("k_wrapper", "wrapper", "sarmalayıcı"),
    ("k_lambda", "lambda", "lambda"),
    ("k_custom", "custom class", "özel sınıf"),
    ("k_layer", "layer", "katman"),
];

/// The language of the text output: English, or Turkish (`scan --tr`).
#[derive(Clone, Copy, Default)]
pub struct Lang {
    pub turkish: bool,
}

impl Lang {
    /// The word for `key` (the key itself when the table has none: a bug the tests catch).
    pub fn w(self, key: &str) -> &'static str {
        match WORDS.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, tr)) => {
                if self.turkish {
                    tr
                } else {
                    en
                }
            }
            None => "",
        }
    }

    /// `w(key)` with its `{}` filled in order.
    pub fn f(self, key: &str, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = String::new();
        let mut rest = self.w(key);
        for a in args {
            match rest.find("{}") {
                Some(i) => {
                    out.push_str(&rest[..i]);
                    out.push_str(&a.to_string());
                    rest = &rest[i + 2..];
                }
                None => break,
            }
        }
        out.push_str(rest);
        out
    }

    /// A report message in this language.
    pub fn msg(self, m: &keras_sentinel::messages::Message) -> String {
        if self.turkish {
            m.turkish()
        } else {
            m.text.clone()
        }
    }

    /// A location label of the report in this language.
    pub fn place(self, label: &str) -> String {
        if self.turkish {
            keras_sentinel::messages::render_place(label, &keras_sentinel::messages::tr::lookup)
        } else {
            label.to_string()
        }
    }

    /// A finding's location in this language.
    pub fn location(self, l: &keras_sentinel::report::Location) -> String {
        if self.turkish {
            l.render(&keras_sentinel::messages::tr::lookup)
        } else {
            l.to_string()
        }
    }

    /// A skipped path's reason: the walker writes it in English; known ones are translated.
    pub fn skip_reason(self, reason: &str) -> String {
        if !self.turkish {
            return reason.to_string();
        }
        for key in ["skip_not_model", "skip_link_dir", "skip_link", "skip_stat"] {
            if reason == Lang::default().w(key) {
                return self.w(key).to_string();
            }
        }
        if let Some(e) = reason.strip_prefix("cannot read directory: ") {
            return self.f("skip_read_dir", &[&e]);
        }
        let deep = Lang::default().w("skip_deep");
        if let Some(n) =
            reason.strip_prefix(&deep[..deep.find("{}").unwrap_or(0)]).and_then(|r| r.strip_suffix(" levels"))
        {
            return self.f("skip_deep", &[&n]);
        }
        reason.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_both_languages_with_the_same_placeholders() {
        let mut keys = std::collections::HashSet::new();
        for (k, en, tr) in WORDS {
            assert!(keys.insert(k), "duplicate key {k}");
            assert!(!en.is_empty() && !tr.is_empty(), "{k}: a language is empty");
            assert_eq!(en.matches("{}").count(), tr.matches("{}").count(), "{k}: placeholders differ");
        }
    }

    #[test]
    fn skip_reasons_are_translated_and_unknown_ones_kept() {
        let tr = Lang { turkish: true };
        assert_eq!(tr.skip_reason("cannot stat"), "durum bilgisi alınamıyor");
        assert_eq!(tr.skip_reason("directory nested deeper than 64 levels"), "dizin 64 düzeyden daha derin");
        assert_eq!(tr.skip_reason("cannot read directory: denied"), "dizin okunamıyor: denied");
        assert_eq!(tr.skip_reason("something else"), "something else");
        assert_eq!(Lang::default().skip_reason("cannot stat"), "cannot stat");
    }
}

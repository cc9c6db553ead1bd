//! The Lambda rules: PAIT-KERAS-101 / 102 / 100, function references, and JSON that
//! only Python's lenient parser reads.

use super::{RuleRef, Text};

const FAQ_WHY_LOAD_EN: (&str, &str) = (
    "Does the code run if I only load the model?",
    "Yes. Keras rebuilds Functional and Sequential models by calling every layer on symbolic inputs while loading, so a Lambda's code runs inside load_model itself. safe_mode does not protect legacy .h5, JSON or SavedModel loads in Keras 2, and many users turn it off to load Lambda models.",
);
const FAQ_WHY_LOAD_TR: (&str, &str) = (
    "Modeli yalnızca yüklersem kod çalışır mı?",
    "Evet. Keras, Functional ve Sequential modelleri yüklerken her katmanı sembolik girdilerle çağırarak yeniden kurar; bu yüzden Lambda kodu load_model sırasında çalışır. safe_mode, Keras 2'de eski .h5, JSON ve SavedModel yüklemelerini korumaz ve birçok kullanıcı Lambda modellerini yüklemek için onu kapatır.",
);
const FAQ_UPLOAD_EN: (&str, &str) = (
    "Was my model uploaded anywhere?",
    "No. The scan runs entirely in your browser (or in the CLI on your machine); the page makes no network request and the file never leaves your computer.",
);
const FAQ_UPLOAD_TR: (&str, &str) = (
    "Modelim bir yere yüklendi mi?",
    "Hayır. Tarama tamamen tarayıcınızda (ya da CLI ile kendi makinenizde) çalışır; sayfa hiçbir ağ isteği yapmaz ve dosya bilgisayarınızdan çıkmaz.",
);

rule!(
    /// PAIT-KERAS-101 — malicious code in a Lambda.
    ///
    /// The embedded function reaches a sink no tensor computation needs: command execution,
    /// eval/exec, code-executing deserializers, native code, file writes, sandbox escapes —
    /// however it is reached (`__import__`, `getattr` with a computed name, decoded strings).
    MaliciousLambda, "PAIT-KERAS-101", Critical, ["CVE-2024-3660"],
    Text {
        title: "Malicious code in a Lambda layer",
        what: "The model embeds Python code that reaches a dangerous operation (command execution, eval/exec, a code-executing deserializer, native code, file writes or a sandbox escape).",
        why: "Keras runs this code when the model is loaded, with the loading user's privileges: loading the file is enough to run it.",
        remedy: "Do not load this model. Report it to its provider, and if it was already loaded, treat the machine as compromised.",
        faq: &[
            FAQ_WHY_LOAD_EN,
            ("Could this be a false alarm?", "The finding lists the resolved calls and the reconstructed source. A legitimate model never needs os.system, subprocess, exec or similar; read the evidence before deciding anything else."),
            FAQ_UPLOAD_EN,
        ],
    },
    Text {
        title: "Lambda katmanında zararlı kod",
        what: "Model, tehlikeli bir işleme (komut çalıştırma, eval/exec, kod çalıştıran bir seri çözücü, yerel kod, dosya yazma veya sanal ortamdan kaçış) ulaşan Python kodu içeriyor.",
        why: "Keras bu kodu model yüklenirken, yükleyen kullanıcının yetkileriyle çalıştırır: dosyayı yüklemek kodu çalıştırmaya yeter.",
        remedy: "Bu modeli yüklemeyin. Sağlayıcısına bildirin; daha önce yüklendiyse makineyi ele geçirilmiş kabul edin.",
        faq: &[
            FAQ_WHY_LOAD_TR,
            ("Bu yanlış alarm olabilir mi?", "Bulgu, çözümlenen çağrıları ve yeniden oluşturulan kaynak kodu listeler. Meşru bir model os.system, subprocess, exec veya benzerlerine asla ihtiyaç duymaz; karar vermeden önce kanıtları okuyun."),
            FAQ_UPLOAD_TR,
        ],
    }
);

rule!(
    /// PAIT-KERAS-102 — suspicious operator in a Lambda.
    ///
    /// Behaviour unusual and dangerous for a model component without a definitive sink:
    /// environment reads, network, host fingerprinting, file reads, obfuscation, background
    /// work, foreign imports — or code that cannot be verified at all.
    SuspiciousLambda, "PAIT-KERAS-102", High, ["CVE-2024-3660"],
    Text {
        title: "Suspicious operator in a Lambda layer",
        what: "The model embeds Python code that does something unusual for a model (reads the environment or files, touches the network, fingerprints the host, decodes obfuscated strings, imports modules outside the machine-learning set) or that cannot be verified: it calls something that is not a reviewed tensor operation, or a value the analysis could not follow.",
        why: "The code runs when the model loads. Such operations are how payloads exfiltrate secrets, stage further attacks or hide from simple scanners.",
        remedy: "Do not promote this model without a review of the reconstructed code. Ask the provider for a version without Lambda layers, or analyse it in an isolated environment.",
        faq: &[
            FAQ_WHY_LOAD_EN,
            ("Why is code that could not be decoded suspicious?", "A scanner that cannot read code cannot vouch for it. Keras may still load it; treat it as unknown, not as safe."),
            FAQ_UPLOAD_EN,
        ],
    },
    Text {
        title: "Lambda katmanında şüpheli işlem",
        what: "Model, bir model için olağandışı işler yapan (ortam değişkenlerini veya dosyaları okuyan, ağa erişen, makineyi parmak izleyen, gizlenmiş metinleri çözen, makine öğrenmesi dışındaki modülleri içe aktaran) ya da doğrulanamayan Python kodu içeriyor: incelenmiş bir tensör işlemi olmayan bir şeyi ya da analizin izleyemediği bir değeri çağırıyor.",
        why: "Kod model yüklenirken çalışır. Bu tür işlemler, zararlı yüklerin gizli bilgileri sızdırma, sonraki saldırıları hazırlama veya basit tarayıcılardan saklanma yoludur.",
        remedy: "Yeniden oluşturulan kod incelenmeden bu modeli üretime almayın. Sağlayıcıdan Lambda katmanı içermeyen bir sürüm isteyin ya da modeli yalıtılmış bir ortamda inceleyin.",
        faq: &[
            FAQ_WHY_LOAD_TR,
            ("Çözülemeyen kod neden şüpheli sayılıyor?", "Kodu okuyamayan bir tarayıcı ona kefil olamaz. Keras onu yine de yükleyebilir; güvenli değil, bilinmeyen olarak değerlendirin."),
            FAQ_UPLOAD_TR,
        ],
    }
);

rule!(
    /// PAIT-KERAS-100 — a Lambda that only does tensor work.
    ///
    /// The code was decoded and does ordinary work; it still runs at load time, so it is
    /// reported with its reconstructed source for a reviewer to read.
    LambdaPresent, "PAIT-KERAS-100", Medium, [],
    Text {
        title: "Lambda layer with embedded code",
        what: "The model embeds Python code (a Lambda) that was decoded and proven to do only ordinary work: every call is a reviewed tensor or math operation, a method of its inputs, nested code proven the same way, or a helper the loading program supplies (listed in the notes).",
        why: "It still executes when the model loads; embedded code is a channel a later version of the file could abuse.",
        remedy: "Read the reconstructed source. If it is what you expect, accept the model; otherwise ask for a version that replaces the Lambda with a standard or registered layer.",
        faq: &[FAQ_WHY_LOAD_EN, FAQ_UPLOAD_EN],
    },
    Text {
        title: "Gömülü kod içeren Lambda katmanı",
        what: "Model, çözümlenen ve yalnızca olağan işler yaptığı kanıtlanan Python kodu (bir Lambda) içeriyor: her çağrı incelenmiş bir tensör ya da matematik işlemi, girdilerinin bir yöntemi, aynı şekilde kanıtlanmış iç içe kod ya da yükleyen programın sağladığı bir yardımcıdır (notlarda listelenir).",
        why: "Bu kod yine de model yüklenirken çalışır; gömülü kod, dosyanın sonraki bir sürümünün kötüye kullanabileceği bir kanaldır.",
        remedy: "Yeniden oluşturulan kaynak kodu okuyun. Beklediğiniz gibiyse modeli kabul edin; değilse Lambda yerine standart veya kayıtlı bir katman kullanan bir sürüm isteyin.",
        faq: &[FAQ_WHY_LOAD_TR, FAQ_UPLOAD_TR],
    }
);

rule!(
    /// KS-FUNCTION-REF — a function referenced by name.
    ///
    /// The file names a function instead of embedding it; its code comes from the loading
    /// environment. Harmless for a user's own helper, critical when the name is a sink.
    FunctionReference, "KS-FUNCTION-REF", Low, [],
    Text {
        title: "Function referenced by name",
        what: "A layer or config calls a function by its name; the function's code is not in the file.",
        why: "The code comes from whatever the loading environment provides under that name. A name that is itself a dangerous callable (exec, os.system, keras.utils.get_file) is reported as malicious.",
        remedy: "Make sure the named function comes from code you trust before loading the model.",
        faq: &[FAQ_UPLOAD_EN],
    },
    Text {
        title: "Adıyla başvurulan fonksiyon",
        what: "Bir katman veya yapılandırma bir fonksiyonu adıyla çağırıyor; fonksiyonun kodu dosyada yok.",
        why: "Kod, yükleme ortamının bu ad altında sağladığı şeyden gelir. Adın kendisi tehlikeli bir çağrılabilir ise (exec, os.system, keras.utils.get_file) bulgu zararlı olarak raporlanır.",
        remedy: "Modeli yüklemeden önce adı geçen fonksiyonun güvendiğiniz koddan geldiğinden emin olun.",
        faq: &[FAQ_UPLOAD_TR],
    }
);

rule!(
    /// KS-JSON-LENIENCY — JSON only Python's lenient parser reads as Keras does.
    ///
    /// Duplicate keys (Python keeps the last), NaN/Infinity, unpaired surrogates: a scanner
    /// with a strict parser reads these differently from Keras. All values are scanned.
    JsonLeniency, "KS-JSON-LENIENCY", Info, [],
    Text {
        title: "Config relies on Python's lenient JSON",
        what: "The config uses JSON that strict parsers reject or read differently (duplicate keys, NaN/Infinity, unpaired surrogates).",
        why: "Different readers may see different models: a payload can hide in the value one scanner ignores. Keras Sentinel scans every value.",
        remedy: "Ask the provider why the file contains such JSON; a normal Keras save never writes duplicate keys.",
        faq: &[],
    },
    Text {
        title: "Yapılandırma Python'un esnek JSON okumasına dayanıyor",
        what: "Yapılandırma, katı ayrıştırıcıların reddettiği veya farklı okuduğu JSON içeriyor (yinelenen anahtarlar, NaN/Infinity, eşleşmemiş vekil karakterler).",
        why: "Farklı okuyucular farklı modeller görebilir: zararlı yük, bir tarayıcının yok saydığı değerde saklanabilir. Keras Sentinel her değeri tarar.",
        remedy: "Sağlayıcıya dosyanın neden böyle JSON içerdiğini sorun; normal bir Keras kaydı asla yinelenen anahtar yazmaz.",
        faq: &[],
    }
);

rule!(
    /// KS-WINDOWS-REPAIR — bytecode damaged by Keras' Windows save, repaired before analysis.
    ///
    /// On Windows, tf.keras and Keras 3 replace every 0x5C byte of the marshalled code with
    /// 0x2F; the scanner finds the original bytes before analysing the code.
    WindowsRepair, "KS-WINDOWS-REPAIR", Info, [],
    Text {
        title: "Bytecode altered by a Windows save, repaired",
        what: "The model was saved on Windows, where Keras replaces every backslash byte of the marshalled code with a slash; this damaged the bytecode, and the scanner restored it before analysis.",
        why: "Damaged bytecode may fail to load, or load and compute something else (for example `x + 92` becomes `x + 47`). The analysis reports what the repaired code does.",
        remedy: "Nothing to do for security; if the model misbehaves after loading, re-save it on Linux or macOS.",
        faq: &[],
    },
    Text {
        title: "Windows kaydıyla bozulan bayt kodu onarıldı",
        what: "Model Windows'ta kaydedilmiş; Keras orada sıralanmış koddaki her ters eğik çizgi baytını eğik çizgiye çevirir. Bu bayt kodunu bozmuş ve tarayıcı onu analizden önce eski haline getirmiştir.",
        why: "Bozuk bayt kodu yüklenemeyebilir ya da yüklenip başka bir şey hesaplayabilir (örneğin `x + 92`, `x + 47` olur). Analiz, onarılmış kodun ne yaptığını raporlar.",
        remedy: "Güvenlik açısından yapılacak bir şey yok; model yüklendikten sonra hatalı davranırsa Linux veya macOS'ta yeniden kaydedin.",
        faq: &[],
    }
);

pub const MALICIOUS: RuleRef = RuleRef::of::<MaliciousLambda>();
pub const SUSPICIOUS: RuleRef = RuleRef::of::<SuspiciousLambda>();
pub const PRESENT: RuleRef = RuleRef::of::<LambdaPresent>();
pub const REFERENCE: RuleRef = RuleRef::of::<FunctionReference>();
pub const LENIENCY: RuleRef = RuleRef::of::<JsonLeniency>();
pub const WINDOWS: RuleRef = RuleRef::of::<WindowsRepair>();

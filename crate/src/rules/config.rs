//! Config-level rules: the Keras load-time CVEs that need no Lambda
//! (keras-cves.md). Each finding names the CVE ids it covers and the Keras versions it
//! affects; `keras_version` in the file never lowers a severity (it is attacker-written).

use super::{RuleRef, Text};

rule!(
    /// A serialized object names a module outside Keras' own packages: Keras 3.0 – 3.8
    /// imports it while loading (CVE-2025-1550). Critical when the module is dangerous.
    ModuleOutsideKeras, "KS-CONFIG-MODULE", High, ["CVE-2025-1550"],
    Text {
        title: "Object from a module outside Keras",
        what: "The config asks Keras to build an object from a module outside keras, keras_hub, keras_cv, keras_nlp, tensorflow and tf_keras.",
        why: "Keras 3.0 – 3.8 imports any module named in a config while loading (CVE-2025-1550), and custom classes run their own code; a dangerous module (os, subprocess, builtins) means code execution.",
        remedy: "Load the model only with Keras >= 3.9 and only if the named module is yours; otherwise ask the provider for a model built from standard layers.",
        faq: &[],
    },
    Text {
        title: "Keras dışındaki bir modülden nesne",
        what: "Yapılandırma, Keras'ın keras, keras_hub, keras_cv, keras_nlp, tensorflow ve tf_keras dışındaki bir modülden nesne oluşturmasını istiyor.",
        why: "Keras 3.0 – 3.8 yükleme sırasında yapılandırmada adı geçen her modülü içe aktarır (CVE-2025-1550) ve özel sınıflar kendi kodlarını çalıştırır; tehlikeli bir modül (os, subprocess, builtins) kod çalıştırma demektir.",
        remedy: "Modeli yalnızca Keras >= 3.9 ile ve yalnızca adı geçen modül size aitse yükleyin; aksi halde sağlayıcıdan standart katmanlarla kurulmuş bir model isteyin.",
        faq: &[],
    }
);

rule!(
    /// A config references a Keras API that loads, downloads or writes files, or turns
    /// safe mode off: safe-mode bypass gadgets (CVE-2025-8747, CVE-2025-9906).
    LoadingGadget, "KS-CONFIG-GADGET", Critical, ["CVE-2025-8747", "CVE-2025-9906", "CVE-2025-12060"],
    Text {
        title: "Keras loading gadget referenced in the config",
        what: "The config calls a Keras function that is not a model component: get_file, load_model, model_from_json, enable_unsafe_deserialization and similar.",
        why: "These functions download files, load further models or switch safe mode off while the model loads; public exploits chain them to run code despite safe_mode (fixed in Keras 3.11 – 3.12.3).",
        remedy: "Do not load this model. A legitimate model never needs these functions in its config.",
        faq: &[],
    },
    Text {
        title: "Yapılandırmada Keras yükleme aracı",
        what: "Yapılandırma, model bileşeni olmayan bir Keras fonksiyonunu çağırıyor: get_file, load_model, model_from_json, enable_unsafe_deserialization ve benzerleri.",
        why: "Bu fonksiyonlar model yüklenirken dosya indirir, başka modeller yükler veya güvenli modu kapatır; bilinen istismarlar bunları safe_mode'a rağmen kod çalıştırmak için zincirler (Keras 3.11 – 3.12.3'te düzeltildi).",
        remedy: "Bu modeli yüklemeyin. Meşru bir modelin yapılandırmasında bu fonksiyonlara asla ihtiyaç olmaz.",
        faq: &[],
    }
);

rule!(
    /// `TorchModuleWrapper` carries a `torch.save` archive that Keras 3.11.0 – 3.11.2 loads
    /// with `torch.load(weights_only=False)`: a pickle (CVE-2025-49655).
    TorchModule, "KS-TORCH-MODULE", Critical, ["CVE-2025-49655"],
    Text {
        title: "TorchModuleWrapper carries a pickled module",
        what: "A TorchModuleWrapper layer embeds a serialized PyTorch module; its pickle's imports are listed in the evidence.",
        why: "Keras 3.11.0 – 3.11.2 unpickles it with torch.load(weights_only=False) while loading, and a pickle can run any code.",
        remedy: "Load only with Keras >= 3.11.3 in safe mode, and only if the imports listed are the PyTorch classes you expect.",
        faq: &[],
    },
    Text {
        title: "TorchModuleWrapper pickle edilmiş bir modül taşıyor",
        what: "Bir TorchModuleWrapper katmanı serileştirilmiş bir PyTorch modülü içeriyor; pickle verisinin içe aktardıkları kanıtlarda listelenir.",
        why: "Keras 3.11.0 – 3.11.2 onu yükleme sırasında torch.load(weights_only=False) ile çözer ve bir pickle her kodu çalıştırabilir.",
        remedy: "Yalnızca Keras >= 3.11.3 ile güvenli modda ve listelenen içe aktarımlar beklediğiniz PyTorch sınıflarıysa yükleyin.",
        faq: &[],
    }
);

rule!(
    /// A lookup layer reads its vocabulary from a path or URL (CVE-2025-12058): local
    /// file read or SSRF through `tf.io.gfile`.
    LookupVocabularyPath, "KS-LOOKUP-VOCAB", High, ["CVE-2025-12058"],
    Text {
        title: "Lookup layer reads its vocabulary from a path or URL",
        what: "A StringLookup, IntegerLookup or TextVectorization layer names a file or URL as its vocabulary.",
        why: "Keras before 3.12 reads it while loading, even in safe mode: a local file can leak into the model, or the loader can be made to fetch a URL (gs://, hdfs://, http://).",
        remedy: "Check the path; load only with Keras >= 3.12 or after replacing the vocabulary with an inline list.",
        faq: &[],
    },
    Text {
        title: "Arama katmanı sözlüğünü bir yoldan veya URL'den okuyor",
        what: "Bir StringLookup, IntegerLookup veya TextVectorization katmanı sözlük olarak bir dosya ya da URL gösteriyor.",
        why: "Keras 3.12 öncesi bunu yükleme sırasında, güvenli modda bile okur: yerel bir dosya modele sızabilir veya yükleyici bir URL'yi çekmeye zorlanabilir (gs://, hdfs://, http://).",
        remedy: "Yolu kontrol edin; yalnızca Keras >= 3.12 ile ya da sözlüğü satır içi bir listeyle değiştirdikten sonra yükleyin.",
        faq: &[],
    }
);

rule!(
    /// `TFSMLayer` loads a SavedModel from a file path; its graph ops run despite safe
    /// mode in Keras < 3.12.1 / 3.13.2 (CVE-2026-1462).
    TfsmLayerPath, "KS-TFSM-LAYER", High, ["CVE-2026-1462"],
    Text {
        title: "TFSMLayer loads a SavedModel from a path",
        what: "A TFSMLayer points at a SavedModel directory on disk.",
        why: "Loading the model loads that SavedModel and runs its graph, whose operations can read and write files; safe mode did not stop it before Keras 3.12.1 / 3.13.2.",
        remedy: "Inspect the referenced SavedModel before loading, or load with a fixed Keras version.",
        faq: &[],
    },
    Text {
        title: "TFSMLayer bir yoldan SavedModel yüklüyor",
        what: "Bir TFSMLayer diskteki bir SavedModel dizinini gösteriyor.",
        why: "Model yüklenirken o SavedModel de yüklenir ve grafiği çalışır; grafiğin işlemleri dosya okuyup yazabilir. Keras 3.12.1 / 3.13.2 öncesinde güvenli mod bunu durdurmuyordu.",
        remedy: "Yüklemeden önce başvurulan SavedModel'i inceleyin ya da düzeltilmiş bir Keras sürümüyle yükleyin.",
        faq: &[],
    }
);

rule!(
    /// A layer name contains `..` or a path separator: Keras 3.14 writes and reads
    /// per-layer files under that name (CVE-2026-12479, path traversal).
    LayerNameTraversal, "KS-LAYER-NAME", High, ["CVE-2026-12479"],
    Text {
        title: "Layer name with a path traversal",
        what: "A layer's name contains '..' or a path separator.",
        why: "Keras 3.14 builds file paths from layer names when it stores weights on disk (DiskIOStore), so such a name can read or write outside the intended directory.",
        remedy: "Do not load the model with Keras 3.14; ask the provider to rename the layer.",
        faq: &[],
    },
    Text {
        title: "Yol geçişi içeren katman adı",
        what: "Bir katmanın adı '..' veya bir yol ayırıcı içeriyor.",
        why: "Keras 3.14, ağırlıkları diske yazarken (DiskIOStore) dosya yollarını katman adlarından kurar; böyle bir ad hedef dizinin dışında okuma veya yazma yapabilir.",
        remedy: "Modeli Keras 3.14 ile yüklemeyin; sağlayıcıdan katmanı yeniden adlandırmasını isteyin.",
        faq: &[],
    }
);

rule!(
    /// A class Keras does not define: the code must come from the loading environment
    /// (`custom_objects`, registered classes). The PAIT-KERAS-301 analogue.
    CustomClass, "KS-CUSTOM-CLASS", Medium, [],
    Text {
        title: "Custom or unknown class",
        what: "The config names a class that Keras itself does not define.",
        why: "Its code comes from the environment that loads the model (custom_objects or registered classes) and runs during loading and inference; the file alone cannot show what it does.",
        remedy: "Make sure the class comes from code you trust before loading the model.",
        faq: &[],
    },
    Text {
        title: "Özel veya bilinmeyen sınıf",
        what: "Yapılandırma, Keras'ın kendisinin tanımlamadığı bir sınıfın adını veriyor.",
        why: "Kodu, modeli yükleyen ortamdan (custom_objects veya kayıtlı sınıflar) gelir ve yükleme ile çıkarım sırasında çalışır; dosyanın kendisi ne yaptığını gösteremez.",
        remedy: "Modeli yüklemeden önce sınıfın güvendiğiniz koddan geldiğinden emin olun.",
        faq: &[],
    }
);

rule!(
    /// HDF5 weights that pull data from elsewhere: external data files (CVE-2026-1669),
    /// virtual datasets, external and soft links (CVE-2026-12480); and shape bombs
    /// (CVE-2026-0897).
    Hdf5ExternalStorage, "KS-HDF5-STORAGE", High, ["CVE-2026-1669", "CVE-2026-12480", "CVE-2026-0897"],
    Text {
        title: "HDF5 storage that reaches outside the file",
        what: "The HDF5 file holds an external data file list, a virtual dataset, an external or soft link, or a dataset declaring far more data than it stores.",
        why: "Loading the weights makes HDF5 read other files on the machine into the model (fixed in Keras 3.12.1 – 3.14.1), or allocate enormous memory.",
        remedy: "Do not load the weights; ask for a file whose datasets are stored inside it.",
        faq: &[],
    },
    Text {
        title: "Dosyanın dışına uzanan HDF5 depolaması",
        what: "HDF5 dosyası harici veri dosyası listesi, sanal veri kümesi, harici veya yumuşak bağlantı ya da sakladığından çok daha fazla veri bildiren bir veri kümesi içeriyor.",
        why: "Ağırlıkları yüklemek, HDF5'in makinedeki başka dosyaları modele okumasına (Keras 3.12.1 – 3.14.1'de düzeltildi) veya devasa bellek ayırmasına yol açar.",
        remedy: "Ağırlıkları yüklemeyin; veri kümeleri kendi içinde saklanan bir dosya isteyin.",
        faq: &[],
    }
);

rule!(
    /// A SavedModel graph op that touches files or runs Python (PAIT-TF-301/302 analogue).
    SavedModelOp, "KS-SAVEDMODEL-OP", High, [],
    Text {
        title: "SavedModel graph op that touches files or runs Python",
        what: "The SavedModel's graph contains an operation that reads or writes files, lists directories or calls back into Python (ReadFile, WriteFile, MatchingFiles, PyFunc, …).",
        why: "The graph runs when the model is called (and Keras 3 TFSMLayer loads it): such ops can read secrets, overwrite files or run host Python code.",
        remedy: "Check why the model needs the op; a plain model graph does not.",
        faq: &[],
    },
    Text {
        title: "Dosyalara dokunan veya Python çalıştıran SavedModel işlemi",
        what: "SavedModel grafiği dosya okuyan veya yazan, dizin listeleyen ya da Python'a geri çağrı yapan bir işlem içeriyor (ReadFile, WriteFile, MatchingFiles, PyFunc, …).",
        why: "Grafik model çağrıldığında çalışır (Keras 3 TFSMLayer da onu yükler): bu işlemler gizli bilgileri okuyabilir, dosyaların üzerine yazabilir veya makinedeki Python kodunu çalıştırabilir.",
        remedy: "Modelin bu işleme neden ihtiyaç duyduğunu kontrol edin; sıradan bir model grafiği buna ihtiyaç duymaz.",
        faq: &[],
    }
);

/// Keras functions that load, download, write or change global state: not model
/// components (Keras `LOADING_APIS` and `NON_MODELING_APIS`, keras-cves.md §2).
pub const GADGETS: &[&str] = &[
    "get_file",
    "load_model",
    "load_weights",
    "load_img",
    "model_from_json",
    "model_from_yaml",
    "model_from_config",
    "enable_unsafe_deserialization",
    "set_global_attribute",
    "save_model",
    "save_weights",
    "save_img",
    "register_keras_serializable",
    "serialize_keras_object",
    "deserialize_keras_object",
    "clear_session",
    "image_dataset_from_directory",
    "text_dataset_from_directory",
    "audio_dataset_from_directory",
    "load_data",
    "TFSMLayer",
    "plot_model",
    "set_random_seed",
    "disable_interactive_logging",
    "enable_interactive_logging",
];

/// Top-level packages whose classes Keras may import by itself.
pub const KERAS_PACKAGES: &[&str] = &["keras", "keras_hub", "keras_cv", "keras_nlp", "tensorflow", "tf_keras"];

pub fn is_keras_module(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    KERAS_PACKAGES.contains(&top)
}

/// Is `dotted` (`keras.utils.get_file`) a loading gadget inside a Keras package?
pub fn is_gadget(dotted: &str) -> bool {
    let (module, name) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    GADGETS.contains(&name) && (module.is_empty() || is_keras_module(module))
}

/// Does a layer name escape its directory when used as a path component?
pub fn is_traversal_name(name: &str) -> bool {
    name.contains("..") || name.contains('/') || name.contains('\\')
}

pub const MODULE: RuleRef = RuleRef::of::<ModuleOutsideKeras>();
pub const GADGET: RuleRef = RuleRef::of::<LoadingGadget>();
pub const TORCH: RuleRef = RuleRef::of::<TorchModule>();
pub const VOCAB: RuleRef = RuleRef::of::<LookupVocabularyPath>();
pub const TFSM: RuleRef = RuleRef::of::<TfsmLayerPath>();
pub const NAME: RuleRef = RuleRef::of::<LayerNameTraversal>();
pub const CUSTOM: RuleRef = RuleRef::of::<CustomClass>();
pub const HDF5: RuleRef = RuleRef::of::<Hdf5ExternalStorage>();
pub const OP: RuleRef = RuleRef::of::<SavedModelOp>();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gadgets_and_modules() {
        assert!(is_gadget("keras.utils.get_file"));
        assert!(is_gadget("keras.config.enable_unsafe_deserialization"));
        assert!(!is_gadget("keras.layers.Dense"));
        assert!(!is_gadget("mylib.get_file"));
        assert!(is_keras_module("keras.src.models.functional"));
        assert!(!is_keras_module("malicious_model"));
        assert!(is_traversal_name("../../etc/cron.d/x"));
        assert!(!is_traversal_name("dense_1"));
    }
}

//! Archive rules: what a `.keras` (or any zip) carries besides the model.

use super::{RuleRef, Text};

rule!(
    /// A pickle in the archive (a `.pkl` member, a `.npy` object array inside
    /// `model.weights.npz`, …). Keras 3.3 – 3.8 loaded npz weights with `allow_pickle=True`.
    /// Critical when the pickle imports a sink.
    PickleMember, "KS-PICKLE", High, [],
    Text {
        title: "Pickle inside the archive",
        what: "The archive holds pickled data (a pickle file, or a numpy object array, which numpy stores as a pickle); the globals it imports are listed.",
        why: "Unpickling runs whatever the pickle imports and calls. Keras 3.3 – 3.8 unpickled object arrays in model.weights.npz while loading; other tools may load the extra files too.",
        remedy: "Do not load the model if the imports include anything but plain data types; ask for weights without object arrays.",
        faq: &[],
    },
    Text {
        title: "Arşivin içinde pickle",
        what: "Arşiv pickle verisi içeriyor (bir pickle dosyası ya da numpy'nin pickle olarak sakladığı bir nesne dizisi); içe aktardığı global adlar listelenir.",
        why: "Pickle çözmek, pickle'ın içe aktardığı ve çağırdığı her şeyi çalıştırır. Keras 3.3 – 3.8, model.weights.npz içindeki nesne dizilerini yükleme sırasında çözüyordu; başka araçlar da ek dosyaları yükleyebilir.",
        remedy: "İçe aktarımlar düz veri türleri dışında bir şey içeriyorsa modeli yüklemeyin; nesne dizisi içermeyen ağırlıklar isteyin.",
        faq: &[],
    }
);

rule!(
    /// A script or executable inside the archive.
    ExecutableMember, "KS-ARCHIVE-EXECUTABLE", High, [],
    Text {
        title: "Script or executable inside the archive",
        what: "The archive holds a script or a native executable.",
        why: "A model file needs neither; such members are staged payloads waiting for something to run them.",
        remedy: "Remove or inspect the member before the archive goes anywhere near a training or serving machine.",
        faq: &[],
    },
    Text {
        title: "Arşivin içinde betik veya çalıştırılabilir dosya",
        what: "Arşiv bir betik veya yerel bir çalıştırılabilir dosya içeriyor.",
        why: "Bir model dosyasının ikisine de ihtiyacı yoktur; bu tür üyeler birinin çalıştırmasını bekleyen hazırlanmış yüklerdir.",
        remedy: "Arşiv bir eğitim veya sunum makinesine yaklaşmadan önce üyeyi kaldırın veya inceleyin.",
        faq: &[],
    }
);

rule!(
    /// A member name that escapes the extraction directory (zip slip).
    MemberPathTraversal, "KS-ARCHIVE-PATH", High, [],
    Text {
        title: "Archive member with a path outside the archive",
        what: "A member's name contains '..', starts at the file-system root or names a drive.",
        why: "Tools that extract the archive (older Keras versions extract .keras files to a temporary directory) may write that file anywhere on the machine.",
        remedy: "Do not extract or load the archive; ask for a clean one.",
        faq: &[],
    },
    Text {
        title: "Arşiv dışını gösteren üye yolu",
        what: "Bir üyenin adı '..' içeriyor, dosya sisteminin kökünden başlıyor veya bir sürücü adı veriyor.",
        why: "Arşivi açan araçlar (eski Keras sürümleri .keras dosyalarını geçici bir dizine açar) bu dosyayı makinenin herhangi bir yerine yazabilir.",
        remedy: "Arşivi açmayın veya yüklemeyin; temiz bir arşiv isteyin.",
        faq: &[],
    }
);

pub const PICKLE: RuleRef = RuleRef::of::<PickleMember>();
pub const EXEC: RuleRef = RuleRef::of::<ExecutableMember>();
pub const PATH: RuleRef = RuleRef::of::<MemberPathTraversal>();

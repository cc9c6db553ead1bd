//! Rules about how a file is read: one file that different loaders read as different
//! files, and zip structures made to show one reader other bytes than another.

use super::{RuleRef, Text};

rule!(
    /// A file that is both an HDF5 file (signature at 0 or after a 512·2ⁿ-byte userblock,
    /// where libhdf5 looks) and a zip archive (an end record `zipfile` accepts). Keras
    /// picks the reading by the file name (`.keras` → zipfile, `.h5` → h5py; tf.keras
    /// reads any other name with h5py), so renaming the file changes the model loaded.
    /// Every reading is scanned; the verdict is the worst of them.
    Polyglot, "KS-POLYGLOT", High, [],
    Text {
        title: "One file, several model formats (polyglot)",
        what: "The file is at the same time an HDF5 file and a zip archive: h5py and Python's zipfile each find a valid file in it. Which one Keras loads depends only on the file name.",
        why: "A scanner, a reviewer or a hub that looks at one reading can be shown a harmless model while the other reading, used after a rename, holds another model. No Keras save produces such a file on purpose.",
        remedy: "Treat the file as crafted. Each reading is scanned and reported; load it only if every reading is clean and you know why it is built this way.",
        faq: &[(
            "A real .keras file was flagged with low severity: why?",
            "Keras stores model.weights.h5 uncompressed inside the .keras archive. When that member happens to start at 512, 1024, 2048, … bytes, h5py also opens the whole file as that weights file. The finding is then informational: that reading is the member already scanned.",
        )],
    },
    Text {
        title: "Tek dosya, birden çok model biçimi (poliglot)",
        what: "Dosya aynı anda hem bir HDF5 dosyası hem de bir zip arşivi: h5py ve Python'un zipfile modülü içinde ayrı ayrı geçerli bir dosya buluyor. Keras'ın hangisini yükleyeceği yalnızca dosya adına bağlı.",
        why: "Tek bir okumaya bakan bir tarayıcıya, incelemeciye veya model deposuna zararsız bir model gösterilirken diğer okuma, dosya yeniden adlandırıldığında başka bir model yükleyebilir. Hiçbir Keras kaydı böyle bir dosyayı bilerek üretmez.",
        remedy: "Dosyayı özel olarak hazırlanmış sayın. Her okuma taranır ve raporlanır; yalnızca her okuma temizse ve dosyanın neden böyle kurulduğunu biliyorsanız yükleyin.",
        faq: &[(
            "Gerçek bir .keras dosyası düşük önemle işaretlendi: neden?",
            "Keras, model.weights.h5 dosyasını .keras arşivinin içinde sıkıştırmadan saklar. Bu üye 512, 1024, 2048, … baytta başlarsa h5py tüm dosyayı da bu ağırlık dosyası olarak açar. Bulgu o zaman yalnızca bilgi amaçlıdır: o okuma zaten taranmış olan üyedir.",
        )],
    }
);

rule!(
    /// Zip entries whose data runs into the next entry's local header or the central
    /// directory: the overlapping-entries zip bomb, and a way to make two names share
    /// bytes. CPython 3.11.8+ / 3.12.2+ refuse to open such an entry; older versions read it.
    OverlappingEntries, "KS-ZIP-OVERLAP", High, [],
    Text {
        title: "Zip entries overlap",
        what: "The data of an archive entry runs over the next entry's header or into the central directory, so several entries read the same bytes.",
        why: "No zip writer produces overlapping entries. They build decompression bombs (a few KB inflating to gigabytes) and let one entry hide inside another, so that tools disagree about what the archive holds. Python 3.12.2 and 3.11.8 (and later, CVE-2024-0450) refuse such entries; earlier versions read them.",
        remedy: "Do not load the archive; ask for one written by Keras itself. The bytes are inspected once, under the scanner's inflate budget.",
        faq: &[],
    },
    Text {
        title: "Zip girdileri üst üste biniyor",
        what: "Bir arşiv girdisinin verisi sonraki girdinin başlığının üzerine veya merkezi dizinin içine taşıyor; böylece birkaç girdi aynı baytları okuyor.",
        why: "Hiçbir zip yazıcısı üst üste binen girdiler üretmez. Bunlar sıkıştırma bombaları (birkaç KB'ın gigabaytlara açılması) kurmak ve bir girdiyi diğerinin içinde saklayarak araçların arşivin içeriği konusunda anlaşamamasını sağlamak için kullanılır. Python 3.12.2 ve 3.11.8 (ve sonrası, CVE-2024-0450) bu girdileri reddeder; önceki sürümler okur.",
        remedy: "Arşivi yüklemeyin; doğrudan Keras'ın yazdığı bir arşiv isteyin. Baytlar, tarayıcının açma bütçesi içinde bir kez incelenir.",
        faq: &[],
    }
);

pub const POLYGLOT: RuleRef = RuleRef::of::<Polyglot>();
pub const OVERLAP: RuleRef = RuleRef::of::<OverlappingEntries>();

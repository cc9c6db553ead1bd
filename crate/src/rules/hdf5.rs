//! HDF5 rules about how the file is read: names that libhdf5 (and so h5py and Keras)
//! resolves differently from a naive reader.

use super::{RuleRef, Text};

rule!(
    /// An attribute or link present in the file that h5py never returns under its
    /// name: a compact attribute shadowed by dense storage, a duplicate, a name-index
    /// record whose hash does not match, storage libhdf5 does not consult. libhdf5
    /// never writes such a file; it is made to show one reader something else than
    /// the loader sees (see container/hdf5/h5py_view.rs).
    Hdf5HiddenName, "KS-HDF5-HIDDEN", High, [],
    Text {
        title: "HDF5 attribute or link hidden from h5py",
        what: "The HDF5 file holds an attribute or link that h5py, and so Keras, never reads under its name (for example a compact model_config shadowed by dense attribute storage, or a duplicate name), usually with a value different from the one Keras loads.",
        why: "HDF5 writers never produce this: the file was built so that other tools see different content than the loader. The scanner reports what Keras reads; the hidden copy is shown as evidence.",
        remedy: "Treat the file as crafted. Do not load it unless its origin is known; compare the hidden value with the visible one.",
        faq: &[],
    },
    Text {
        title: "h5py'den gizlenmiş HDF5 özniteliği veya bağlantısı",
        what: "HDF5 dosyası, h5py'nin ve dolayısıyla Keras'ın adıyla hiçbir zaman okumadığı bir öznitelik veya bağlantı içeriyor (örneğin yoğun öznitelik deposunun gölgelediği sıkışık bir model_config ya da yinelenen bir ad); değeri çoğu zaman Keras'ın yüklediğinden farklıdır.",
        why: "HDF5 yazıcıları böyle bir dosya üretmez: dosya, başka araçlar yükleyicinin gördüğünden farklı bir içerik görsün diye hazırlanmıştır. Tarayıcı Keras'ın okuduğunu raporlar; gizli kopya kanıt olarak gösterilir.",
        remedy: "Dosyayı kasıtlı hazırlanmış sayın. Kaynağı bilinmiyorsa yüklemeyin; gizli değeri görünen değerle karşılaştırın.",
        faq: &[],
    }
);

pub const HIDDEN: RuleRef = RuleRef::of::<Hdf5HiddenName>();

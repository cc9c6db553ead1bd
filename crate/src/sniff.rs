//! What a file is, from its bytes (never from its name alone).

use crate::limits::Limits;
use crate::source::ByteSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HDF5, with the superblock at this offset (0, or after a 512·2ⁿ-byte userblock).
    Hdf5 {
        superblock: u64,
    },
    /// A zip archive (`.keras`, a zipped SavedModel).
    Zip,
    /// JSON text (`model.to_json()`, `config.json`, TF.js `model.json`).
    Json,
    /// A protobuf `SavedMetadata` (`keras_metadata.pb`).
    KerasMetadataPb,
    /// A TensorFlow `SavedModel` protobuf (`saved_model.pb`).
    SavedModelPb,
    Unknown,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Hdf5 { .. } => "hdf5",
            Format::Zip => "zip",
            Format::Json => "json",
            Format::KerasMetadataPb => "keras-metadata-pb",
            Format::SavedModelPb => "saved-model-pb",
            Format::Unknown => "unknown",
        }
    }
}

pub const HDF5_SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// Finds the HDF5 superblock: at 0, 512, 1024, 2048, … (HDF5 spec: userblock sizes).
pub fn find_hdf5_superblock(src: &dyn ByteSource) -> Option<u64> {
    let len = src.len();
    let mut off = 0u64;
    let mut sig = [0u8; 8];
    while off.checked_add(8)? <= len {
        if src.read_at(off, &mut sig).is_ok() && sig == HDF5_SIGNATURE {
            return Some(off);
        }
        off = if off == 0 { 512 } else { off.checked_mul(2)? };
    }
    None
}

/// Sniffs the format: the reading the loaders take under `name` ([`readings`]'s first).
pub fn sniff(src: &dyn ByteSource, name: &str) -> Format {
    readings(src, name, &Limits::default())[0]
}

/// Every reading of the file a Keras loader may take, the one it takes under `name`
/// first. Never empty.
///
/// The loaders (keras 3 `saving_api.load_model`, tf.keras 2.15 `saving_api.load_model`
/// and `legacy/save.py`): a name ending in `.keras` that `zipfile.is_zipfile` accepts is
/// read with zipfile by both; Keras 3 reads `.h5`/`.hdf5` with h5py and refuses other
/// names; tf.keras reads every other file with h5py (older tf.keras asked
/// `h5py.is_hdf5` first). libhdf5 finds its signature at 0, 512, 1024, … and zipfile
/// finds its end record at the end, so one file can be both. Since a file is renamed
/// at will, every reading the bytes allow is returned; the caller scans each and the
/// verdict is the worst. JSON and protobuf are read only when neither container is
/// there: a JSON text cannot hold the HDF5 signature or a zip end record (their control
/// bytes are invalid JSON to Python's `json`), and protobuf has no magic to find.
pub fn readings(src: &dyn ByteSource, name: &str, limits: &Limits) -> Vec<Format> {
    let len = src.len();
    let mut head = [0u8; 16];
    let n = len.min(16) as usize;
    if src.read_at(0, &mut head[..n]).is_err() {
        return vec![Format::Unknown];
    }
    let head = &head[..n];
    let hdf5 = find_hdf5_superblock(src).map(|superblock| Format::Hdf5 { superblock });
    let zip_start =
        head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"PK\x07\x08");
    // Python's zipfile finds archives by their end record, so data may precede it. With
    // an HDF5 reading too, the zip one counts when zipfile could list members (a stray
    // `PK\5\6` in HDF5 data is no archive), or when only one of our limits stops the
    // listing: that must be reported, never make the reading vanish.
    let zip = match crate::container::zip::find_end_record(src) {
        Some(_) if hdf5.is_none() => Some(Format::Zip),
        Some(_) => match crate::container::zip::list(src, limits) {
            Ok(a) => (!a.members.is_empty()).then_some(Format::Zip),
            Err(e) => e.is_limit().then_some(Format::Zip),
        },
        None => (zip_start && hdf5.is_none()).then_some(Format::Zip),
    };
    let lower = name.to_ascii_lowercase();
    let by_zip_name = lower.ends_with(".keras") || lower.ends_with(".zip");
    let order = if by_zip_name { [zip, hdf5] } else { [hdf5, zip] };
    let found: Vec<Format> = order.into_iter().flatten().collect();
    if !found.is_empty() {
        return found;
    }
    if crate::container::json::looks_like_json(src) {
        return vec![Format::Json];
    }
    if (lower.ends_with(".pb") || head.first() == Some(&0x0a))
        && crate::container::savedmodel::looks_like_keras_metadata(src)
    {
        return vec![Format::KerasMetadataPb];
    }
    if crate::container::savedmodel::looks_like_saved_model(head) {
        return vec![Format::SavedModelPb];
    }
    vec![Format::Unknown]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hdf5_after_a_userblock() {
        let mut f = vec![0u8; 1024 + 64];
        f[1024..1032].copy_from_slice(&HDF5_SIGNATURE);
        assert_eq!(sniff(&f, "x"), Format::Hdf5 { superblock: 1024 });
        let mut g = vec![0u8; 700];
        g[300..308].copy_from_slice(&HDF5_SIGNATURE); // not a legal userblock size
        assert_eq!(find_hdf5_superblock(&g), None);
    }

    #[test]
    fn every_reading_is_returned_the_named_one_first() {
        let zip = crate::container::zip::tests::build_stored(&[("config.json", b"{}")]);
        let mut poly = vec![0u8; 512];
        poly[..8].copy_from_slice(&HDF5_SIGNATURE);
        poly.extend(&zip);
        let l = Limits::default();
        let both = [Format::Hdf5 { superblock: 0 }, Format::Zip];
        assert_eq!(readings(&poly, "m.h5", &l), both);
        assert_eq!(readings(&poly, "m.bin", &l), both);
        assert_eq!(readings(&poly, "M.KERAS", &l), [Format::Zip, Format::Hdf5 { superblock: 0 }]);
        assert_eq!(readings(&zip, "m.h5", &l), [Format::Zip]);
        // An end-record signature that zipfile cannot list is no second reading.
        let mut h5 = vec![0u8; 600];
        h5[..8].copy_from_slice(&HDF5_SIGNATURE);
        h5.extend(b"PK\x05\x06");
        h5.extend([0u8; 18]);
        assert_eq!(readings(&h5, "m.keras", &l), [Format::Hdf5 { superblock: 0 }]);
        // A zip reading stopped by a limit stays a reading (and its error is reported).
        let few = Limits { max_zip_members: 0, ..Limits::default() };
        assert_eq!(readings(&poly, "m.keras", &few), [Format::Zip, Format::Hdf5 { superblock: 0 }]);
    }

    #[test]
    fn json_and_unknown() {
        assert_eq!(sniff(&b"  {\"a\":1}".to_vec(), "m.bin"), Format::Json);
        assert_eq!(sniff(&b"\"{}\"".to_vec(), "m"), Format::Json);
        assert_eq!(sniff(&b"hello".to_vec(), "m.h5"), Format::Unknown);
        assert_eq!(sniff(&Vec::new(), "m.h5"), Format::Unknown);
    }
}

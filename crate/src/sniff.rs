//! What a file is, from its bytes (never from its name alone).

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

/// Sniffs the format. `name` is only a tie-breaker for protobuf, which has no magic.
pub fn sniff(src: &dyn ByteSource, name: &str) -> Format {
    let len = src.len();
    let mut head = [0u8; 16];
    let n = len.min(16) as usize;
    if src.read_at(0, &mut head[..n]).is_err() {
        return Format::Unknown;
    }
    let head = &head[..n];
    if let Some(sb) = find_hdf5_superblock(src) {
        return Format::Hdf5 { superblock: sb };
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"PK\x07\x08") {
        return Format::Zip;
    }
    // Python's zipfile finds archives by their end record, so data may precede it.
    if crate::container::zip::find_end_record(src).is_some() {
        return Format::Zip;
    }
    if crate::container::json::looks_like_json(src) {
        return Format::Json;
    }
    let lower = name.to_ascii_lowercase();
    if (lower.ends_with(".pb") || head.first() == Some(&0x0a))
        && crate::container::savedmodel::looks_like_keras_metadata(src)
    {
        return Format::KerasMetadataPb;
    }
    if crate::container::savedmodel::looks_like_saved_model(head) {
        return Format::SavedModelPb;
    }
    Format::Unknown
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
    fn json_and_unknown() {
        assert_eq!(sniff(&b"  {\"a\":1}".to_vec(), "m.bin"), Format::Json);
        assert_eq!(sniff(&b"\"{}\"".to_vec(), "m"), Format::Json);
        assert_eq!(sniff(&b"hello".to_vec(), "m.h5"), Format::Unknown);
        assert_eq!(sniff(&Vec::new(), "m.h5"), Format::Unknown);
    }
}

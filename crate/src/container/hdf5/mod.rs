//! HDF5, read for what Keras stores in it: a pure-Rust reader over a [`ByteSource`]
//! (libhdf5 is C and cannot run in the browser). See ../shared/docs/hdf5-for-keras.md.

use crate::limits::Limits;
use crate::source::ByteSource;

/// What the Keras layer needs from an HDF5 file.
#[derive(Debug, Clone, Default)]
pub struct KerasH5 {
    /// Root attribute `model_config` (JSON text), joined from `model_config0..N` if split.
    pub model_config: Option<String>,
    /// Root attribute `training_config` (JSON text).
    pub training_config: Option<String>,
    pub keras_version: Option<String>,
    pub backend: Option<String>,
    /// Structures the rules care about (external storage, virtual datasets, links, …).
    pub issues: Vec<StorageIssue>,
    /// Parts that could not be read; the scan is then incomplete.
    pub errors: Vec<String>,
}

/// A storage feature of the file that makes loading it touch something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageIssue {
    pub kind: StorageIssueKind,
    /// HDF5 path of the object (`/model_weights/dense/kernel`).
    pub path: String,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageIssueKind {
    ExternalDataFiles,
    VirtualDataset,
    ExternalLink,
    SoftLink,
    /// Declared size far above the stored bytes (CVE-2026-0897).
    ShapeBomb,
}

/// Why the file could not be opened at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hdf5Error(pub String);

impl std::fmt::Display for Hdf5Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HDF5: {}", self.0)
    }
}

/// Reads the Keras-relevant metadata of the HDF5 file whose superblock is at `superblock`.
pub fn read_keras(src: &dyn ByteSource, superblock: u64, limits: &Limits) -> Result<KerasH5, Hdf5Error> {
    let _ = (src, superblock, limits);
    Err(Hdf5Error("the HDF5 reader is not implemented yet".into()))
}

//! HDF5, read for what Keras stores in it: a pure-Rust reader over a [`ByteSource`]
//! (libhdf5 is C and cannot run in the browser). See ../shared/docs/hdf5-for-keras.md.
//!
//! Only metadata is read (object headers, B-trees, heaps, attribute values), never
//! dataset data, so opening a multi-GB file costs a few KB. Every structure is hostile
//! input: reads are bounded by the file and by [`Limits`], loops by visited sets and
//! budgets, and nothing recurses without a depth cap.

mod attribute;
mod btree;
mod checksum;
mod committed;
mod context;
mod cursor;
mod group;
mod h5py_view;
mod heap;
mod keras;
mod messages;
mod object_header;
mod sohm;
mod superblock;
mod walk;

use crate::limits::Limits;
use crate::messages::{en, term, within, Message};
use crate::msg;
use crate::source::ByteSource;

type Result<T> = std::result::Result<T, Hdf5Error>;

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
    pub errors: Vec<Message>,
    /// `layer_names` of `/model_weights` (legacy `.h5`), joined from `layer_names0..N`.
    pub layer_names: Option<Vec<String>>,
    /// Names of the root attributes (sorted).
    pub root_attributes: Vec<String>,
    /// Objects (groups and datasets) whose headers were walked.
    pub objects: u64,
    /// Names of the root group's members as h5py lists them.
    pub root_members: Vec<String>,
}

/// Root attributes only Keras writes: a saved model (`model_config`, `training_config`)
/// or `save_weights`' legacy `.h5` (`layer_names`, `keras_version`, `backend`).
const KERAS_ROOT_ATTRIBUTES: &[&str] =
    &["model_config", "training_config", "layer_names", "layer_names0", "keras_version", "backend"];
/// Root groups of Keras' own layouts: `model_weights` (a legacy `.h5` model), and Keras
/// 3's `.weights.h5` (`layers`, `vars`, `optimizer`; `_layer_checkpoint_dependencies`
/// in 3.0).
const KERAS_ROOT_GROUPS: &[&str] = &["model_weights", "layers", "vars", "optimizer", "_layer_checkpoint_dependencies"];

impl KerasH5 {
    /// Does the file have anything of the layouts Keras writes (a model or its weights)?
    /// An HDF5 file without any is not a Keras model file: it decides the verdict
    /// (`error`), never what is scanned.
    pub fn has_keras_structure(&self) -> bool {
        self.model_config.is_some()
            || self.training_config.is_some()
            || self.root_attributes.iter().any(|a| KERAS_ROOT_ATTRIBUTES.contains(&a.as_str()))
            || self.root_members.iter().any(|m| KERAS_ROOT_GROUPS.contains(&m.as_str()))
    }
}

/// A storage feature of the file that makes loading it touch something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageIssue {
    pub kind: StorageIssueKind,
    /// HDF5 path of the object (`/model_weights/dense/kernel`).
    pub path: String,
    pub detail: Message,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageIssueKind {
    ExternalDataFiles,
    VirtualDataset,
    ExternalLink,
    SoftLink,
    /// Declared size far above the stored bytes (CVE-2026-0897).
    ShapeBomb,
    /// An attribute h5py cannot open by name (shadowed by libhdf5's lookup precedence,
    /// a duplicate, or unreachable through the name index): a sign of a crafted file.
    HiddenAttribute,
    /// A link h5py never lists (storage libhdf5 does not consult, or a duplicate name).
    HiddenLink,
}

/// Why a structure could not be read: a catalogue message (the reader's own words,
/// with the structure names as terms), rendered in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hdf5Error(pub Box<Message>);

impl Hdf5Error {
    /// Boxed: a `Result<_, Hdf5Error>` stays two words wide on every structure read.
    pub fn new(m: Message) -> Self {
        Hdf5Error(Box::new(m))
    }
}

impl std::fmt::Display for Hdf5Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HDF5: {}", self.0)
    }
}

impl From<Hdf5Error> for Message {
    fn from(e: Hdf5Error) -> Message {
        msg!(en::H5_ERROR, detail = *e.0)
    }
}

impl std::error::Error for Hdf5Error {}

/// Reads the Keras-relevant metadata of the HDF5 file whose superblock is at `superblock`
/// (after a userblock, addresses count from there). Fails only when the superblock or
/// the root object cannot be read; everything else that fails lands in `errors`.
pub fn read_keras(src: &dyn ByteSource, superblock: u64, limits: &Limits) -> std::result::Result<KerasH5, Hdf5Error> {
    let sb = superblock::read(src, superblock, limits.hdf5_verify_checksums)?;
    let mut ctx = context::Ctx::new(src, superblock, sb.sz, limits);
    ctx.extension = sb.extension;
    let root =
        object_header::read_header(&ctx, sb.root).map_err(|e| Hdf5Error::new(within(term("root group"), e.0)))?;
    let mut out = KerasH5::default();
    keras::read_root(&ctx, &root, &mut out);
    if let Ok(mw) = group::resolve(&ctx, sb.root, sb.root_hint, "/model_weights") {
        keras::read_model_weights(&ctx, mw, &mut out);
    }
    walk::walk(&ctx, sb.root, sb.root_hint, &mut out);
    walk::finish(&ctx, &mut out);
    Ok(out)
}

/// Names of the members of the group at `path` (`/`, `/model_weights`), in storage
/// order, reached through hard links. For tests and tools.
pub fn list_group(
    src: &dyn ByteSource,
    superblock: u64,
    limits: &Limits,
    path: &str,
) -> std::result::Result<Vec<String>, Hdf5Error> {
    let sb = superblock::read(src, superblock, limits.hdf5_verify_checksums)?;
    let mut ctx = context::Ctx::new(src, superblock, sb.sz, limits);
    ctx.extension = sb.extension;
    let addr = group::resolve(&ctx, sb.root, sb.root_hint, path)?;
    let msgs = object_header::read(&ctx, addr)?;
    let m = group::members(&ctx, &msgs, if addr == sb.root { sb.root_hint } else { None });
    if let Some(e) = m.errors.into_iter().next() {
        return Err(Hdf5Error::new(e));
    }
    Ok(m.links.into_iter().map(|l| l.name).collect())
}

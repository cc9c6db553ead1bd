//! Keras Sentinel's detection core.
//!
//! Data flows one way:
//! byte [`source`] → [`sniff`] → [`container`] (zip / HDF5 / JSON / SavedModel metadata)
//! → [`keras`] config walk → [`python`] code analysis → [`rules`] → [`report`].
//!
//! Nothing here runs, imports or loads anything from the file; it reads bytes and
//! reasons about them. The crate has no web or CLI dependencies and builds for
//! `wasm32-unknown-unknown`.

pub mod container;
pub mod hash;
pub mod keras;
pub mod limits;
pub mod messages;
pub mod policy;
pub mod python;
pub mod report;
pub mod rules;
pub mod sarif;
mod scan;
pub mod sniff;
pub mod sort;
pub mod source;

pub use scan::{scan, scan_with};

/// Parses JSON text as Python would (for the CLI and tests), into a tree that owns its
/// texts (the scan's own path borrows them from the input: `container::json::parse`).
pub fn parse_json(text: &str) -> Result<container::json::Json<'static>, container::json::JsonError> {
    container::json::parse(text, limits::Limits::default().max_json_depth).map(|p| p.value.to_static())
}

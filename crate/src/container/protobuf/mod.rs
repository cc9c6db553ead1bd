//! Protobuf, read as Python's `protobuf` package reads it: [`wire`] for the encoding,
//! [`merge`] for what a message means when its fields repeat.

pub mod merge;
pub mod wire;

pub use merge::{Last, Message};
pub use wire::{fields, Field, PbError, Value};

//! B-trees: v1 (symbol-table groups) and v2 (dense links, dense attributes, huge objects).

pub mod v1;
pub mod v2;

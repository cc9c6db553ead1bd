//! Heaps: local (group member names), global (vlen data), fractal (dense storage).

pub mod fractal;
pub mod global;
pub mod local;

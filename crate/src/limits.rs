//! Every bound the scanner enforces, in one place.
//!
//! Hostile input is the normal case: each reader checks these before allocating,
//! recursing or looping, and reports when one is hit (a limit hit is never a silent
//! skip; the file's verdict becomes `error` or the finding says what was not seen).

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    /// Largest JSON document parsed (config.json, model_config, one metadata node).
    pub max_json_bytes: u64,
    /// Deepest JSON nesting accepted: what CPython's `json.loads` reads. Its C scanner
    /// stops at the interpreter's recursion limit; measured on CPython 3.11 with the
    /// default limit of 1000, `json.loads` called at module level reads 995 nested arrays
    /// or objects, and fewer from deeper in a caller's stack (Keras 3's `load_model`: see
    /// `fixtures/parsers/json_pb_cases.py`). Parsing, walking, cloning and dropping
    /// the tree use explicit stacks, so depth costs no machine stack; a deeper file
    /// (only a process that raised `sys.setrecursionlimit` could load it) is reported
    /// as an error, never as clean.
    pub max_json_depth: usize,
    /// How many times a JSON string holding JSON is unwrapped (`json.dump(model.to_json())`).
    pub max_json_unwrap: usize,
    /// Largest zip member inflated into memory (configs, metadata, nested archives).
    pub max_inflated_bytes: u64,
    /// Most bytes inflated for one file, over every member of every nested archive
    /// (entries over the same bytes are inflated once).
    pub max_inflated_total: u64,
    /// Largest compression ratio accepted for an inflated member.
    pub max_inflate_ratio: u64,
    /// Most zip members listed.
    pub max_zip_members: usize,
    /// Largest decoded payload (one marshalled code object).
    pub max_payload_bytes: u64,
    /// Most serialized functions analysed in one file.
    pub max_functions: usize,
    /// Most errors kept for one file (the rest are counted in one last error).
    pub max_errors: usize,
    /// Most findings kept for one file (the rest are counted, not dropped silently).
    pub max_findings: usize,
    /// Most protobuf nodes read from `keras_metadata.pb`.
    pub max_pb_nodes: usize,
    /// Largest metadata buffer read from an HDF5 file (one attribute value).
    pub max_hdf5_attribute_bytes: u64,
    /// Deepest HDF5 group nesting walked (Keras nests about 6 levels).
    pub max_hdf5_depth: usize,
    /// Most HDF5 structures visited per file (object headers, B-tree nodes, heap blocks,
    /// links, records): bounds every loop over file-supplied counts.
    pub max_hdf5_structures: u64,
    /// Most continuation chunks in one HDF5 object header.
    pub max_hdf5_header_chunks: u64,
    /// Total HDF5 metadata bytes read, as a multiple of the file length (plus 1 MiB):
    /// defeats structures that make the reader re-read the same bytes forever.
    pub max_hdf5_read_factor: u64,
    /// Most bytecode instructions evaluated for one embedded function (all paths).
    pub max_eval_steps: usize,
    /// Most branches with an unknown condition explored both ways in one function.
    pub max_eval_forks: usize,
    /// Deepest nesting of calls into the file's own functions (and `func_load` payloads).
    pub max_eval_call_depth: usize,
    /// Verify Jenkins lookup3 checksums of HDF5 v2 structures (a mismatch is an error).
    pub hdf5_verify_checksums: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 256 << 20,
            max_json_depth: 995,
            max_json_unwrap: 4,
            max_inflated_bytes: 256 << 20,
            max_inflated_total: 1 << 30,
            max_inflate_ratio: 1000,
            max_zip_members: 100_000,
            max_payload_bytes: 16 << 20,
            max_functions: 10_000,
            max_errors: 1_000,
            max_findings: 10_000,
            max_pb_nodes: 1_000_000,
            max_hdf5_attribute_bytes: 64 << 20,
            max_hdf5_depth: 64,
            max_hdf5_structures: 1_000_000,
            max_hdf5_header_chunks: 1024,
            max_hdf5_read_factor: 4,
            max_eval_steps: 50_000,
            max_eval_forks: 256,
            max_eval_call_depth: 8,
            hdf5_verify_checksums: false,
        }
    }
}

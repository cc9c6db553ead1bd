//! The `keras-sentinel` binary: the command lives in the library (`lib.rs`).

/// See cli/Cargo.toml: many small allocations per file, on several threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    std::process::ExitCode::from(keras_sentinel_cli::run(&argv))
}

//! The `provenant` binary: parse the command line, call the library, map the outcome to an
//! exit code (0 clean, 1 findings, 2 the audit could not run or is incomplete).

mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

/// jemalloc: see Cargo.toml for why.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("provenant: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

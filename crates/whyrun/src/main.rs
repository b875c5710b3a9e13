//! The `whyrun` binary: parses the command line, runs one command, and turns its outcome
//! into an exit code. The work itself lives in the library crates.

mod cli;
mod commands;
mod style;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// Exit codes, documented in `whyrun --help`.
pub mod exit {
    /// Everything inspected; every target runs the binary.
    pub const OK: u8 = 0;
    /// The binary will not start, or fails at run time, on some target.
    pub const FAILS: u8 = 1;
    /// A usage error, or an input that could not be read.
    pub const INPUT_ERROR: u8 = 2;
    /// `check`: on some target whyrun cannot tell whether the binary runs, and nothing
    /// else failed: what the target does not say could stop it.
    pub const CANNOT_TELL: u8 = 3;
    /// `check` of Go sources: the build fails (a finding at level error that blocks the
    /// build), on at least one toolchain. Ranked before `FAILS` and `CANNOT_TELL`.
    pub const WONT_BUILD: u8 = 4;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    anstream::ColorChoice::write_global(match cli.color {
        cli::ColorWhen::Auto => anstream::ColorChoice::Auto,
        cli::ColorWhen::Always => anstream::ColorChoice::Always,
        cli::ColorWhen::Never => anstream::ColorChoice::Never,
    });
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Rules(args) => commands::rules::list(&args),
        Command::Rule(args) => commands::rules::show(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Tree(args) => commands::tree::run(&args),
        Command::Snapshot(args) => commands::snapshot::run(&args),
        Command::Completions(args) => commands::generate::completions(&args),
        Command::Man(args) => commands::generate::man(&args),
        Command::Version(args) => commands::version::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`whyrun rules | head -1`): nothing more to say, as
        // ripgrep does.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("whyrun: {e:#}");
            ExitCode::from(exit::INPUT_ERROR)
        }
    }
}

/// Whether the error is a write into a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

//! The command-line interface, defined once with clap: `--help`, shell completions and the
//! man page are all generated from these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  whyrun inspect ./server                 what the binary needs, at a glance
  whyrun inspect --json ./server | jq .   every fact, as versioned JSON
  whyrun inspect -v bin/*                 all dependencies and build settings

Exit codes:
  0  every file was inspected
  2  usage error, or a file could not be read (the others are still inspected)";

/// Will this Linux binary run on that system, and if not, why and how to fix it.
///
/// whyrun reads an ELF binary (C, C++, Rust, Go) without running it and reports what it
/// needs from the system: CPU architecture and level, libc and program interpreter, shared
/// libraries and symbol versions, and for Go binaries the toolchain, build settings,
/// modules and the runtime files the linked packages read.
#[derive(Debug, Parser)]
#[command(name = "whyrun", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every fact a binary states about what it needs to run.
    #[command(after_help = "\
Examples:
  whyrun inspect ./server
  whyrun inspect --json ./server ./worker
  whyrun inspect --verbose /usr/bin/ls

Exit codes: 0 all files inspected, 2 a file could not be read.")]
    Inspect(InspectArgs),
    /// Print a shell completion script to standard output.
    #[command(after_help = "Example:\n  whyrun completions bash > /etc/bash_completion.d/whyrun")]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output.
    #[command(after_help = "Example:\n  whyrun man > whyrun.1 && man ./whyrun.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Binaries to inspect (ELF executables or shared libraries).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print JSON (schema `whyrun.inspect/1`) instead of text.
    #[arg(long)]
    pub json: bool,
    /// List every dependency, symbol version and build setting.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

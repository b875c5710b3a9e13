//! `whyrun completions` and `whyrun man`: artefacts generated from the clap definition.

use std::io::Write;

use anyhow::{bail, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs, Shell};
use crate::exit;

pub fn completions(args: &CompletionsArgs) -> Result<u8> {
    use clap_complete::Shell as S;
    let shell = match args.shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Elvish => S::Elvish,
        Shell::Powershell => S::PowerShell,
    };
    let mut cmd = Cli::command();
    // Rendered first: clap_complete panics when its writer fails (a closed pipe).
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "whyrun", &mut out);
    std::io::stdout().write_all(&out)?;
    Ok(exit::OK)
}

pub fn man(args: &ManArgs) -> Result<u8> {
    let mut cli = Cli::command();
    let page = match &args.command {
        None => cli,
        Some(name) => {
            cli.build();
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                bail!("no command {name:?} (one of {})", names.join(", "));
            };
            // Built, clap names it `whyrun-check`: whyrun-check(1), as git and cargo name
            // their commands' pages.
            sub.clone()
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    std::io::stdout().write_all(&out)?;
    Ok(exit::OK)
}

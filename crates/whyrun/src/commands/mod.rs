//! One module per subcommand; each returns the exit code it ends with.

pub mod check;
pub mod check_build;
pub mod explain;
pub mod generate;
pub mod inspect;
pub mod rules;
pub mod snapshot;
pub mod tree;
pub mod version;

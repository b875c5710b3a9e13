//! One module per subcommand; each returns the exit code it ends with.

pub mod generate;
pub mod inspect;
mod inspect_go;

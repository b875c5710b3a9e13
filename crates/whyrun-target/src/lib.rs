//! What a Linux system offers a binary, read through a file view of that system: the
//! running host or a root directory (`--root`); its loader configuration (`ld.so.cache`,
//! `ld.so.conf`, musl's path file) and the dynamic loader's search emulated over it.
//! Never reads a host path while describing another root; never runs a binary.

pub mod apparmor;
pub mod container;
pub mod cpu;
pub mod describe;
pub mod filecaps;
pub mod fs;
pub mod image;
pub mod ldconfig;
pub mod loader;
pub mod model;
pub mod musl;
pub mod open;
pub mod profiles;
pub mod resolution;
pub mod selinux;
pub mod snapshot;
pub mod unit;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;

pub use cpu::Cpu;
pub use fs::{FileView, FsError, HostView, RootDirView};
pub use loader::{LoadTree, Loader};
pub use open::{open_all, OpenTarget, TargetSpec};

/// A system binaries are checked against: its files, its CPU and the environment the
/// binary will be started with.
#[derive(Debug, Clone)]
pub struct Target {
    view: Arc<dyn FileView>,
    pub cpu: Cpu,
    /// `LD_LIBRARY_PATH` as the binary will see it.
    pub ld_library_path: Option<String>,
}

impl Target {
    /// The machine whyrun runs on, with this process's `LD_LIBRARY_PATH`.
    pub fn host() -> Target {
        Target {
            view: Arc::new(HostView),
            cpu: Cpu::detect(),
            ld_library_path: std::env::var("LD_LIBRARY_PATH").ok(),
        }
    }

    /// A root file system in `dir`, run on this machine's CPU, with no `LD_LIBRARY_PATH`.
    pub fn root(dir: &Path) -> Result<Target, FsError> {
        Ok(Target {
            view: Arc::new(RootDirView::new(dir)?),
            cpu: Cpu::detect(),
            ld_library_path: None,
        })
    }

    /// A target over any view (an image, a test tree).
    pub fn from_view(view: Arc<dyn FileView>, cpu: Cpu) -> Target {
        Target {
            view,
            cpu,
            ld_library_path: None,
        }
    }

    /// This target with the local file `local` placed at `at` (an absolute path inside
    /// it), as after the copy: the loader sees that path's `$ORIGIN` and directories.
    pub fn with_file_at(self, at: std::path::PathBuf, local: std::path::PathBuf) -> Target {
        Target {
            view: Arc::new(fs::Overlay::new(self.view, at, local)),
            ..self
        }
    }

    pub fn view(&self) -> &dyn FileView {
        &*self.view
    }
}

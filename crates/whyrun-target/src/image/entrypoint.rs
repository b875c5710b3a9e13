//! Which binary a container started from an image runs first: `Entrypoint` followed by
//! `Cmd`, its first word looked up the way a container runtime does (a name with a `/` is
//! taken from the working directory, a bare name is searched in the image's `PATH`, and
//! the first executable regular file wins). A shell form (`/bin/sh -c "exec ./app"`) is
//! followed to the program it starts when the script is simple (`exec X …`, `X …`,
//! `cd D && exec X …`); a longer script is reported as one that cannot be followed. It
//! reads through a file view only; it never runs anything and never looks at the host.

use std::path::{Path, PathBuf};

use crate::fs::{FileKind, FileView};
use crate::model::ImageConfig;

/// The `PATH` Docker gives a container whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The binary a container runs first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint {
    /// The whole command line: `Entrypoint` then `Cmd`.
    pub argv: Vec<String>,
    /// The shell whose `-c` script starts the program, when the command is a shell form.
    pub through_shell: Option<PathBuf>,
    /// The file run, as found (before symlinks are resolved): `/usr/bin/python3`.
    pub path: PathBuf,
    /// Where it was looked for, in order, ending with `path`.
    pub searched: Vec<PathBuf>,
}

/// Why no entrypoint binary could be named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntrypointError {
    #[error("the image sets neither Entrypoint nor Cmd")]
    NoCommand,
    #[error("the image's command {name:?} is not an executable file in the image (looked for {})", list(.searched))]
    NotFound {
        name: String,
        searched: Vec<PathBuf>,
    },
    #[error("the image's command runs a shell script whyrun cannot follow: {shell} -c {script:?}")]
    Script { shell: String, script: String },
}

/// The shells whose `-c SCRIPT` is followed.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "busybox"];

/// The program a simple shell script starts, and the directory it changes to first:
/// `exec ./app --port 80`, `./app`, `cd /srv && exec ./app`. `None` for anything else
/// (variables, quotes, pipes, several commands, redirections, assignments).
pub fn follow_script(script: &str) -> Option<(Option<String>, String)> {
    const SPECIAL: &[char] = &[
        '$', '`', '"', '\'', '\\', '|', ';', '<', '>', '(', ')', '{', '}', '*', '?', '[', '~', '#',
        '\n', '&',
    ];
    let parts: Vec<&str> = script.split("&&").map(str::trim).collect();
    let (last, before) = parts.split_last()?;
    let mut cd = None;
    for p in before {
        let words: Vec<&str> = p.split_whitespace().collect();
        match words.as_slice() {
            ["cd", dir] if !dir.contains(SPECIAL) => cd = Some(dir.to_string()),
            _ => return None,
        }
    }
    let mut words = last.split_whitespace();
    let mut first = words.next()?;
    if first == "exec" {
        first = words.next()?;
    }
    if first.contains('=') || last.contains(SPECIAL) {
        return None;
    }
    Some((cd, first.to_string()))
}

fn list(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The command line a container started with no arguments runs.
pub fn command(config: &ImageConfig) -> Vec<String> {
    config
        .entrypoint
        .iter()
        .chain(config.cmd.iter())
        .cloned()
        .collect()
}

/// The value of `NAME` in the image's environment.
pub fn env_var<'a>(config: &'a ImageConfig, name: &str) -> Option<&'a str> {
    config.env.iter().rev().find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Names the binary a container of this image runs first, looked up in `view`.
pub fn entrypoint(
    view: &dyn FileView,
    config: &ImageConfig,
) -> Result<Entrypoint, EntrypointError> {
    let argv = command(config);
    let Some(first) = argv.first().filter(|s| !s.is_empty()) else {
        return Err(EntrypointError::NoCommand);
    };
    let cwd = config
        .working_dir
        .as_deref()
        .filter(|w| w.starts_with('/'))
        .unwrap_or("/");
    let path_var = env_var(config, "PATH").unwrap_or(DEFAULT_PATH);
    let shell = look_up(view, first, cwd, path_var)?;
    let name = first.rsplit('/').next().unwrap_or(first);
    if !(SHELLS.contains(&name) && argv.get(1).map(String::as_str) == Some("-c")) {
        return Ok(Entrypoint {
            argv: argv.clone(),
            through_shell: None,
            path: shell.0,
            searched: shell.1,
        });
    }
    let script = argv.get(2).cloned().unwrap_or_default();
    let Some((cd, program)) = follow_script(&script) else {
        return Err(EntrypointError::Script {
            shell: first.clone(),
            script,
        });
    };
    let dir = match cd {
        Some(d) if d.starts_with('/') => d,
        Some(d) => Path::new(cwd).join(d).display().to_string(),
        None => cwd.to_string(),
    };
    let (path, searched) = look_up(view, &program, &dir, path_var)?;
    Ok(Entrypoint {
        argv: argv.clone(),
        through_shell: Some(shell.0),
        path,
        searched,
    })
}

/// `name` looked up as a runtime (or a shell) does: a name with a `/` from `cwd`, a bare
/// name in each directory of `path_var`; the first executable regular file wins. A name
/// with a `/` is not searched: a regular file there is what runs, executable or not (Go's
/// `exec.LookPath`, which runc uses, then fails with `exec: "/app/run.sh": permission
/// denied`, and its execute bits are FS001's to judge), where a search skips it.
fn look_up(
    view: &dyn FileView,
    name: &str,
    cwd: &str,
    path_var: &str,
) -> Result<(PathBuf, Vec<PathBuf>), EntrypointError> {
    // `components` drops the `.` of `./app`.
    let in_cwd = |p: &str| -> PathBuf { Path::new(cwd).join(p).components().collect() };
    let candidates: Vec<PathBuf> = if name.contains('/') {
        vec![in_cwd(name)]
    } else {
        path_var
            .split(':')
            .map(|dir| in_cwd(if dir.is_empty() { "." } else { dir }).join(name))
            .collect()
    };
    let searched_path = !name.contains('/');
    let mut searched = Vec::new();
    for c in candidates {
        searched.push(c.clone());
        let found = match searched_path {
            true => is_executable(view, &c),
            false => is_file(view, &c),
        };
        if found {
            return Ok((c, searched));
        }
    }
    Err(EntrypointError::NotFound {
        name: name.to_string(),
        searched,
    })
}

fn is_file(view: &dyn FileView, p: &Path) -> bool {
    view.metadata(p).is_ok_and(|m| m.kind == FileKind::File)
}

fn is_executable(view: &dyn FileView, p: &Path) -> bool {
    view.metadata(p)
        .is_ok_and(|m| m.kind == FileKind::File && m.mode & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::follow_script;

    #[test]
    fn simple_scripts_are_followed() {
        let f = |s: &str| follow_script(s);
        assert_eq!(f("exec ./app --port 80"), Some((None, "./app".into())));
        assert_eq!(
            f("/usr/local/bin/server"),
            Some((None, "/usr/local/bin/server".into()))
        );
        assert_eq!(
            f("cd /srv && exec ./app"),
            Some((Some("/srv".into()), "./app".into()))
        );
        assert_eq!(f(" server "), Some((None, "server".into())));
    }

    #[test]
    fn anything_else_is_not() {
        for s in [
            "",
            "exec",
            "exec $APP",
            "./migrate; exec ./app",
            "./app | tee log",
            "FOO=1 exec ./app",
            "exec \"./my app\"",
            "cd $HOME && exec ./app",
            "./app > /dev/null",
            "test -f x && exec ./app",
            "./a & ./b",
        ] {
            assert_eq!(follow_script(s), None, "{s:?}");
        }
    }
}

//! whyrun's configuration, as ruff and hadolint users expect it: a `whyrun.toml` found from
//! the current directory upwards (or named with `--config`, or none with `--no-config`),
//! plus `--ignore` and `--severity` on the command line. It sets the default targets,
//! ignores rules (everywhere, or for binaries matching a glob), and overrides the level a
//! rule reports at. An unknown key is an error naming the file, line and column; an unknown
//! rule code is rule CONF001's finding, at its line.
//!
//! ```toml
//! targets = ["alpine-3.19", "debian-12"]   # when no target is named
//! ignore = ["GO006"]                      # never reported, never fails the run
//!
//! [severity]                              # error | warning | note
//! GO002 = "warning"
//!
//! [per-path-ignores]                      # glob on the binary as named, or in the target
//! "**/legacy-*" = ["LIB005"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use whyrun_report::{InputReport, TargetReport};
use whyrun_rules::{CodeReference, ConfigSubject, Finding, Input, Level, Subject};

/// The file name searched for.
pub const FILE_NAME: &str = "whyrun.toml";

/// The largest configuration file read.
const MAX_SIZE: u64 = 1 << 20;

/// A configuration that cannot be used: the file, where, and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{}: {message}", path.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    pub path: PathBuf,
    /// Line and column (from 1), when the error has a place.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

/// The settings in force for a run.
#[derive(Debug, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Targets checked when none is named on the command line.
    pub targets: Vec<String>,
    /// Codes never reported (upper case).
    ignore: Vec<String>,
    /// Levels by code (upper case).
    levels: BTreeMap<String, Level>,
    /// Codes ignored for binaries matching a glob.
    per_path: Vec<(globset::GlobMatcher, Vec<String>)>,
    /// The codes the file names, with their places, for CONF001.
    subject: Option<ConfigSubject>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    per_path_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

/// The `whyrun.toml` in `start` or the nearest directory above it.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Line and column (from 1, columns in characters) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Config {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let error = |position, message: String| ConfigError {
            path: path.to_path_buf(),
            position,
            message,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| error(None, e.to_string()))?
            .len();
        if size > MAX_SIZE {
            return Err(error(
                None,
                format!("larger than {MAX_SIZE} bytes: not a configuration file"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| error(None, e.to_string()))?;
        Config::parse(path, &text)
    }

    /// Reads a configuration from its text; `path` names it in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            position: e.span().map(|s| position(text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        let shown = path.display().to_string();
        let mut subject = ConfigSubject {
            path: shown,
            codes: Vec::new(),
        };
        let mut note = |code: &Spanned<String>, key: &str| {
            let start = code.span().start;
            // A quoted code is placed on its first character, past the quote.
            let quoted = matches!(text.as_bytes().get(start), Some(b'"' | b'\''));
            let (line, column) = position(text, start + usize::from(quoted));
            subject.codes.push(CodeReference {
                code: code.get_ref().clone(),
                key: key.into(),
                line,
                column,
            });
            code.get_ref().to_ascii_uppercase()
        };
        let mut config = Config {
            path: Some(path.to_path_buf()),
            targets: file.targets,
            ..Config::default()
        };
        for code in &file.ignore {
            let code = note(code, "ignore");
            config.ignore.push(code);
        }
        for (code, level) in &file.severity {
            let upper = note(code, "severity");
            let Some(l) = Level::parse(level.get_ref()) else {
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    position: Some(position(text, level.span().start)),
                    message: format!(
                        "severity {:?} of {upper} is not one of error, warning, note",
                        level.get_ref()
                    ),
                });
            };
            config.levels.insert(upper, l);
        }
        for (glob, codes) in &file.per_path_ignores {
            let matcher = globset::GlobBuilder::new(glob.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|e| ConfigError {
                    path: path.to_path_buf(),
                    position: Some(position(text, glob.span().start)),
                    message: format!("per-path-ignores: {e}"),
                })?
                .compile_matcher();
            let codes = codes.iter().map(|c| note(c, "per-path-ignores")).collect();
            config.per_path.push((matcher, codes));
        }
        config.subject = Some(subject);
        Ok(config)
    }

    /// Adds `--ignore CODE` and `--severity CODE=LEVEL` from the command line. An unknown
    /// code or level is a usage error, with the nearest known code.
    pub fn with_overrides(
        mut self,
        ignore: &[String],
        severity: &[String],
    ) -> Result<Config, String> {
        let known = |code: &str| -> Result<String, String> {
            match whyrun_rules::rule(code) {
                Some(r) => Ok(r.meta().code.to_string()),
                None => Err(match whyrun_rules::nearest_code(code) {
                    Some(near) => format!("unknown rule code {code:?} (did you mean {near}?)"),
                    None => format!("unknown rule code {code:?} (`whyrun rules` lists them)"),
                }),
            }
        };
        for code in ignore {
            self.ignore.push(known(code)?);
        }
        for s in severity {
            let (code, level) = s
                .split_once('=')
                .ok_or_else(|| format!("--severity {s:?}: write CODE=error|warning|note"))?;
            let level = Level::parse(level).ok_or_else(|| {
                format!("--severity {s:?}: {level:?} is not one of error, warning, note")
            })?;
            self.levels.insert(known(code)?, level);
        }
        Ok(self)
    }

    /// Whether the finding of `code` about `binary` (as named, or its path in the target)
    /// is ignored.
    fn ignores(&self, code: &str, binary: &[&str]) -> bool {
        self.ignore.iter().any(|c| c == code)
            || self.per_path.iter().any(|(glob, codes)| {
                codes.iter().any(|c| c == code) && binary.iter().any(|b| glob.is_match(b))
            })
    }

    fn level(&self, f: &mut Finding) {
        if let Some(l) = self.levels.get(f.code) {
            f.level = *l;
        }
    }

    /// Moves the findings this configuration ignores to `ignored`, sets the configured
    /// levels, and recomputes the verdict from what is left.
    pub fn apply(&self, report: &mut TargetReport, binary: &str) {
        let names = [binary, report.path_in_target.as_str()];
        let (ignored, kept): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut report.findings)
            .into_iter()
            .partition(|f| self.ignores(f.code, &names));
        report.findings = kept;
        report.ignored = ignored;
        for f in &mut report.findings {
            self.level(f);
        }
        report.verdict = whyrun_rules::Verdict::of(&report.findings);
    }

    /// The configuration file's own findings (CONF rules), or `None` without a file.
    pub fn report(&self) -> Option<InputReport> {
        let subject = self.subject.as_ref()?;
        let mut findings = whyrun_rules::run(Input::Config(subject));
        for f in &mut findings {
            self.level(f);
        }
        Some(InputReport {
            subject: Subject::Config,
            path: subject.path.clone(),
            findings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("whyrun.toml"), text)
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            "targets = [\"alpine-3.19\"]\nignore = [\"GO006\"]\n[severity]\nGO002 = \"warning\"\n\
             [per-path-ignores]\n\"**/legacy-*\" = [\"LIB005\"]\n",
        )
        .unwrap();
        assert_eq!(c.targets, ["alpine-3.19"]);
        assert!(c.ignores("GO006", &["./server"]));
        assert!(c.ignores("LIB005", &["/usr/local/bin/legacy-app"]));
        assert!(!c.ignores("LIB005", &["/usr/local/bin/app"]));
        assert_eq!(c.levels.get("GO002"), Some(&Level::Warning));
    }

    #[test]
    fn an_unknown_key_names_its_line_and_column() {
        let e = parse("targets = []\n\nignroe = [\"GO006\"]\n").unwrap_err();
        assert_eq!(e.position, Some((3, 1)));
        assert!(
            e.message.contains("unknown field `ignroe`"),
            "{}",
            e.message
        );
        assert!(e.to_string().starts_with("whyrun.toml:3:1: "), "{e}");
    }

    #[test]
    fn an_unknown_code_is_conf001_at_its_line() {
        let c = parse("ignore = [\"GO006\",\n  \"GO06\"]\n").unwrap();
        let report = c.report().unwrap();
        assert_eq!(report.findings.len(), 1);
        let f = &report.findings[0];
        assert_eq!(f.code, "CONF001");
        assert!(f.message.contains("did you mean GO006?"), "{}", f.message);
        assert_eq!(
            f.evidence[0].location.file_line(),
            Some(("whyrun.toml", 2, 4))
        );
    }

    #[test]
    fn codes_are_placed_on_their_first_character_quoted_or_bare() {
        let c =
            parse("ignore = ['GO06']\n[severity]\nGO02 = \"note\"\n\"GO4\" = \"note\"\n").unwrap();
        let places: Vec<_> = c
            .subject
            .unwrap()
            .codes
            .iter()
            .map(|r| (r.code.clone(), r.line, r.column))
            .collect();
        assert!(places.contains(&("GO06".into(), 1, 12)), "{places:?}");
        assert!(places.contains(&("GO02".into(), 3, 1)), "{places:?}");
        assert!(places.contains(&("GO4".into(), 4, 2)), "{places:?}");
    }

    #[test]
    fn a_bad_level_is_an_error_at_its_place() {
        let e = parse("[severity]\nGO002 = \"loud\"\n").unwrap_err();
        assert_eq!(e.position, Some((2, 9)));
    }

    #[test]
    fn command_line_codes_are_checked() {
        let e = Config::default()
            .with_overrides(&["LIB01".into()], &[])
            .unwrap_err();
        assert!(e.contains("did you mean LIB001?"), "{e}");
        let c = Config::default()
            .with_overrides(&["go006".into()], &["GO002=note".into()])
            .unwrap();
        assert!(c.ignores("GO006", &["x"]));
        assert_eq!(c.levels.get("GO002"), Some(&Level::Note));
    }

    #[test]
    fn discovery_walks_upwards() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(discover(&deep), None);
        std::fs::write(dir.path().join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&deep), Some(dir.path().join("a").join(FILE_NAME)));
    }
}

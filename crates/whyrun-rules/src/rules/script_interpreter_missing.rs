//! FS005: a script whose `#!` interpreter (or the program `#!/usr/bin/env` looks up) is not
//! in the target, a CRLF line ending included.

use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::{Presence, ScriptSubject, Subject};

crate::declare_rule! {
    /// ## What it finds
    /// A script started as a program whose `#!` line names an interpreter the target does
    /// not have, or, for `#!/usr/bin/env NAME`, a NAME that is in none of the directories
    /// of the target's `PATH`. Above all: a script saved with Windows line endings, whose
    /// `#!/bin/sh\r` names `/bin/sh` followed by a carriage return.
    ///
    /// ## Why it breaks
    /// The kernel reads the first line itself (`binfmt_script`) and runs the interpreter
    /// it names, with the script as argument; a carriage return before the newline stays
    /// part of the name. A missing interpreter makes `execve` fail with `ENOENT`, which a
    /// shell prints as `bad interpreter: No such file or directory` (a file that exists,
    /// "not found"). With `env`, the interpreter starts and `env` fails instead:
    /// `/usr/bin/env: 'python3\r': No such file or directory`, exit 127.
    ///
    /// ## Example
    /// ```text
    /// FS005 blocks start  the #! line of /usr/local/bin/start.sh ends in CRLF: the kernel looks for "/bin/sh\r", which does not exist
    ///   · #!/bin/sh\r (a carriage return before the newline)  [/usr/local/bin/start.sh]
    ///   · not there  [/bin/sh\r]
    ///   · the shell says "/usr/local/bin/start.sh: /bin/sh^M: bad interpreter: No such file or directory"  [/usr/local/bin/start.sh]
    ///   fix Convert the script to Unix line endings
    ///       sed -i 's/\r$//' start.sh
    /// ```
    ///
    /// ## Fix
    /// Save the script with Unix line endings (`dos2unix`, `sed -i 's/\r$//'`, a
    /// `.gitattributes` line `*.sh text eol=lf`); install the interpreter in the target or
    /// point the `#!` line at the one it has (`/bin/sh` rather than `/bin/bash` on Alpine
    /// and BusyBox); a `FROM scratch` or distroless image has no shell at all: run the
    /// program directly.
    ///
    /// ## References
    /// - Linux `fs/binfmt_script.c`; execve(2): ENOENT for a missing interpreter.
    /// - GNU coreutils env(1): exit status 127 when the program is not found.
    pub struct ScriptInterpreterMissing {
        code: "FS005",
        name: "script-interpreter-missing",
        family: Family::Fs,
        subject: Subject::Launch,
        severity: Severity::BlocksStart,
        stage: Stage::Interpreter,
        summary: "A script's #! interpreter, or what #!/usr/bin/env looks up, is not in the target",
    }
}

/// A name with its carriage return shown: `sh\r`.
fn shown(s: &str) -> String {
    s.replace('\r', "\\r")
}

impl ScriptInterpreterMissing {
    pub fn run(s: &ScriptSubject) -> Vec<Finding> {
        let sb = &s.shebang;
        let path = &s.path;
        let file = path.rsplit('/').next().unwrap_or(path);
        let line = match &sb.argument {
            Some(a) => format!("#!{} {}", shown(&sb.interpreter), shown(a)),
            None => format!("#!{}", shown(&sb.interpreter)),
        };
        let line_evidence = match sb.crlf {
            true => format!("{line} (a carriage return before the newline)"),
            false => line,
        };
        // The #! line, each place looked in, and what stops the program there.
        let not_found =
            |message: String, line: &str, places: &[String], (said, said_at): (String, &String)| {
                let mut f = Self::META.finding(message).evidence(line, path.as_str());
                for p in places {
                    f = f.evidence("not there", shown(p));
                }
                f.evidence(said, said_at.as_str())
            };
        let install_fix = |f: Finding, what: &str| {
            f.fix(
                format!(
                    "Install {what} in {}, or point the #! line at an interpreter it has",
                    s.target
                ),
                Vec::new(),
            )
        };
        let crlf_fix = |f: Finding| {
            f.fix(
                "Convert the script to Unix line endings",
                vec![format!("sed -i 's/\\r$//' {file}")],
            )
        };
        match (&s.interpreter, &s.env_lookup) {
            (Presence::Missing(places), _) => {
                let interp = shown(&sb.interpreter);
                let crlf = sb.crlf && sb.argument.is_none();
                let message = match crlf {
                    true => format!("the #! line of {path} ends in CRLF: the kernel looks for \"{interp}\", which does not exist"),
                    false => format!("{path} is a script for {interp}, which does not exist in {}", s.target),
                };
                let said = format!(
                    "the shell says \"{path}: {}: bad interpreter: No such file or directory\"",
                    sb.interpreter.replace('\r', "^M")
                );
                let f = not_found(message, &line_evidence, places, (said, path));
                vec![match crlf {
                    true => crlf_fix(f),
                    false => install_fix(f, &interp),
                }]
            }
            (Presence::Found(_), Some((name, Presence::Missing(places)))) => {
                let name_shown = shown(name);
                let env = &sb.interpreter;
                let message = match sb.crlf {
                    true => format!("the #! line of {path} ends in CRLF: {env} looks for \"{name_shown}\", which no directory of PATH has"),
                    false => format!("{path} runs {name_shown} through {env}, and no directory of PATH in {} has it", s.target),
                };
                let said = format!(
                    "{env} stops with \"{env}: '{name_shown}': No such file or directory\" (exit 127)"
                );
                let f = not_found(message, &line_evidence, places, (said, env));
                vec![match sb.crlf {
                    true => crlf_fix(f),
                    false => install_fix(f, &name_shown),
                }]
            }
            (Presence::Unknown, _) | (_, Some((_, Presence::Unknown))) => {
                let name = s
                    .env_lookup
                    .as_ref()
                    .map_or(sb.interpreter.clone(), |(n, _)| n.clone());
                // A carriage return in the name fails wherever it runs; a plain name
                // depends on files the target does not show.
                if sb.crlf {
                    return vec![crlf_fix(
                        Self::META
                            .finding(format!(
                                "the #! line of {path} ends in CRLF: it names \"{}\", which no system has",
                                shown(&name)
                            ))
                            .evidence(line_evidence, path.as_str()),
                    )];
                }
                vec![Self::META
                    .finding(format!(
                        "{path} is a script for {name}: whyrun cannot tell whether {} has it",
                        s.target
                    ))
                    .undecided()
                    .evidence(line_evidence, path.as_str())]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whyrun_facts::script::shebang;

    fn subject(head: &[u8], interpreter: Presence, env: Option<Presence>) -> ScriptSubject {
        let sb = shebang(head).unwrap();
        let env_lookup = env.map(|p| (sb.argument.clone().unwrap_or_default(), p));
        ScriptSubject {
            path: "/app/start.sh".into(),
            target: "scratch".into(),
            shebang: sb,
            interpreter,
            env_lookup,
            file: None,
            run_as: crate::access::RunAs::of(None, &Default::default()),
            source: whyrun_target::model::SourceKind::Root,
        }
    }

    #[test]
    fn fires_on_a_crlf_line() {
        let f = ScriptInterpreterMissing::run(&subject(
            b"#!/bin/sh\r\n",
            Presence::Missing(vec!["/bin/sh\r".into()]),
            None,
        ));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ends in CRLF"), "{}", f[0].message);
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["sed -i 's/\\r$//' start.sh"]
        );
    }

    #[test]
    fn fires_when_env_finds_nothing() {
        let f = ScriptInterpreterMissing::run(&subject(
            b"#!/usr/bin/env python3\n",
            Presence::Found("/usr/bin/env".into()),
            Some(Presence::Missing(vec!["/usr/bin/python3".into()])),
        ));
        assert!(f[0].evidence.iter().any(|e| e.what.contains("exit 127")));
    }

    #[test]
    fn silent_when_all_is_there() {
        let f = ScriptInterpreterMissing::run(&subject(
            b"#!/usr/bin/env sh\n",
            Presence::Found("/usr/bin/env".into()),
            Some(Presence::Found("/bin/sh".into())),
        ));
        assert!(f.is_empty());
    }

    #[test]
    fn a_crlf_line_blocks_even_where_files_are_unknown() {
        let f = ScriptInterpreterMissing::run(&subject(b"#!/bin/sh\r\n", Presence::Unknown, None));
        assert!(!f[0].undecided);
        let f = ScriptInterpreterMissing::run(&subject(b"#!/bin/sh\n", Presence::Unknown, None));
        assert!(f[0].undecided);
    }
}

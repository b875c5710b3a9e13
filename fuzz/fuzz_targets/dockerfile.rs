//! Fuzz target: any text as a Dockerfile, and as a `.dockerignore`. Reading the stages,
//! expanding every value, splitting every `RUN` line into simple commands and matching
//! paths against ignore patterns must never panic, whatever the heredocs, continuations,
//! quotes and `${…}` forms say.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whyrun_facts::dockerfile::{self, Command, DockerIgnore, StepKind};

fuzz_target!(|data: &[u8]| {
    let text = dockerfile::text_of(data);
    let lookup = |n: &str| match n {
        "UNKNOWN" => Err(()),
        "EMPTY" => Ok(None),
        _ => Ok(Some("v$A${B:-c}".to_string())),
    };
    if let Ok(d) = dockerfile::parse(&text) {
        for s in d.stages.iter().take(64) {
            let _ = dockerfile::expand(&s.image, &lookup);
            for step in s.steps.iter().take(256) {
                match &step.kind {
                    StepKind::Run { command: Command::Shell(sh), .. } => {
                        if let Some(cmds) = dockerfile::simple_commands(sh) {
                            for w in cmds.iter().flatten().take(256) {
                                let _ = dockerfile::expand(w, &lookup);
                            }
                        }
                    }
                    StepKind::Env(pairs) => {
                        for (_, v) in pairs {
                            let _ = dockerfile::expand(v, &lookup);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let ignore = DockerIgnore::parse(&text);
    for path in ["main.go", "a/b/c.tmp", "vendor/x", ".git/HEAD"] {
        let _ = ignore.excludes(path);
    }
    for line in text.lines().take(64) {
        let _ = dockerfile::words(line);
        let _ = dockerfile::glob(line, "main.go");
    }
});

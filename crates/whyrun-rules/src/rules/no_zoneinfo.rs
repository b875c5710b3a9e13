//! GO003: a Go binary loads time zones by name and neither it nor the target has the
//! zoneinfo database.

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime::{self, RuntimeFile};
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary that calls `time.LoadLocation` (it is linked only when something calls
    /// it), without the embedded database of `time/tzdata`, on a target with no zoneinfo
    /// directory (`/usr/share/zoneinfo`, `/usr/share/lib/zoneinfo`, `/usr/lib/locale/TZ`,
    /// `/etc/zoneinfo`) and no `ZONEINFO` set. Typical: a `FROM scratch` image.
    ///
    /// Who calls `time.LoadLocation` sets the severity: `main.main` through package
    /// `main`, or a dependency's `init` through its own package, *fails at run time*; a
    /// function of the main module (a handler, a command) is a *risk*; only dependency code,
    /// or nothing the direct calls show, is *info*.
    ///
    /// It also notes, as info, a target that sets `TZ` for a binary with no zoneinfo to
    /// read: Go then runs in UTC without a word.
    ///
    /// ## Why it breaks
    /// `time.LoadLocation("Europe/Berlin")` reads the zone from the file system, then from
    /// the embedded copy if `time/tzdata` is linked. With neither it returns `unknown time
    /// zone Europe/Berlin`; only `UTC` and `Local` keep working. `TZ` that cannot be loaded
    /// leaves `time.Local` as UTC.
    ///
    /// ## Example
    /// ```text
    /// GO003 fails at run time  time zones cannot be loaded in scratch: no zoneinfo and none embedded
    ///   · time.LoadLocation is linked; time/tzdata is not  [/usr/local/bin/nethello]
    ///   · called as the program starts: main.main → time.LoadLocation  [/usr/local/bin/nethello]
    ///   · none of the zoneinfo directories Go reads exists  [/usr/share/zoneinfo]
    ///   · ZONEINFO is not set  [environment]
    ///   fix Embed the zoneinfo database (-tags timetzdata, or import time/tzdata), or copy /usr/share/zoneinfo into the image from the build stage
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -tags timetzdata -trimpath -o nethello example.com/hello/cmd/nethello
    ///       import _ "time/tzdata"
    ///       COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
    /// ```
    ///
    /// ## Fix
    /// Embed the database (about 450 kB): build with `-tags timetzdata` or add
    /// `import _ "time/tzdata"` to the main package (Go 1.15+). Or install it in the target
    /// (`apk add tzdata`, `apt-get install tzdata`), copy `/usr/share/zoneinfo` into a
    /// scratch image, or set `ZONEINFO` to a zoneinfo.zip the target has.
    ///
    /// ## References
    /// - Go `src/time/zoneinfo_unix.go` (the directories), `zoneinfo_read.go`
    ///   (`ZONEINFO`, the `unknown time zone` error), `src/time/tzdata` (the embedded copy
    ///   and the `timetzdata` tag).
    /// - Seen here: a CGO_ENABLED=0 Go 1.24 binary in an empty root: `unknown time zone
    ///   Europe/Berlin`; with `TZ=Europe/Berlin`, `time.Now().Location()` was UTC.
    pub struct NoZoneinfo {
        code: "GO003",
        name: "no-zoneinfo",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "The binary loads time zones the target has no database for",
    }
}

impl NoZoneinfo {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(symtab) = facts.go.as_ref().and_then(|g| g.symtab.as_ref()) else {
            return Vec::new();
        };
        let target = ctx.target;
        if go_runtime::env(target, "ZONEINFO").is_some() || RuntimeFile::Zoneinfo.present(target) {
            return Vec::new();
        }
        let embedded = symtab.packages.iter().any(|p| p == "time/tzdata");
        if embedded {
            return Vec::new();
        }
        let known = go_runtime::knows(target, RuntimeFile::Zoneinfo);
        let tz = go_runtime::env(target, "TZ").filter(|tz| !is_utc(tz));
        let binary = ctx.binary.display_path.clone();
        let mut finding = if let Some(tz_needs) = &symtab.needs.timezone {
            let severity = tz_needs
                .reach
                .as_ref()
                .map_or(Severity::FailsAtRuntime, go_runtime::reach_severity);
            let message = match severity {
                Severity::FailsAtRuntime => format!(
                    "time zones cannot be loaded in {}: no zoneinfo and none embedded",
                    target.name
                ),
                Severity::Risk => format!(
                    "time zones cannot be loaded in {} when the code that calls time.LoadLocation runs: no zoneinfo and none embedded",
                    target.name
                ),
                _ => format!(
                    "time.LoadLocation is linked but the program's own code does not call it; {} has no zoneinfo",
                    target.name
                ),
            };
            let mut f = Self::META.finding(message).severity(severity).evidence(
                "time.LoadLocation is linked; time/tzdata is not",
                binary.clone(),
            );
            if let Some(reach) = &tz_needs.reach {
                f = f.evidence(go_runtime::reach_evidence(reach), binary);
            }
            if let Some(tz) = tz {
                f = f.evidence(
                    format!("TZ={tz}: the local time zone falls back to UTC too"),
                    "environment",
                );
            }
            f
        } else if let Some(tz) = tz.filter(|_| known) {
            Self::META
                .finding(format!(
                    "TZ={tz} is ignored in {}: with no zoneinfo the binary runs in UTC",
                    target.name
                ))
                .severity(Severity::Info)
                .evidence(
                    "time/tzdata is not linked: local time comes from the zoneinfo files",
                    binary,
                )
                .evidence(format!("TZ={tz}"), "environment")
        } else {
            return Vec::new();
        };
        // An info finding on a target that does not say is not worth a "cannot tell".
        if !known && finding.severity == Severity::Info {
            return Vec::new();
        }
        finding = if known {
            finding.evidence(
                "none of the zoneinfo directories Go reads exists",
                "/usr/share/zoneinfo",
            )
        } else {
            finding
                .evidence(
                    format!(
                        "the profile {} does not say whether it has zoneinfo",
                        target.name
                    ),
                    "/usr/share/zoneinfo",
                )
                .undecided()
        };
        finding = finding.evidence("ZONEINFO is not set", "environment");
        vec![fix(ctx, finding)]
    }
}

/// Values of `TZ` that need no database.
fn is_utc(tz: &str) -> bool {
    let tz = tz.strip_prefix(':').unwrap_or(tz);
    matches!(tz, "UTC" | "UTC0" | "Etc/UTC" | "GMT" | "Etc/GMT")
}

fn fix(ctx: &CheckContext<'_>, finding: Finding) -> Finding {
    let facts = ctx.facts();
    let mut commands = Vec::new();
    let embed = go_runtime::release(facts).is_none_or(|r| r >= (1, 15));
    if embed {
        if let Some(cmd) = fixes::go_rebuild(facts, &fixes::GoChange::of(&[], &["timetzdata"], &[]))
        {
            commands.push(cmd);
        }
        commands.push("import _ \"time/tzdata\"".into());
    }
    let install = match crate::distro::install_package(ctx.target, "tzdata") {
        Some(line) => {
            commands.push(line);
            format!("install tzdata in {}", ctx.target.name)
        }
        None => {
            commands.push(go_runtime::copy_into(ctx.target, "/usr/share/zoneinfo"));
            format!(
                "copy /usr/share/zoneinfo {}",
                go_runtime::copy_from(ctx.target)
            )
        }
    };
    let summary = if embed {
        format!(
            "Embed the zoneinfo database (-tags timetzdata, or import time/tzdata), or {install}"
        )
    } else {
        let mut s = install;
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        s
    };
    let change = embed.then(|| fixes::GoChange::of(&[], &["timetzdata"], &[]));
    finding.fix(summary, commands).rebuild_if(change)
}

#[cfg(test)]
mod tests {
    use whyrun_facts::go::Reached;
    use whyrun_facts::Facts;
    use whyrun_target::model::TargetModel;

    use crate::finding::Severity;
    use crate::testing::*;
    use crate::Finding;

    fn go003(facts: &Facts, target: &TargetModel) -> Option<Finding> {
        run(facts, target, &resolution(None))
            .into_iter()
            .find(|f| f.code == "GO003")
    }

    #[test]
    fn fires_in_scratch() {
        let facts = fixture("go124-nethello");
        let f = go003(&facts, &scratch()).expect("GO003");
        assert_eq!(f.severity, Severity::FailsAtRuntime);
        assert!(!f.undecided);
        let fix = f.fix.unwrap();
        assert_eq!(
            fix.commands[0],
            "CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -tags timetzdata -trimpath -o nethello example.com/hello/cmd/nethello"
        );
        assert!(fix
            .commands
            .iter()
            .any(|c| c.starts_with("COPY --from=build /usr/share/zoneinfo")));
    }

    #[test]
    fn who_calls_it_bounds_the_severity() {
        // go124-nethello's main.main calls time.LoadLocation: fails at run time (above).
        let mut facts = fixture("go124-nethello");
        let tz = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        let reach = tz.needs.timezone.as_mut().unwrap().reach.as_mut().unwrap();
        assert_eq!(reach.how, Reached::StartUp);
        reach.how = Reached::Feature;
        reach.chain = vec!["main.router.func2".into(), "time.LoadLocation".into()];
        let f = go003(&facts, &scratch()).expect("GO003");
        assert_eq!(f.severity, Severity::Risk);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.ends_with("main.router.func2 → time.LoadLocation")));
        let tz = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        tz.needs
            .timezone
            .as_mut()
            .unwrap()
            .reach
            .as_mut()
            .unwrap()
            .how = Reached::LinkedOnly;
        let f = go003(&facts, &scratch()).expect("GO003");
        assert_eq!(f.severity, Severity::Info);
        // Info is not worth a "cannot tell" on a profile that does not say.
        let mut target = debian12();
        target.runtime_files.zoneinfo = None;
        assert!(go003(&facts, &target).is_none());
    }

    #[test]
    fn silent_with_zoneinfo_embedded_or_configured() {
        let facts = fixture("go124-nethello");
        assert!(go003(&facts, &debian12()).is_none());
        let mut target = scratch();
        target
            .env
            .insert("ZONEINFO".into(), "/app/zoneinfo.zip".into());
        assert!(go003(&facts, &target).is_none());
        let mut embedded = fixture("go124-nethello");
        let symtab = embedded.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab.packages.push("time/tzdata".into());
        symtab.needs.timezone.as_mut().unwrap().tzdata_embedded = true;
        assert!(go003(&embedded, &scratch()).is_none());
        // No LoadLocation and no TZ: nothing to say.
        assert!(go003(&fixture("go124-hello"), &scratch()).is_none());
    }

    #[test]
    fn tz_without_zoneinfo_is_info() {
        let mut target = scratch();
        target.env.insert("TZ".into(), "Europe/Berlin".into());
        let f = go003(&fixture("go124-hello"), &target).expect("GO003");
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("TZ=Europe/Berlin"));
        target.env.insert("TZ".into(), "UTC".into());
        assert!(go003(&fixture("go124-hello"), &target).is_none());
    }

    #[test]
    fn undecided_for_a_profile_that_does_not_say() {
        let mut target = debian12();
        target.runtime_files.zoneinfo = None;
        let f = go003(&fixture("go124-nethello"), &target).expect("GO003");
        assert!(f.undecided);
    }
}

//! The emitters on a report built from real rule metadata (and a real CONF001 finding on a
//! configuration file): SARIF validates against the official 2.1.0 schema, JSON against
//! whyrun's own (`schemas/`), and every format's output is pinned with a snapshot.

use whyrun_report::{BinaryReport, CheckReport, InputReport, TargetReport};
use whyrun_rules::rules::{GoReleaseEndOfLife, MissingInterpreter};
use whyrun_rules::{CodeReference, ConfigSubject, Input, Severity, Subject, Verdict};

use crate::sarif_schema::sarif_validator;

/// What rule CONF001 reports on a whyrun.toml whose second line ignores `GO06`.
fn config_input() -> InputReport {
    let subject = ConfigSubject {
        path: "whyrun.toml".into(),
        codes: vec![CodeReference {
            code: "GO06".into(),
            key: "ignore".into(),
            line: 2,
            column: 12,
        }],
    };
    InputReport {
        subject: Subject::Config,
        path: subject.path.clone(),
        findings: whyrun_rules::run(Input::Config(&subject)),
    }
}

fn report() -> CheckReport {
    let blocked = MissingInterpreter::META
        .finding("the interpreter /lib64/ld-linux-x86-64.so.2 does not exist in alpine-3.19")
        .evidence("PT_INTERP is /lib64/ld-linux-x86-64.so.2 (glibc)", "./server")
        .evidence("the target's libc is musl 1.2.4, whose loader is /lib/ld-musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1")
        .fix(
            "Rebuild without cgo so the binary needs no libc",
            vec!["CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -o ginapp example.com/ginapp".into()],
        );
    let undecided = MissingInterpreter::META
        .finding("an undecidable finding, to show how it is rendered")
        .severity(Severity::Risk)
        .undecided();
    CheckReport {
        binaries: vec![BinaryReport {
            path: "./my server".into(),
            summary:
                "x86_64 ELF64, Go go1.24.4, CGO_ENABLED=1, dynamic (/lib64/ld-linux-x86-64.so.2)"
                    .into(),
            targets: vec![
                TargetReport {
                    target: "alpine-3.19".into(),
                    kind: "profile".into(),
                    path_in_target: "/usr/local/bin/server".into(),
                    verdict: Verdict::of(std::slice::from_ref(&blocked)),
                    findings: vec![blocked],
                    ignored: vec![
                        GoReleaseEndOfLife::META.finding("built with go1.24.4, out of support")
                    ],
                    image: None,
                    rebuild: None,
                },
                TargetReport {
                    target: "debian-12".into(),
                    kind: "profile".into(),
                    path_in_target: "/usr/local/bin/server".into(),
                    verdict: Verdict::of(std::slice::from_ref(&undecided)),
                    findings: vec![undecided],
                    ignored: Vec::new(),
                    image: None,
                    rebuild: None,
                },
            ],
        }],
        inputs: vec![config_input()],
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let sarif = whyrun_report::sarif::to_value(&report(), "0.1.0");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Every result has a location and names a rule described in rules[].
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        assert!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        let i = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], result["ruleId"]);
        assert!(rules[i]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why it breaks"));
    }
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "./my%20server"
    );
    // The configuration's finding is located on its file, line and column.
    let conf = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CONF001")
        .expect("a CONF001 result");
    let physical = &conf["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "whyrun.toml");
    assert_eq!(physical["region"]["startLine"], 2);
    assert_eq!(physical["region"]["startColumn"], 12);
}

#[test]
fn a_report_that_is_not_sarif_fails_validation() {
    let validator = sarif_validator();
    let mut sarif = whyrun_report::sarif::to_value(&report(), "0.1.0");
    sarif["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(
        !validator.is_valid(&sarif),
        "the schema check must be able to fail"
    );
}

#[test]
fn human_output() {
    let mut out = Vec::new();
    whyrun_report::human::write(&mut out, &report(), false).unwrap();
    let text = anstream::adapter::strip_str(std::str::from_utf8(&out).unwrap()).to_string();
    insta::assert_snapshot!(text);
}

#[test]
fn human_output_lists_ignored_findings_on_request() {
    let render = |show| {
        let mut out = Vec::new();
        whyrun_report::human::write(&mut out, &report(), show).unwrap();
        anstream::adapter::strip_str(std::str::from_utf8(&out).unwrap()).to_string()
    };
    assert!(render(false).contains("1 finding ignored (--show-ignored)"));
    assert!(render(true).contains("ignored GO006 info  built with go1.24.4"));
    assert!(render(false).starts_with(
        "whyrun.toml:2:12: CONF001 unknown rule code \"GO06\" under ignore (did you mean GO006?)"
    ));
}

#[test]
fn json_output() {
    let mut out = Vec::new();
    whyrun_report::json::write(&mut out, &report(), "0.1.0").unwrap();
    let json = crate::json_schema::parse(&out);
    assert_eq!(json["schema"], "whyrun.check/2");
    assert_eq!(
        json["binaries"][0]["targets"][0]["ignored"][0]["code"],
        "GO006"
    );
    assert_eq!(json["inputs"][0]["subject"], "config");
    assert_eq!(json["worst_verdict"], "wont-start");
    insta::assert_json_snapshot!(json);
}

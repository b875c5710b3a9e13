//! `whyrun.toml` and its command-line overrides, end to end: discovery from the current
//! directory upwards, `--config`, `--no-config`, `--ignore`, `--severity`,
//! `--show-ignored`, and the errors for an unknown key or code. The binary is the small
//! Go fixture `go124-nethello`, whose `main.main` loads the CA roots and a time zone: on
//! the `scratch` profile it fails at run time with GO002 (no CA certificates) and GO003
//! (no zoneinfo), and also reports GO006 (info).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use crate::fixtures;

fn binary() -> PathBuf {
    fixtures::small("go124-nethello")
}

/// `whyrun check BINARY -t scratch ARGS --format json` run in `dir`.
fn check(dir: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = Command::cargo_bin("whyrun")
        .unwrap()
        .current_dir(dir)
        .arg("check")
        .arg(binary())
        .args(["-t", "scratch", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = crate::json_schema::try_parse(&out.stdout).unwrap_or(Value::Null);
    (json, out.status.code().unwrap(), stderr)
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn target(json: &Value) -> &Value {
    &json["binaries"][0]["targets"][0]
}

#[test]
fn without_configuration_the_failure_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (json, code, _) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(target(&json)["verdict"], "fails-at-runtime");
    assert_eq!(codes(&target(&json)["findings"])[..2], ["GO002", "GO003"]);
    assert!(codes(&target(&json)["ignored"]).is_empty());
}

#[test]
fn an_ignored_failing_rule_leaves_exit_0_and_a_json_ignored_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("whyrun.toml"),
        "ignore = [\"GO002\", \"GO003\"]\n",
    )
    .unwrap();
    // Found from a directory below the one that holds it.
    let below = dir.path().join("src/cmd");
    std::fs::create_dir_all(&below).unwrap();
    let (json, code, stderr) = check(&below, &[]);
    assert_eq!(code, 0, "{stderr}");
    let t = target(&json);
    assert_eq!(t["verdict"], "runs", "{t}");
    assert!(!codes(&t["findings"]).contains(&"GO003".to_string()));
    assert_eq!(codes(&t["ignored"]), ["GO002", "GO003"]);
    // --no-config reads nothing: the failure is back.
    let (json, code, _) = check(&below, &["--no-config"]);
    assert_eq!(code, 1);
    assert!(codes(&target(&json)["ignored"]).is_empty());
}

#[test]
fn config_names_a_file_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("team.toml");
    std::fs::write(&file, "ignore = [\"GO002\", \"GO003\", \"GO006\"]\n").unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (json, code, _) = check(elsewhere.path(), &["--config", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        codes(&target(&json)["ignored"]),
        ["GO002", "GO003", "GO006"]
    );
}

#[test]
fn ignore_and_severity_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (json, code, _) = check(dir.path(), &["--ignore", "go002", "--ignore", "go003"]);
    assert_eq!(code, 0);
    assert_eq!(codes(&target(&json)["ignored"]), ["GO002", "GO003"]);
    // Comma-separated, as ruff takes them.
    let (json, code, _) = check(dir.path(), &["--ignore", "GO002,GO003"]);
    assert_eq!(code, 0);
    assert_eq!(codes(&target(&json)["ignored"]), ["GO002", "GO003"]);
    // A failure reported as a note no longer fails the run; the verdict still says what
    // will happen.
    let (json, code, _) = check(
        dir.path(),
        &["--severity", "GO002=note", "--severity", "GO003=note"],
    );
    assert_eq!(code, 0);
    let t = target(&json);
    assert_eq!(t["verdict"], "fails-at-runtime");
    assert_eq!(t["findings"][0]["level"], "note");
    // An info finding raised to error fails it.
    let (_, code, _) = check(
        dir.path(),
        &[
            "--ignore",
            "GO002",
            "--ignore",
            "GO003",
            "--severity",
            "GO006=error",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn show_ignored_lists_them_in_human_output() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = Command::cargo_bin("whyrun")
            .unwrap()
            .current_dir(dir.path())
            .arg("check")
            .arg(binary())
            .args(["-t", "scratch", "--ignore", "GO006"])
            .args(extra)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[]);
    assert!(
        text.contains("1 finding ignored (--show-ignored)"),
        "{text}"
    );
    assert!(!text.contains("GO006"), "{text}");
    let text = run(&["--show-ignored"]);
    assert!(text.contains("ignored GO006 info"), "{text}");
}

#[test]
fn an_unknown_key_is_an_error_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("whyrun.toml"),
        "ignore = []\ntargetz = [\"debian-12\"]\n",
    )
    .unwrap();
    let (json, code, stderr) = check(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(json, Value::Null, "nothing is checked with a broken config");
    let file = dir.path().join("whyrun.toml");
    assert!(
        stderr.contains(&format!("{}:2:1: unknown field `targetz`", file.display())),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_unknown_code_is_reported_at_its_line_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("whyrun.toml"),
        "# team settings\nignore = [\"GO06\"]\n",
    )
    .unwrap();
    let (json, code, stderr) = check(dir.path(), &[]);
    assert_eq!(code, 2, "an unknown code is an input error");
    assert!(
        stderr.contains("whyrun.toml:2:12: CONF001 unknown rule code \"GO06\" under ignore (did you mean GO006?)"),
        "{stderr}"
    );
    // The check still ran, and the finding is in the report as the config's input.
    assert_eq!(target(&json)["verdict"], "fails-at-runtime");
    let input = &json["inputs"][0];
    assert_eq!(input["subject"], "config");
    assert_eq!(input["findings"][0]["code"], "CONF001");
    let at = &input["findings"][0]["evidence"][0]["at"];
    assert_eq!(
        (at["line"].as_u64(), at["column"].as_u64()),
        (Some(2), Some(12))
    );
}

#[test]
fn an_unknown_code_on_the_command_line_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_, code, stderr) = check(dir.path(), &["--ignore", "LIB01"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean LIB001?"), "{stderr}");
}

#[test]
fn configured_targets_apply_when_none_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("whyrun.toml"),
        "targets = [\"alpine-3.19\"]\n",
    )
    .unwrap();
    let out = Command::cargo_bin("whyrun")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .arg(binary())
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    assert_eq!(target(&json)["target"], "alpine-3.19");
}

/// The configuration's finding reaches SARIF located on the file, line and column it is
/// about, and the document validates against the SARIF 2.1.0 schema.
#[test]
fn an_unknown_code_is_a_sarif_result_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("whyrun.toml"),
        "targets = [\"scratch\"]\n\n[severity]\nGO02 = \"warning\"\n",
    )
    .unwrap();
    let out = Command::cargo_bin("whyrun")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif"])
        .arg(binary())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = crate::sarif_schema::sarif_validator()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let conf = results
        .iter()
        .find(|r| r["ruleId"] == "CONF001")
        .expect("a CONF001 result");
    let physical = &conf["locations"][0]["physicalLocation"];
    let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("/whyrun.toml"), "{uri}");
    assert_eq!(physical["region"]["startLine"], 4);
    assert_eq!(physical["region"]["startColumn"], 1);
    // The binary's findings are still there, located on the binary.
    assert!(results.iter().any(|r| r["ruleId"] == "GO003"));
}

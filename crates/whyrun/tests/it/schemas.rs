//! The published JSON Schemas (`schemas/`): each is a valid draft 2020-12 schema named
//! after its document's `schema` field, docs/json.md lists exactly them, a real output of
//! each command validates, and copies of it broken the ways a schema must catch (a field
//! removed, an enum value changed, a field added, a null where none is printed) do not.

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::{json, Value};

use crate::fixtures;
use crate::json_schema::{self, ID_BASE, SCHEMAS};

fn whyrun(args: &[&str]) -> Value {
    let out = Command::cargo_bin("whyrun")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    json_schema::parse_output(&out)
}

fn small(name: &str) -> String {
    fixtures::small(name).display().to_string()
}

/// One way to break a valid document, at a JSON pointer.
enum Break {
    /// Remove the field.
    Remove(String),
    /// Replace the value.
    Set(String, Value),
    /// Add a field the schema does not know to the object.
    Add(String),
}

fn rm(pointer: impl Into<String>) -> Break {
    Break::Remove(pointer.into())
}

fn set(pointer: impl Into<String>, v: Value) -> Break {
    Break::Set(pointer.into(), v)
}

fn add(pointer: impl Into<String>) -> Break {
    Break::Add(pointer.into())
}

/// `doc` validates, and each broken copy of it does not, with an error at the broken
/// place or one of the objects holding it (never only at the top, unless it is the top).
fn assert_catches(doc: &Value, breaks: &[Break]) {
    json_schema::validate(doc);
    for b in breaks {
        let mut broken = doc.clone();
        let (pointer, shown): (&str, String) = match b {
            Break::Remove(p) => {
                let (parent, key) = p.rsplit_once('/').unwrap();
                let removed = broken
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .and_then(|o| o.remove(key));
                assert!(removed.is_some(), "{p} is not in the document: {doc}");
                (p, format!("without {p}"))
            }
            Break::Set(p, v) => {
                let slot = broken
                    .pointer_mut(p)
                    .unwrap_or_else(|| panic!("{p} is not in the document: {doc}"));
                *slot = v.clone();
                (p, format!("with {p} = {v}"))
            }
            Break::Add(p) => {
                let object = broken
                    .pointer_mut(p)
                    .and_then(Value::as_object_mut)
                    .unwrap_or_else(|| panic!("{p} is not an object in the document: {doc}"));
                object.insert("not_a_whyrun_field".into(), json!(true));
                (p, format!("with a field added at {p:?}"))
            }
        };
        let errors = json_schema::errors(&broken);
        assert!(
            !errors.is_empty(),
            "{} {shown} still validates",
            doc["schema"]
        );
        let at_or_above = |e: &String| {
            let path = e.split(": ").next().unwrap_or("");
            (pointer == path || pointer.starts_with(&format!("{path}/")))
                && (!path.is_empty() || pointer.matches('/').count() <= 1)
        };
        assert!(
            errors.iter().any(at_or_above),
            "{} {shown}: no error at {pointer} or an object holding it:\n  {}",
            doc["schema"],
            errors.join("\n  ")
        );
    }
}

#[test]
fn every_schema_is_a_draft_2020_12_schema_named_after_its_document() {
    let dir = fixtures::repo().join("schemas");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = SCHEMAS.iter().map(|(_, f, _)| f.to_string()).collect();
    assert_eq!(on_disk, listed, "schemas/ and json_schema::SCHEMAS differ");
    for (name, file, text) in SCHEMAS {
        assert_eq!(
            *file,
            format!("{}.schema.json", name.replace('/', "-")),
            "{name}: the file is not named after the schema"
        );
        // The file on disk is the one compiled into the tests.
        assert_eq!(
            std::fs::read_to_string(dir.join(file)).unwrap(),
            *text,
            "{file}"
        );
        let schema: Value = serde_json::from_str(text).unwrap();
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{file} is not a valid JSON Schema: {e}");
        }
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{file}"
        );
        assert_eq!(schema["$id"], format!("{ID_BASE}{file}"), "{file}");
        for key in ["title", "description"] {
            assert!(
                schema[key].as_str().is_some_and(|s| !s.is_empty()),
                "{file} has no {key}"
            );
        }
        assert_eq!(schema["properties"]["schema"]["const"], *name, "{file}");
        assert_eq!(schema["additionalProperties"], false, "{file}");
        assert!(json_schema::validator(name).is_some());
    }
}

/// Every object of every schema says which fields it has and is closed: the schemas
/// describe exactly what this whyrun prints (docs/json.md, "Schemas").
#[test]
fn every_object_of_every_schema_is_closed() {
    fn walk(file: &str, at: &str, v: &Value, open: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if map.get("type") == Some(&json!("object"))
                    && map.contains_key("properties")
                    && map.get("additionalProperties") != Some(&json!(false))
                {
                    open.push(format!("{file}{at}"));
                }
                for (k, v) in map {
                    walk(file, &format!("{at}/{k}"), v, open);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(file, &format!("{at}/{i}"), v, open);
                }
            }
            _ => {}
        }
    }
    let mut open = Vec::new();
    for (_, file, text) in SCHEMAS {
        walk(file, "#", &serde_json::from_str(text).unwrap(), &mut open);
    }
    assert!(open.is_empty(), "open objects: {open:#?}");
}

#[test]
fn docs_list_exactly_the_schema_files() {
    let doc = std::fs::read_to_string(fixtures::repo().join("docs/json.md")).unwrap();
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("JSON Schemas"))
        .expect("docs/json.md has a \"## JSON Schemas\" section");
    // Rows: | `whyrun.check/2` | [`schemas/whyrun.check-2.schema.json`](../schemas/…) |
    let rows: BTreeSet<(String, String)> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells[1].trim_matches('`').to_string();
            let link = cells[2];
            let file = link
                .split_once("(../schemas/")
                .and_then(|(shown, rest)| {
                    let target = rest.strip_suffix(')')?;
                    (shown == format!("[`schemas/{target}`]")).then(|| target.to_string())
                })
                .unwrap_or_else(|| panic!("docs/json.md: the row {l:?} does not link its file as [`schemas/F`](../schemas/F)"));
            (name, file)
        })
        .collect();
    let expected: BTreeSet<(String, String)> = SCHEMAS
        .iter()
        .map(|(n, f, _)| (n.to_string(), f.to_string()))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_document_without_a_known_schema_fails() {
    let doc = whyrun(&["rules", "--json"]);
    let mut other = doc.clone();
    other["schema"] = json!("whyrun.rules/99");
    assert_eq!(
        json_schema::errors(&other),
        ["the document's schema \"whyrun.rules/99\" has no file in schemas/"]
    );
    let mut none = doc;
    none.as_object_mut().unwrap().remove("schema");
    assert_eq!(
        json_schema::errors(&none),
        ["the document has no \"schema\" string field"]
    );
}

#[test]
fn check_schema() {
    // A Go binary using net/http on an empty image: three findings with fixes, rebuilt
    // together; a glibc binary on Alpine.
    let doc = whyrun(&[
        "check",
        "--no-config",
        &small("go124-nethello"),
        &small("c-glibc-dynamic"),
        "--target",
        "scratch",
        "--target",
        "alpine-3.19",
        "--format",
        "json",
    ]);
    let t = "/binaries/0/targets/0";
    assert!(
        doc.pointer(&format!("{t}/rebuild/command")).is_some(),
        "{doc}"
    );
    assert_catches(
        &doc,
        &[
            rm("/worst_verdict"),
            set("/worst_verdict", json!("maybe")),
            rm("/binaries/0/targets/0/ignored"),
            set("/binaries/0/targets/0/verdict", json!("wont-run")),
            set("/binaries/0/targets/0/kind", json!("vm")),
            add("/binaries/0/targets/0"),
            rm("/binaries/0/targets/0/findings/0/stage"),
            set("/binaries/0/targets/0/findings/0/severity", json!("fatal")),
            set("/binaries/0/targets/0/findings/0/level", json!("info")),
            set("/binaries/0/targets/0/findings/0/message", Value::Null),
            set("/binaries/0/targets/0/findings/0/code", json!("go2")),
            add("/binaries/0/targets/0/findings/0/evidence/0"),
            set(
                "/binaries/0/targets/0/findings/0/evidence/0/at/kind",
                json!("url"),
            ),
            rm("/binaries/0/targets/0/findings/0/fix/commands"),
            rm("/binaries/0/targets/0/rebuild/conflicts"),
            add("/binaries/0/targets/0/rebuild"),
            add(""),
        ],
    );
}

#[test]
fn inspect_schema() {
    let doc = whyrun(&[
        "inspect",
        "--json",
        &small("go124-nethello"),
        &small("c-glibc-dynamic"),
        &small("manifest.tsv"),
    ]);
    assert!(doc.pointer("/files/2/error").is_some(), "{doc}");
    assert_catches(
        &doc,
        &[
            rm("/whyrun_version"),
            rm("/files/0/facts/elf/linkage"),
            set("/files/0/facts/elf/file_type", json!("pie")),
            set("/files/0/facts/elf/needed", Value::Null),
            add("/files/0/facts/elf/hardening"),
            rm("/files/0/facts/go/build_info/typed/trimpath"),
            set("/files/0/facts/go/symtab/pclntab_version", json!("1.99")),
            add("/files/0/facts/go/symtab/needs"),
            set("/files/1/facts/go", json!({})),
            set("/files/1/facts/file_size", json!(-1)),
            add("/files/2"),
            rm("/files/2/error"),
        ],
    );
}

#[test]
fn tree_schema() {
    let doc = whyrun(&["tree", "--json", "/bin/ls"]);
    assert_catches(
        &doc,
        &[
            rm("/target"),
            rm("/files/0/tree/objects/0/canonical"),
            set("/files/0/tree/objects/0/needs/0/outcome", json!("found")),
            add("/files/0/tree/objects/0/needs/0"),
            set("/files/0/tree/search/libc", json!("bionic")),
            add("/files/0/tree/search"),
            set("/files/0/tree/missing", Value::Null),
            rm("/files/0/ok"),
        ],
    );
}

#[test]
fn explain_schema() {
    let doc = whyrun(&[
        "explain",
        "--json",
        "exec ./app: no such file or directory",
        &small("c-glibc-dynamic"),
        "--target",
        "alpine-3.19",
    ]);
    let libc001 = doc["matches"][0]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["rule"] == "LIBC001")
        .expect("LIBC001 is a cause of this message");
    let cause = format!("/matches/0/causes/{libc001}");
    assert_catches(
        &doc,
        &[
            rm("/message"),
            rm("/whyrun_version"),
            add("/matches/0"),
            rm(format!("{cause}/applies_on")),
            set(format!("{cause}/fixes/0/summary"), json!(3)),
            set(format!("{cause}/rule"), json!("libc-1")),
        ],
    );
}

#[test]
fn rules_schema() {
    let doc = whyrun(&["rules", "--format", "json"]);
    let codes: Vec<&str> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(codes.len(), whyrun_rules::RULES.len());
    assert_catches(
        &doc,
        &[
            rm("/rules/0/stage"),
            set("/rules/0/severity", json!("blocks")),
            set("/rules/0/family", json!("NET")),
            set("/rules/0/subject", json!("binary")),
            set("/rules/0/name", json!("Wrong Architecture")),
            add("/rules/0"),
        ],
    );
}

#[test]
fn target_schema() {
    let doc = whyrun(&["snapshot"]);
    assert_catches(
        &doc,
        &[
            rm("/runtime_files/tmp"),
            set("/source", json!("vm")),
            set("/name", Value::Null),
            add("/runtime_files"),
            rm("/libraries/0/versions"),
            set("/libraries/0/arch", Value::Null),
        ],
    );
}

/// What `--target NAME` reads is what a snapshot of that system would say: each built-in
/// profile, written as a snapshot, matches the snapshot schema.
#[test]
fn every_profile_written_as_a_snapshot_matches_the_target_schema() {
    let names = whyrun_target::profiles::names();
    assert!(names.len() > 10);
    for name in names {
        let mut model = whyrun_target::profiles::profile(name)
            .unwrap_or_else(|| panic!("profile {name} has no model"));
        model.schema = whyrun_target::model::SCHEMA.into();
        let doc: Value = serde_json::from_str(&whyrun_target::snapshot::to_json(&model)).unwrap();
        let errors = json_schema::errors(&doc);
        assert!(
            errors.is_empty(),
            "profile {name}:\n  {}",
            errors.join("\n  ")
        );
    }
}

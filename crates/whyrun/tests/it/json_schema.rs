//! whyrun's published JSON Schemas (`schemas/` at the repository root) as validators, and
//! the one way the tests read a JSON document whyrun prints: parse it, pick the schema its
//! `schema` field names, validate, and panic with every error and where it is. A document
//! without a known `schema` field fails too. Shared with whyrun-report's tests through
//! `#[path]`.
// whyrun-report's tests use only part of it.
#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::Value;

/// Where the schemas are published: each file's `$id` is this followed by its name.
pub const ID_BASE: &str = "https://whyrun.invalid/schemas/";

/// Every schema: the value of a document's `schema` field, the file in `schemas/`, its text.
pub const SCHEMAS: &[(&str, &str, &str)] = &[
    (
        "whyrun.check/2",
        "whyrun.check-2.schema.json",
        include_str!("../../../../schemas/whyrun.check-2.schema.json"),
    ),
    (
        "whyrun.explain/1",
        "whyrun.explain-1.schema.json",
        include_str!("../../../../schemas/whyrun.explain-1.schema.json"),
    ),
    (
        "whyrun.inspect/1",
        "whyrun.inspect-1.schema.json",
        include_str!("../../../../schemas/whyrun.inspect-1.schema.json"),
    ),
    (
        "whyrun.rules/1",
        "whyrun.rules-1.schema.json",
        include_str!("../../../../schemas/whyrun.rules-1.schema.json"),
    ),
    (
        "whyrun.target/1",
        "whyrun.target-1.schema.json",
        include_str!("../../../../schemas/whyrun.target-1.schema.json"),
    ),
    (
        "whyrun.tree/1",
        "whyrun.tree-1.schema.json",
        include_str!("../../../../schemas/whyrun.tree-1.schema.json"),
    ),
];

/// The validator of the document kind `schema` (`whyrun.check/2`), compiled once.
pub fn validator(schema: &str) -> Option<&'static jsonschema::Validator> {
    static COMPILED: OnceLock<Vec<jsonschema::Validator>> = OnceLock::new();
    let all = COMPILED.get_or_init(|| {
        SCHEMAS
            .iter()
            .map(|(_, file, text)| {
                let v: Value = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("schemas/{file} is not JSON: {e}"));
                jsonschema::validator_for(&v)
                    .unwrap_or_else(|e| panic!("schemas/{file} does not compile: {e}"))
            })
            .collect()
    });
    SCHEMAS
        .iter()
        .position(|(name, _, _)| *name == schema)
        .map(|i| &all[i])
}

/// Every way `doc` breaks its schema, one line each (`/path/in/document: error`); a
/// document that names no known schema is one error.
pub fn errors(doc: &Value) -> Vec<String> {
    let Some(name) = doc.get("schema").and_then(Value::as_str) else {
        return vec!["the document has no \"schema\" string field".into()];
    };
    let Some(v) = validator(name) else {
        return vec![format!(
            "the document's schema {name:?} has no file in schemas/"
        )];
    };
    let mut out = Vec::new();
    for e in v.iter_errors(doc) {
        describe(&e, &mut out);
    }
    out
}

/// One line per error, `/path: message`. A `oneOf` or `anyOf` that no branch matches is
/// told by the errors of the branch that came closest (the fewest errors): that names the
/// field at fault rather than the whole object.
fn describe(e: &jsonschema::ValidationError<'_>, out: &mut Vec<String>) {
    use jsonschema::error::ValidationErrorKind;
    if let ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } =
        e.kind()
    {
        if let Some(closest) = context.iter().min_by_key(|branch| branch.len()) {
            for e in closest {
                describe(e, out);
            }
            return;
        }
    }
    let mut message = e.to_string();
    if message.len() > 300 {
        let mut end = 300;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push_str(" …");
    }
    out.push(format!("{}: {message}", e.instance_path()));
}

/// Panics unless `doc` is valid against the schema it names.
pub fn validate(doc: &Value) {
    let errors = errors(doc);
    assert!(
        errors.is_empty(),
        "whyrun's JSON does not match its schema ({}):\n  {}\ndocument: {}",
        doc.get("schema").unwrap_or(&Value::Null),
        errors.join("\n  "),
        truncated(doc)
    );
}

/// whyrun's JSON output, parsed and validated; panics when it is not JSON or does not
/// match its schema.
pub fn parse(stdout: &[u8]) -> Value {
    try_parse(stdout).unwrap_or_else(|e| {
        panic!(
            "whyrun printed no JSON ({e}): {}",
            String::from_utf8_lossy(&stdout[..stdout.len().min(2000)])
        )
    })
}

/// The JSON a run of whyrun printed, parsed and validated; panics (with its exit code and
/// stderr) when it is not JSON or does not match its schema.
pub fn parse_output(out: &std::process::Output) -> Value {
    try_parse(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "whyrun printed no JSON ({e}), exit {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// whyrun's output, parsed: `Err` when it is not JSON (some runs print nothing on
/// purpose); a JSON document is validated and panics when it does not match its schema.
pub fn try_parse(stdout: &[u8]) -> Result<Value, serde_json::Error> {
    let doc: Value = serde_json::from_slice(stdout)?;
    validate(&doc);
    Ok(doc)
}

fn truncated(doc: &Value) -> String {
    let mut s = doc.to_string();
    if s.len() > 4000 {
        let mut end = 4000;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str(" …");
    }
    s
}

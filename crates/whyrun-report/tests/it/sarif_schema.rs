//! The SARIF 2.1.0 schema as a validator, for the tests that check whyrun's SARIF (this
//! crate's emitter tests, and the CLI's through `#[path]`).

/// The official schema, as shipped. Its `language` patterns have a stray `]`
/// (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that ECMA regexes tolerate and the
/// validator rejects; those patterns are replaced by their intended form in memory (whyrun
/// never writes `language`), the rest is used as it is.
pub fn sarif_validator() -> jsonschema::Validator {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    fn mend(v: &mut serde_json::Value, count: &mut usize) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k == "pattern" && v == BROKEN {
                        *v = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        *count += 1;
                    } else {
                        mend(v, count);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mend(v, count)),
            _ => {}
        }
    }
    let mut schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let mut count = 0;
    mend(&mut schema, &mut count);
    assert!(
        count > 0,
        "the schema no longer has the broken pattern: drop this mending"
    );
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

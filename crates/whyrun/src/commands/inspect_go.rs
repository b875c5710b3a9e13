//! The Go part of `whyrun inspect`'s text output.

use whyrun_facts::go::GoFacts;

pub fn print_go(go: Option<&GoFacts>, _verbose: bool, _row: fn(&str, String)) {
    if go.is_none() {}
}

//! Pretty-printed JSON as `serde_json::to_writer_pretty` writes it (two spaces per level),
//! with each line's break and indentation written in one piece instead of one piece per
//! level: the indentation is most of what a deep document writes.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// A newline and the indentation of 64 levels, written in part for each line break.
const BREAK: [u8; 129] = {
    let mut b = [b' '; 129];
    b[0] = b'\n';
    b
};

/// Writes `value` exactly as `serde_json::to_writer_pretty` does.
pub fn to_writer_pretty<W: Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(writer, Pretty::default()))
}

/// serde_json's `PrettyFormatter` with a two-space indent; numbers, strings and their
/// escapes are written by the trait's defaults, as both of serde_json's formatters do.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A newline and the current indentation.
    fn line_break<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        match BREAK.get(..1 + 2 * self.depth) {
            Some(piece) => w.write_all(piece),
            None => {
                w.write_all(b"\n")?;
                (0..self.depth).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }

    fn begin<W: ?Sized + Write>(&mut self, w: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line_break(w)?;
        }
        w.write_all(close)
    }

    fn begin_item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line_break(w)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.begin_item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.begin_item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(v: &serde_json::Value) {
        let mut ours = Vec::new();
        to_writer_pretty(&mut ours, v).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string_pretty(v).unwrap()
        );
    }

    #[test]
    fn writes_what_serde_json_writes() {
        both(&json!(null));
        both(&json!([]));
        both(&json!({}));
        both(&json!({"a": [], "b": {}, "c": [{}], "d": [[]]}));
        both(&json!({
            "schema": "x/1",
            "s": "line\nbreak \"quoted\" \u{7f} é \u{1}",
            "n": [1, -2, 3.5, 1e300, u64::MAX],
            "t": [true, false, null],
            "deep": {"a": {"b": {"c": [{"d": ["e", {"f": {}}]}]}}},
        }));
    }

    #[test]
    fn nesting_deeper_than_one_piece_of_indentation() {
        let mut v = json!("leaf");
        for i in 0..70 {
            v = if i % 2 == 0 {
                json!([v, 1])
            } else {
                json!({ "k": v })
            };
        }
        both(&v);
    }
}

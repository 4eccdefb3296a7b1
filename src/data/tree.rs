//! One document tree for TOML and JSON data files: every value keeps its byte span (for diagnostics) and every
//! number keeps its source text (for exact decimals). TOML comes from `toml`'s spanned [`DeTable`]; JSON from a
//! small parser here, because `serde_json` neither reports value positions nor keeps number text.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// How deep arrays and tables may nest before a document is refused (no unbounded recursion).
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(String),
    /// A number as written, in the given radix (TOML integers may be hex, octal or binary; `_` removed).
    Number {
        text: String,
        radix: u32,
    },
    Bool(bool),
    /// A TOML date or time: never a valid data value.
    Datetime,
    Array(Vec<Node>),
    /// Entries in source order.
    Table(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Node,
}

impl Value {
    /// The type's name as a message shows it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Number { .. } => "a number",
            Value::Bool(_) => "a boolean",
            Value::Datetime => "a date",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// A syntax error: message and byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

/// Parses a TOML document. Every syntax error the parser can recover from is reported, not only the first.
pub fn parse_toml(text: &str) -> Result<Node, Vec<SyntaxError>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|error| SyntaxError {
                message: error.message().trim().to_string(),
                offset: error.span().map_or(0, |span| span.start),
            })
            .collect());
    }
    let span = table.span();
    let entries = toml_entries(table.get_ref(), 0).map_err(|error| vec![error])?;
    Ok(Node { value: Value::Table(entries), span })
}

fn toml_entries(table: &DeTable<'_>, depth: usize) -> Result<Vec<Entry>, SyntaxError> {
    let mut entries = Vec::with_capacity(table.len());
    for (key, value) in table.iter() {
        entries.push(Entry {
            key: key.get_ref().to_string(),
            key_span: key.span(),
            value: toml_node(value.get_ref(), value.span(), depth + 1)?,
        });
    }
    // `toml` keeps tables sorted by key; the data's own order is the order members and periods are named in.
    entries.sort_by_key(|entry| entry.key_span.start);
    Ok(entries)
}

fn toml_node(value: &DeValue<'_>, span: Range<usize>, depth: usize) -> Result<Node, SyntaxError> {
    if depth > MAX_DEPTH {
        return Err(SyntaxError { message: format!("nested more than {MAX_DEPTH} levels deep"), offset: span.start });
    }
    let value = match value {
        DeValue::String(text) => Value::String(text.to_string()),
        DeValue::Integer(integer) => Value::Number { text: integer.as_str().to_string(), radix: integer.radix() },
        DeValue::Float(float) => Value::Number { text: float.as_str().to_string(), radix: 10 },
        DeValue::Boolean(flag) => Value::Bool(*flag),
        DeValue::Datetime(_) => Value::Datetime,
        DeValue::Array(items) => Value::Array(
            items.iter().map(|item| toml_node(item.get_ref(), item.span(), depth + 1)).collect::<Result<_, _>>()?,
        ),
        DeValue::Table(table) => Value::Table(toml_entries(table, depth)?),
    };
    Ok(Node { value, span })
}

/// Parses a JSON document (RFC 8259). A key given twice in one object is an error.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = JsonParser { text, bytes: text.as_bytes(), pos: 0 };
    parser.skip_whitespace();
    let node = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("unexpected text after the end of the document"));
    }
    Ok(node)
}

struct JsonParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl JsonParser<'_> {
    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError { message: message.into(), offset: self.pos }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), SyntaxError> {
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} levels deep")));
        }
        let start = self.pos;
        let value = match self.bytes.get(self.pos) {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => return Err(self.error("`null` is not a value here; leave the key out instead")),
            Some(_) => return Err(self.error("expected a value (a number, string, object, array, true or false)")),
            None => return Err(self.error("unexpected end of the document; expected a value")),
        };
        Ok(Node { value, span: start..self.pos })
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value (a number, string, object, array, true or false)"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Table(entries));
        }
        loop {
            self.skip_whitespace();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a key in double quotes"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = key_start..self.pos;
            if entries.iter().any(|entry| entry.key == key) {
                return Err(SyntaxError { message: format!("key `{key}` is given twice"), offset: key_start });
            }
            self.skip_whitespace();
            self.expect(b':', "`:` after the key")?;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            entries.push(Entry { key, key_span, value });
            self.skip_whitespace();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Table(entries));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return Err(self.error("expected a digit after `.`"));
            }
            self.digits();
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        // The scanned bytes are ASCII, so the slice is on character boundaries.
        Ok(Value::Number { text: self.text[start..self.pos].to_string(), radix: 10 })
    }

    fn digits(&mut self) {
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The run stops only at ASCII bytes, so both ends are character boundaries.
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                Some(_) => return Err(self.error("control character in a string; write it as an escape")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn escape(&mut self) -> Result<char, SyntaxError> {
        let byte = self.bytes.get(self.pos).copied();
        self.pos += 1;
        Ok(match byte {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(),
            _ => {
                self.pos -= 1;
                return Err(self.error("unknown escape in a string"));
            }
        })
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high).ok_or_else(|| self.error("a lone low surrogate in a \\u escape"));
        }
        if !self.bytes[self.pos..].starts_with(b"\\u") {
            return Err(self.error("a high surrogate \\u escape must be followed by a low one"));
        }
        self.pos += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(self.error("a high surrogate \\u escape must be followed by a low one"));
        }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.bytes.get(self.pos).and_then(|b| (*b as char).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error("expected 4 hex digits in a \\u escape"));
            };
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &Node) -> Vec<&str> {
        match &node.value {
            Value::Table(entries) => entries.iter().map(|e| e.key.as_str()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn toml_keeps_source_order_and_number_text() {
        let node = parse_toml("b = 1_000\na = 0.1\nc = 0x1F\n").unwrap();
        assert_eq!(keys(&node), ["b", "a", "c"]);
        let Value::Table(entries) = &node.value else { panic!() };
        assert_eq!(entries[0].value.value, Value::Number { text: "1000".into(), radix: 10 });
        assert_eq!(entries[1].value.value, Value::Number { text: "0.1".into(), radix: 10 });
        assert_eq!(entries[2].value.value, Value::Number { text: "1F".into(), radix: 16 });
        assert_eq!(&"b = 1_000\na = 0.1\n"[entries[1].value.span.clone()], "0.1");
    }

    #[test]
    fn toml_syntax_error_has_offset() {
        let errors = parse_toml("a = 1\nb = \nc = [\nd = 2\n").unwrap_err();
        assert!(errors[0].offset >= 6, "{errors:?}");
        assert!(errors.len() >= 2, "{errors:?}");
    }

    #[test]
    fn json_values_and_spans() {
        let text = r#"{"z": {"2023": 1.50, "s": "a\u00e9\ud83d\ude00\n"}, "a": [true, false, -0.5e-3]}"#;
        let node = parse_json(text).unwrap();
        assert_eq!(keys(&node), ["z", "a"]);
        let Value::Table(entries) = &node.value else { panic!() };
        let Value::Table(inner) = &entries[0].value.value else { panic!() };
        assert_eq!(inner[0].value.value, Value::Number { text: "1.50".into(), radix: 10 });
        assert_eq!(&text[inner[0].value.span.clone()], "1.50");
        assert_eq!(inner[1].value.value, Value::String("aé😀\n".into()));
    }

    #[test]
    fn json_errors() {
        for (bad, offset) in [
            ("{\"a\": }", 6),
            ("{\"a\": 1,}", 8),
            ("{\"a\": 1} x", 9),
            ("{\"a\": 1, \"a\": 2}", 9),
            ("[01]", 2),
            ("\"abc", 4),
            ("{\"a\": null}", 6),
            ("", 0),
        ] {
            let error = parse_json(bad).unwrap_err();
            assert_eq!(error.offset, offset, "{bad}: {error:?}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse_json(&deep).unwrap_err().message.contains("nested"));
    }
}

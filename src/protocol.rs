//! mdBook's preprocessor JSON, both dialects (SPEC 8).
//!
//! mdBook writes `[context, book]` to the preprocessor's stdin and reads the book back from its stdout. The book's
//! shape differs between mdBook 0.4 (`{"sections": [...], "__non_exhaustive": null}`) and 0.5 (`{"items": [...]}`),
//! so the input is kept as a raw [`serde_json::Value`]: only chapter `content` strings are ever changed, and the book
//! goes back in the dialect that came in with every other field, key order, number and null as it was.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The mdBook versions this preprocessor is built and tested against.
pub const SUPPORTED_MDBOOK: &str = ">=0.4.0, <0.6.0";

/// Which shape the book came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// mdBook 0.4: `{"sections": [...], "__non_exhaustive": null}`.
    V04,
    /// mdBook 0.5: `{"items": [...]}`.
    V05,
}

impl Dialect {
    /// The key holding the book's top-level items.
    pub fn items_key(self) -> &'static str {
        match self {
            Dialect::V04 => "sections",
            Dialect::V05 => "items",
        }
    }
}

/// Why stdin could not be read as an mdBook request. The message names what was expected and where.
#[derive(Debug, PartialEq, Eq)]
pub struct ProtocolError {
    pub message: String,
}

impl ProtocolError {
    fn new(message: impl Into<String>) -> Self {
        ProtocolError { message: message.into() }
    }

    /// A hint for the user, printed under the error.
    pub fn help(&self) -> &'static str {
        "mdbook-kpi without a subcommand is an mdBook preprocessor: mdBook writes `[context, book]` JSON to its \
         stdin. Add `[preprocessor.kpi]` to book.toml and run `mdbook build`, or use `mdbook-kpi check`/`build`."
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProtocolError {}

/// One preprocessor request: the context and the book, as mdBook sent them.
#[derive(Clone, Debug)]
pub struct Request {
    context: Value,
    book: Value,
    dialect: Dialect,
}

/// A chapter of the book with its content open for change.
#[derive(Debug)]
pub struct ChapterMut<'a> {
    pub name: &'a str,
    /// The chapter file relative to the book's `src` folder; `None` for a draft chapter or a generated one.
    pub source_path: Option<&'a str>,
    /// 0 for a top-level chapter, 1 for its sub-chapters, …
    pub depth: usize,
    pub content: &'a mut String,
}

/// A chapter of the book, read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChapterRef<'a> {
    pub name: &'a str,
    pub source_path: Option<&'a str>,
    pub depth: usize,
    pub content: &'a str,
}

impl Request {
    /// Parses the bytes mdBook wrote to stdin. A UTF-8 byte-order mark is skipped.
    pub fn parse(input: &[u8]) -> Result<Request, ProtocolError> {
        let input = input.strip_prefix("\u{feff}".as_bytes()).unwrap_or(input);
        if input.iter().all(u8::is_ascii_whitespace) {
            return Err(ProtocolError::new("stdin is empty; expected mdBook's `[context, book]` JSON"));
        }
        let value: Value =
            serde_json::from_slice(input).map_err(|e| ProtocolError::new(format!("stdin is not valid JSON: {e}")))?;
        Request::from_value(value)
    }

    /// Builds a request from an already parsed `[context, book]` array.
    pub fn from_value(value: Value) -> Result<Request, ProtocolError> {
        let Value::Array(elements) = value else {
            return Err(ProtocolError::new(format!(
                "expected a JSON array `[context, book]` on stdin, found {}",
                type_name(&value)
            )));
        };
        let [context, book]: [Value; 2] = elements.try_into().map_err(|elements: Vec<Value>| {
            ProtocolError::new(format!(
                "expected `[context, book]` (2 elements) on stdin, found {} elements",
                elements.len()
            ))
        })?;
        Request::from_parts(context, book)
    }

    /// Builds a request from the context and the book.
    pub fn from_parts(context: Value, book: Value) -> Result<Request, ProtocolError> {
        validate_context(&context)?;
        let dialect = detect_dialect(&book)?;
        validate_items(&book[dialect.items_key()], dialect.items_key(), 0)?;
        Ok(Request { context, book, dialect })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The book root (the folder holding book.toml); every data, template and schema path resolves against it.
    pub fn root(&self) -> &Path {
        Path::new(self.context["root"].as_str().unwrap_or_default())
    }

    pub fn root_buf(&self) -> PathBuf {
        self.root().to_path_buf()
    }

    /// The renderer this run is for (`html`, `markdown`, …).
    pub fn renderer(&self) -> &str {
        self.context["renderer"].as_str().unwrap_or_default()
    }

    /// The version of the calling mdBook, as it reported it.
    pub fn mdbook_version(&self) -> &str {
        self.context["mdbook_version"].as_str().unwrap_or_default()
    }

    /// `[book] language`, when set (0.5 sends `null` for an unset key).
    pub fn book_language(&self) -> Option<&str> {
        self.config()?.get("book")?.get("language")?.as_str()
    }

    /// `[book] src`, the chapters' folder relative to the root; `src` when unset.
    pub fn book_src(&self) -> &str {
        self.config().and_then(|c| c.get("book")?.get("src")?.as_str()).unwrap_or("src")
    }

    /// The whole book.toml as mdBook parsed it.
    pub fn config(&self) -> Option<&Map<String, Value>> {
        self.context.get("config")?.as_object()
    }

    /// The raw `[preprocessor.kpi]` table, when book.toml has one.
    pub fn kpi_table(&self) -> Option<&Map<String, Value>> {
        self.config()?.get("preprocessor")?.get("kpi")?.as_object()
    }

    /// A warning when the calling mdBook is outside the supported range (or its version is not semver).
    pub fn version_warning(&self) -> Option<String> {
        version_warning(self.mdbook_version())
    }

    /// Every chapter in book order (a chapter, then its sub-chapters), drafts included, with mutable content.
    pub fn chapters_mut(&mut self) -> Vec<ChapterMut<'_>> {
        let key = self.dialect.items_key();
        let mut chapters = Vec::new();
        let Some(Value::Array(items)) = self.book.get_mut(key) else {
            return chapters;
        };
        // An explicit stack of item iterators instead of recursion: book order without a call per nesting level.
        let mut stack = vec![items.iter_mut()];
        while let Some(top) = stack.last_mut() {
            let Some(item) = top.next() else {
                stack.pop();
                continue;
            };
            let depth = stack.len() - 1;
            let Some(Value::Object(chapter)) = item.get_mut("Chapter") else {
                continue;
            };
            let (mut name, mut source_path, mut content, mut sub_items) = (None, None, None, None);
            for (field, value) in chapter.iter_mut() {
                match (field.as_str(), value) {
                    ("name", Value::String(s)) => name = Some(s.as_str()),
                    ("source_path", Value::String(s)) => source_path = Some(s.as_str()),
                    ("content", Value::String(s)) => content = Some(s),
                    ("sub_items", Value::Array(a)) => sub_items = Some(a),
                    _ => {}
                }
            }
            if let (Some(name), Some(content)) = (name, content) {
                chapters.push(ChapterMut { name, source_path, depth, content });
            }
            if let Some(sub_items) = sub_items {
                stack.push(sub_items.iter_mut());
            }
        }
        chapters
    }

    /// Calls `visit` for every chapter in book order; see [`Request::chapters_mut`].
    pub fn for_each_chapter_mut(&mut self, mut visit: impl FnMut(ChapterMut<'_>)) {
        for chapter in self.chapters_mut() {
            visit(chapter);
        }
    }

    /// Every chapter in book order, read-only.
    pub fn chapters(&self) -> Vec<ChapterRef<'_>> {
        let mut chapters = Vec::new();
        let Some(Value::Array(items)) = self.book.get(self.dialect.items_key()) else {
            return chapters;
        };
        let mut stack = vec![items.iter()];
        while let Some(top) = stack.last_mut() {
            let Some(item) = top.next() else {
                stack.pop();
                continue;
            };
            let depth = stack.len() - 1;
            let Some(chapter) = item.get("Chapter") else {
                continue;
            };
            if let (Some(name), Some(content)) = (chapter["name"].as_str(), chapter["content"].as_str()) {
                chapters.push(ChapterRef { name, source_path: chapter["source_path"].as_str(), depth, content });
            }
            if let Some(Value::Array(sub_items)) = chapter.get("sub_items") {
                stack.push(sub_items.iter());
            }
        }
        chapters
    }

    /// The context as mdBook sent it.
    pub fn context(&self) -> &Value {
        &self.context
    }

    /// The book (element 1) as it stands.
    pub fn book(&self) -> &Value {
        &self.book
    }

    /// The book, serialized for mdBook's stdin reader, in the dialect that came in.
    pub fn into_output(self) -> Vec<u8> {
        // Serializing a Value with string keys cannot fail.
        serde_json::to_vec(&self.book).unwrap_or_default()
    }

    /// The book as a value (for the in-process path, which turns it back into mdBook's `Book`).
    pub fn into_book(self) -> Value {
        self.book
    }
}

/// A warning for an mdBook version outside [`SUPPORTED_MDBOOK`].
pub fn version_warning(version: &str) -> Option<String> {
    let supported = semver::VersionReq::parse(SUPPORTED_MDBOOK).ok()?;
    match semver::Version::parse(version.trim_start_matches('v')) {
        // A pre-release of a supported version (0.5.0-beta.1) speaks the same protocol.
        Ok(parsed) if supported.matches(&semver::Version { pre: semver::Prerelease::EMPTY, ..parsed.clone() }) => None,
        Ok(_) => Some(format!(
            "mdbook-kpi is built for mdBook {SUPPORTED_MDBOOK}, but is being called from mdBook {version}; carrying on"
        )),
        Err(_) => Some(format!("mdBook reported the version `{version}`, which is not a semver version; carrying on")),
    }
}

fn validate_context(context: &Value) -> Result<(), ProtocolError> {
    let Value::Object(fields) = context else {
        return Err(ProtocolError::new(format!(
            "element 0 of stdin (the context) must be an object, found {}",
            type_name(context)
        )));
    };
    for key in ["root", "renderer", "mdbook_version"] {
        match fields.get(key) {
            Some(Value::String(_)) => {}
            Some(other) => {
                return Err(ProtocolError::new(format!("context.{key} must be a string, found {}", type_name(other))));
            }
            None => return Err(ProtocolError::new(format!("the context (element 0 of stdin) has no `{key}`"))),
        }
    }
    match fields.get("config") {
        Some(Value::Object(_)) => Ok(()),
        Some(other) => Err(ProtocolError::new(format!("context.config must be an object, found {}", type_name(other)))),
        None => Err(ProtocolError::new("the context (element 0 of stdin) has no `config`")),
    }
}

fn detect_dialect(book: &Value) -> Result<Dialect, ProtocolError> {
    let Value::Object(fields) = book else {
        return Err(ProtocolError::new(format!(
            "element 1 of stdin (the book) must be an object, found {}",
            type_name(book)
        )));
    };
    match (fields.get("items"), fields.get("sections")) {
        (Some(Value::Array(_)), None) => Ok(Dialect::V05),
        (None, Some(Value::Array(_))) => Ok(Dialect::V04),
        (Some(Value::Array(_)), Some(_)) => {
            Err(ProtocolError::new("the book has both `items` (mdBook 0.5) and `sections` (mdBook 0.4)"))
        }
        (Some(other), _) | (_, Some(other)) => {
            Err(ProtocolError::new(format!("the book's item list must be an array, found {}", type_name(other))))
        }
        (None, None) => Err(ProtocolError::new(
            "unknown book format: expected `items` (mdBook 0.5) or `sections` (mdBook 0.4) in element 1 of stdin",
        )),
    }
}

/// JSON nesting is bounded by serde_json's recursion limit (128), so this recursion is bounded too.
fn validate_items(items: &Value, path: &str, depth: usize) -> Result<(), ProtocolError> {
    let Value::Array(items) = items else {
        return Err(ProtocolError::new(format!("book.{path} must be an array, found {}", type_name(items))));
    };
    for (i, item) in items.iter().enumerate() {
        let here = format!("{path}[{i}]");
        match item {
            Value::String(s) if s == "Separator" => {}
            Value::Object(o) if o.len() == 1 && o.get("PartTitle").is_some_and(Value::is_string) => {}
            Value::Object(o) if o.len() == 1 && o.contains_key("Chapter") => {
                validate_chapter(&o["Chapter"], &format!("{here}.Chapter"), depth)?;
            }
            _ => {
                return Err(ProtocolError::new(format!(
                    "book.{here} is not a book item (expected {{\"Chapter\": {{…}}}}, \"Separator\" or \
                     {{\"PartTitle\": \"…\"}})"
                )));
            }
        }
    }
    Ok(())
}

fn validate_chapter(chapter: &Value, path: &str, depth: usize) -> Result<(), ProtocolError> {
    let Value::Object(fields) = chapter else {
        return Err(ProtocolError::new(format!("book.{path} must be an object, found {}", type_name(chapter))));
    };
    for key in ["name", "content"] {
        if !fields.get(key).is_some_and(Value::is_string) {
            return Err(ProtocolError::new(format!("book.{path}.{key} must be a string")));
        }
    }
    if let Some(source_path) = fields.get("source_path")
        && !(source_path.is_string() || source_path.is_null())
    {
        return Err(ProtocolError::new(format!("book.{path}.source_path must be a string or null")));
    }
    match fields.get("sub_items") {
        None => Ok(()),
        Some(sub_items) => validate_items(sub_items, &format!("{path}.sub_items"), depth + 1),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V05: &str = r##"[{"root":"/tmp/book","config":{"book":{"title":"T","authors":[],"description":null,"language":"zh-CN","text-direction":null},"preprocessor":{"kpi":{"locale":"en","rules":{"style/jargon":"off"}}}},"renderer":"html","mdbook_version":"0.5.4"},{"items":[{"Chapter":{"name":"Intro","content":"# Intro\n","number":null,"sub_items":[],"path":"README.md","source_path":"README.md","parent_names":[]}},{"PartTitle":"Part one"},{"Chapter":{"name":"Chapter 1","content":"# Ch1 1.5 ñ\n","number":[1],"sub_items":[{"Chapter":{"name":"Sub","content":"# Sub\n","number":[1,1],"sub_items":[],"path":"sub/s.md","source_path":"sub/s.md","parent_names":["Chapter 1"]}},{"Chapter":{"name":"Draft","content":"","number":[1,2],"sub_items":[],"path":null,"source_path":null,"parent_names":["Chapter 1"]}}],"path":"ch1.md","source_path":"ch1.md","parent_names":[]}},"Separator",{"Chapter":{"name":"Chapter 2","content":"# Ch2\n","number":[2],"sub_items":[],"path":"ch2.md","source_path":"ch2.md","parent_names":[]}}]}]"##;

    const V04: &str = r##"[{"root":"/tmp/book","config":{"book":{"authors":[],"language":"en","src":"src","title":"Cap"},"preprocessor":{"kpi":{}}},"renderer":"markdown","mdbook_version":"0.4.52"},{"sections":[{"Chapter":{"name":"Intro","content":"# Intro\n","number":null,"sub_items":[],"path":"README.md","source_path":"README.md","parent_names":[]}},{"PartTitle":"Part one"},{"Chapter":{"name":"Chapter 1","content":"x 1.50 1e400","number":[1],"sub_items":[{"Chapter":{"name":"Sub","content":"# Sub\n","number":[1,1],"sub_items":[],"path":"sub/s.md","source_path":"sub/s.md","parent_names":["Chapter 1"]}}],"path":"ch1.md","source_path":"ch1.md","parent_names":[]}},"Separator"],"__non_exhaustive":null}]"##;

    fn element_1(input: &str) -> String {
        let value: Value = serde_json::from_str(input).unwrap();
        serde_json::to_string(&value[1]).unwrap()
    }

    #[test]
    fn reads_the_05_dialect() {
        let request = Request::parse(V05.as_bytes()).unwrap();
        assert_eq!(request.dialect(), Dialect::V05);
        assert_eq!(request.root(), Path::new("/tmp/book"));
        assert_eq!(request.renderer(), "html");
        assert_eq!(request.mdbook_version(), "0.5.4");
        assert_eq!(request.book_language(), Some("zh-CN"));
        assert_eq!(request.kpi_table().unwrap()["locale"], "en");
        assert_eq!(request.version_warning(), None);
        let chapters = request.chapters();
        let summary: Vec<_> = chapters.iter().map(|c| (c.name, c.source_path, c.depth)).collect();
        assert_eq!(
            summary,
            [
                ("Intro", Some("README.md"), 0),
                ("Chapter 1", Some("ch1.md"), 0),
                ("Sub", Some("sub/s.md"), 1),
                ("Draft", None, 1),
                ("Chapter 2", Some("ch2.md"), 0),
            ]
        );
    }

    #[test]
    fn reads_the_04_dialect() {
        let request = Request::parse(V04.as_bytes()).unwrap();
        assert_eq!(request.dialect(), Dialect::V04);
        assert_eq!(request.book_language(), Some("en"));
        assert!(request.kpi_table().unwrap().is_empty());
        assert_eq!(request.chapters().len(), 3);
    }

    #[test]
    fn unchanged_book_round_trips_exactly() {
        for input in [V05, V04] {
            let request = Request::parse(input.as_bytes()).unwrap();
            assert_eq!(String::from_utf8(request.into_output()).unwrap(), element_1(input));
        }
        // Byte-identical to the input's own text for element 1, numbers included.
        let request = Request::parse(V04.as_bytes()).unwrap();
        let output = String::from_utf8(request.into_output()).unwrap();
        assert!(V04.contains(&output), "{output}");
    }

    #[test]
    fn only_content_changes() {
        for input in [V05, V04] {
            let mut request = Request::parse(input.as_bytes()).unwrap();
            request.for_each_chapter_mut(|chapter| {
                if chapter.source_path == Some("sub/s.md") {
                    chapter.content.push_str("added");
                }
            });
            let output = String::from_utf8(request.into_output()).unwrap();
            assert_eq!(output, element_1(input).replace(r##""# Sub\n""##, r##""# Sub\nadded""##));
        }
    }

    #[test]
    fn skips_a_byte_order_mark() {
        let input = format!("\u{feff}{V05}");
        assert!(Request::parse(input.as_bytes()).is_ok());
    }

    #[test]
    fn malformed_input_is_an_error() {
        let cases = [
            ("", "empty"),
            ("  \n", "empty"),
            ("{", "not valid JSON"),
            ("{}", "JSON array"),
            ("[1]", "2 elements"),
            (r#"[1, {}]"#, "context"),
            (
                r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"chapters":[]}]"#,
                "unknown book",
            ),
            (r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":{}}]"#, "array"),
            (r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":[7]}]"#, "items[0]"),
            (
                r#"[{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":[{"Chapter":{"name":"a","content":3}}]}]"#,
                "content must be a string",
            ),
            (r#"[{"renderer":"html","mdbook_version":"0.5.4","config":{}}, {"items":[]}]"#, "root"),
        ];
        for (input, expected) in cases {
            let error = Request::parse(input.as_bytes()).unwrap_err();
            assert!(error.message.contains(expected), "{input}: {}", error.message);
        }
        assert!(Request::parse(b"\xff\xfe").is_err());
    }

    #[test]
    fn warns_outside_the_supported_range() {
        assert_eq!(version_warning("0.4.52"), None);
        assert_eq!(version_warning("0.5.0-alpha.1"), None);
        assert!(version_warning("0.3.7").unwrap().contains("0.3.7"));
        assert!(version_warning("0.6.0").unwrap().contains("carrying on"));
        assert!(version_warning("banana").unwrap().contains("not a semver"));
    }

    #[test]
    fn deep_nesting_is_visited_in_order() {
        let mut chapter = serde_json::json!({"name": "leaf", "content": "x", "sub_items": []});
        for depth in (0..50).rev() {
            chapter =
                serde_json::json!({"name": format!("c{depth}"), "content": "", "sub_items": [{"Chapter": chapter}]});
        }
        let context = serde_json::json!({"root": "/", "renderer": "html", "mdbook_version": "0.5.4", "config": {}});
        let mut request = Request::from_parts(context, serde_json::json!({"items": [{"Chapter": chapter}]})).unwrap();
        let depths: Vec<usize> = request.chapters_mut().iter().map(|c| c.depth).collect();
        assert_eq!(depths, (0..=50).collect::<Vec<_>>());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_input(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = Request::parse(&bytes);
        }

        #[test]
        fn any_content_round_trips(contents in proptest::collection::vec(".*", 0..6), nested in proptest::bool::ANY) {
            let chapters: Vec<Value> = contents
                .iter()
                .enumerate()
                .map(|(i, content)| {
                    let sub = if nested { serde_json::json!([{"Chapter": {"name": "s", "content": content, "sub_items": []}}]) } else { serde_json::json!([]) };
                    serde_json::json!({"Chapter": {"name": format!("c{i}"), "content": content, "number": [i, 1.5e300], "sub_items": sub, "path": null, "source_path": "a.md", "parent_names": []}})
                })
                .collect();
            let input = serde_json::json!([
                {"root": "/", "renderer": "html", "mdbook_version": "0.4.40", "config": {"book": {"x": null}}},
                {"sections": chapters, "__non_exhaustive": null}
            ]);
            let text = serde_json::to_string(&input).unwrap();
            let mut request = Request::parse(text.as_bytes()).unwrap();
            let expected_chapters = contents.len() * if nested { 2 } else { 1 };
            proptest::prop_assert_eq!(request.chapters_mut().len(), expected_chapters);
            proptest::prop_assert_eq!(request.into_output(), serde_json::to_vec(&input[1]).unwrap());
        }
    }
}

//! mdBook's preprocessor JSON, both dialects (SPEC 8).
//!
//! mdBook writes `[context, book]` to the preprocessor's stdin and reads the book back from its stdout. The book's
//! shape differs between mdBook 0.4 (`{"sections": [...], "__non_exhaustive": null}`) and 0.5 (`{"items": [...]}`).
//! Only chapter `content` strings are ever changed, so the request keeps the bytes that came in and only locates
//! each chapter's `content` in them: no second copy of the book is built. Chapters are unescaped either all at
//! once, each text written over its own JSON literal (for the structure check, [`Request::unescape_contents`]),
//! or one at a time into a buffer each thread reuses ([`Request::change_contents`]). Changes are kept as
//! splices: ranges of the text or of the literal, and their new text. The answer is element 1's own bytes with
//! each changed `content` written in place, escaped as serde_json (and so mdBook) escapes it — every other
//! field, key order, number, escape and null exactly as it came.
//!
//! The locating reader accepts exactly what the reference reader (a [`serde_json::Value`] and the shape checks
//! below) accepts; anything it does not expect — malformed input, duplicate keys — goes to the reference reader,
//! which gives the error message, or, for valid but unusual JSON, a normal form that is then located.

mod locate;
mod text;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use locate::{Located, LocatedChapter};
use text::Unescaped;

use crate::splice::Splice;

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

/// One preprocessor request: the context, and the book as the bytes mdBook sent, with its chapters located.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// What came in (a BOM included): element 1 of it is written back with only changed contents replaced.
    input: Cow<'a, [u8]>,
    context: Value,
    dialect: Dialect,
    /// Element 1 in `input`.
    book: Range<usize>,
    /// Every chapter in book order; content ranges are in `input` (empty where the literal was cut out).
    chapters: Vec<LocatedChapter>,
    /// Chapter texts, by chapter: unescaped in place of their literal ([`Request::unescape_contents`]), or
    /// owned (set, or unescaped from a literal serde_json would write differently). Each is written back
    /// escaped, unless its literal is still in `input` and says the same.
    texts: Vec<Option<Unescaped>>,
    /// Changes to chapters, by chapter ([`Request::change_contents`]): ranges of the owned text when there is
    /// one, else of `input` (inside the chapter's literal), and their new text, written escaped between the
    /// text's or the literal's own bytes.
    splices: Vec<Option<Vec<Splice>>>,
}

/// What [`Request::change_contents`] made of one chapter.
enum Changed {
    Text(String),
    Splices(Vec<Splice>),
}

/// Which chapters [`Request::unescape_contents`] unescapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contents {
    All,
    /// Those that may hold a directive ([`Request::may_have_directives`]).
    WithDirectives,
}

/// A chapter of the book: what the engine reads about it. Its content is [`Request::content`]`(index)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChapterRef<'a> {
    /// The chapter's place in book order, for [`Request::content`] and [`Request::set_content`].
    pub index: usize,
    pub name: &'a str,
    /// The chapter file relative to the book's `src` folder; `None` for a draft chapter or a generated one.
    pub source_path: Option<&'a str>,
    /// 0 for a top-level chapter, 1 for its sub-chapters, …
    pub depth: usize,
}

const BOM: &[u8] = "\u{feff}".as_bytes();

impl<'a> Request<'a> {
    /// Parses the bytes mdBook wrote to stdin (a UTF-8 byte-order mark is skipped). Give it the buffer by value
    /// (`Vec<u8>`) to let the request keep it without a copy, or borrow it (`&[u8]`).
    pub fn parse(input: impl Into<Cow<'a, [u8]>>) -> Result<Request<'a>, ProtocolError> {
        Self::parse_with(input, |_| {})
    }

    /// [`Request::parse`], showing the context to `on_context` as soon as it is read, while the book is still
    /// to be read (so that loading the data files can start meanwhile). It is not called for input that only the
    /// reference reader reads, and may be called for a request that then turns out malformed.
    pub fn parse_with(
        input: impl Into<Cow<'a, [u8]>>,
        mut on_context: impl FnMut(Context<'_>),
    ) -> Result<Request<'a>, ProtocolError> {
        let input = input.into();
        let start = if input.starts_with(BOM) { BOM.len() } else { 0 };
        if input[start..].iter().all(u8::is_ascii_whitespace) {
            return Err(ProtocolError::new("stdin is empty; expected mdBook's `[context, book]` JSON"));
        }
        // Checked as UTF-8 once (with SIMD: std's check would cost more than finding the chapters).
        let body = input.get(start..).unwrap_or_default();
        let located = simdutf8::basic::from_utf8(body)
            .ok()
            .and_then(|text| locate::locate_with(text, &mut |context| on_context(Context(context))));
        if let Some(located) = located {
            return Ok(Request::new(input, start, located));
        }
        // Malformed or unusual: the reference reader gives the message, or a normal form to locate.
        let value: Value =
            serde_json::from_slice(body).map_err(|e| ProtocolError::new(format!("stdin is not valid JSON: {e}")))?;
        Request::from_value(value)
    }

    /// Builds a request from an already parsed `[context, book]` array.
    pub fn from_value(value: Value) -> Result<Request<'static>, ProtocolError> {
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

    /// Builds a request from the context and the book (the in-process path, tests).
    pub fn from_parts(context: Value, book: Value) -> Result<Request<'static>, ProtocolError> {
        validate_context(&context)?;
        let dialect = detect_dialect(&book)?;
        validate_items(&book[dialect.items_key()], dialect.items_key(), 0)?;
        // Serializing a Value with string keys cannot fail.
        let text = serde_json::to_string(&[context, book]).unwrap_or_default();
        // What a checked request can still fail on: serde_json's nesting limit, which mdBook's reader has too.
        let located = locate::locate(&text).ok_or_else(|| {
            ProtocolError::new(
                "the book nests deeper than mdBook's JSON reader allows (128 levels of arrays and objects)",
            )
        })?;
        Ok(Request::new(Cow::Owned(text.into_bytes()), 0, located))
    }

    /// `located` is relative to `input[start..]`.
    fn new(input: Cow<'a, [u8]>, start: usize, located: Located) -> Request<'a> {
        let shift = |range: Range<usize>| range.start + start..range.end + start;
        let texts = vec![None; located.chapters.len()];
        let splices = vec![None; located.chapters.len()];
        let chapters = located
            .chapters
            .into_iter()
            .map(|chapter| LocatedChapter { content: shift(chapter.content.clone()), ..chapter })
            .collect();
        Request {
            input,
            context: located.context,
            dialect: located.dialect,
            book: shift(located.book),
            chapters,
            texts,
            splices,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The context mdBook sent (element 0).
    pub fn context_view(&self) -> Context<'_> {
        Context(&self.context)
    }

    /// See [`Context::root`].
    pub fn root(&self) -> &Path {
        self.context_view().root()
    }

    pub fn root_buf(&self) -> PathBuf {
        self.root().to_path_buf()
    }

    /// See [`Context::renderer`].
    pub fn renderer(&self) -> &str {
        self.context_view().renderer()
    }

    /// See [`Context::mdbook_version`].
    pub fn mdbook_version(&self) -> &str {
        self.context_view().mdbook_version()
    }

    /// See [`Context::book_language`].
    pub fn book_language(&self) -> Option<&str> {
        self.context_view().book_language()
    }

    /// See [`Context::book_src`].
    pub fn book_src(&self) -> &str {
        self.context_view().book_src()
    }

    /// See [`Context::config`].
    pub fn config(&self) -> Option<&Map<String, Value>> {
        self.context_view().config()
    }

    /// See [`Context::kpi_table`].
    pub fn kpi_table(&self) -> Option<&Map<String, Value>> {
        self.context_view().kpi_table()
    }

    /// A warning when the calling mdBook is outside the supported range (or its version is not semver).
    pub fn version_warning(&self) -> Option<String> {
        version_warning(self.mdbook_version())
    }

    /// Every chapter in book order (a chapter, then its sub-chapters), drafts included.
    pub fn chapters(&self) -> Vec<ChapterRef<'_>> {
        self.chapters
            .iter()
            .enumerate()
            .map(|(index, c)| ChapterRef {
                index,
                name: &c.name,
                source_path: c.source_path.as_deref(),
                depth: c.depth,
            })
            .collect()
    }

    /// How many chapters the book has.
    pub fn chapter_count(&self) -> usize {
        self.chapters.len()
    }

    /// A chapter's content as it stands: its text when the request owns one, else unescaped from the input
    /// (borrowed when the JSON string has no escape). Empty for an index past the last chapter.
    pub fn content(&self, index: usize) -> Cow<'_, str> {
        if let Some(text) = self.text(index) {
            return match &self.splices[index] {
                Some(splices) => Cow::Owned(crate::splice::apply(text, splices)),
                None => Cow::Borrowed(text),
            };
        }
        let Some(chapter) = self.chapters.get(index) else {
            return Cow::Borrowed("");
        };
        if let Some(Some(splices)) = self.splices.get(index) {
            let mut literal = Vec::with_capacity(chapter.content.len());
            // Writing into a Vec cannot fail.
            let _ = self.write_spliced(&mut literal, chapter.content.clone(), splices);
            return Cow::Owned(text::unescape(std::str::from_utf8(&literal).unwrap_or_default()));
        }
        if chapter.escaped {
            return Cow::Owned(text::unescape(self.text_at(chapter.content.clone())));
        }
        Cow::Borrowed(self.content_borrowed(index))
    }

    /// The content of a chapter whose literal has no escape: the literal without its quotes (which the locating
    /// reader checked are there).
    fn content_borrowed(&self, index: usize) -> &str {
        let literal = self.chapters.get(index).map_or("", |chapter| self.text_at(chapter.content.clone()));
        literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default()
    }

    /// The input's text in `range` (a located string literal, which the locating reader checked is UTF-8).
    fn text_at(&self, range: Range<usize>) -> &str {
        self.input.get(range).and_then(|bytes| simdutf8::basic::from_utf8(bytes).ok()).unwrap_or_default()
    }

    /// Whether the chapter may hold a directive: its JSON text contains the marker, or a `\u` escape that may
    /// spell it. A chapter without is left alone (it costs no unescaping).
    pub fn may_have_directives(&self, index: usize) -> bool {
        self.chapters.get(index).is_some_and(|c| c.may_have_directives)
    }

    /// Unescapes the contents of the chapters `which` names, on all cores, in place: each text is written over
    /// its JSON literal, which it never outgrows, so the book is held once and no memory is taken. (A literal
    /// serde_json would write differently is unescaped into an owned text instead and kept.) Chapters whose
    /// literal has no escape need none: [`Request::content`] borrows them as they are.
    pub fn unescape_contents(&mut self, which: Contents) {
        self.own_spliced_texts();
        let mut literals: Vec<(usize, Range<usize>)> = (0..self.chapters.len())
            .filter(|&i| self.texts[i].is_none() && self.chapters[i].escaped)
            .filter(|&i| which == Contents::All || self.chapters[i].may_have_directives)
            .map(|i| (i, self.chapters[i].content.clone()))
            .collect();
        if literals.is_empty() {
            return;
        }
        literals.sort_by_key(|(_, range)| range.start);
        let threads = crate::parallel::worker_threads();
        // A borrowed input is copied once here (tests); mdBook's stdin is owned.
        for (index, text) in text::unescape_in_place(self.input.to_mut(), &literals, threads) {
            self.texts[index] = Some(text);
        }
    }

    /// A chapter's text when the request holds one (unescaped or set), before splices.
    fn text(&self, index: usize) -> Option<&str> {
        match self.texts.get(index)?.as_ref()? {
            Unescaped::InPlace(range) => Some(self.text_at(range.clone())),
            Unescaped::Owned(text) => Some(text),
        }
    }

    /// Changes chapter contents on `threads` threads (the calling one among them): each chapter `which` selects
    /// is given as text to `change`, with the thread's state (made by `state`), and the splices `change` returns
    /// (ranges of that text, in order; none: unchanged) are made to its content. Threads take the next chapter
    /// as they finish one, so a slow chapter holds up no other. A chapter's JSON is unescaped into a buffer the
    /// thread reuses, and its splices are kept as ranges of the JSON, which is written back around them: the
    /// book is held once, plus what changed. Returns the threads' states.
    pub fn change_contents<S: Send>(
        &mut self,
        which: Contents,
        threads: usize,
        state: impl Fn() -> S + Sync,
        change: impl Fn(&mut S, usize, &str) -> Vec<Splice> + Sync,
    ) -> Vec<S> {
        // Chapters changed before are changed further from their text as it stands.
        self.own_spliced_texts();
        let selected: Vec<usize> = (0..self.chapters.len())
            .filter(|&i| which == Contents::All || self.chapters[i].may_have_directives)
            .collect();
        let this = &*self;
        let results = crate::parallel::for_each(
            &selected,
            threads,
            || (state(), Vec::new(), String::new()),
            |(state, changed, buffer), &index| {
                if let Some(change) = this.change_one(index, buffer, |text| change(state, index, text)) {
                    changed.push((index, change));
                }
            },
        );
        let mut states = Vec::with_capacity(results.len());
        for (state, changed, _) in results {
            for (index, change) in changed {
                match change {
                    Changed::Text(text) => self.set_content(index, text),
                    Changed::Splices(splices) => self.splices[index] = Some(splices),
                }
            }
            states.push(state);
        }
        states
    }

    /// One chapter through `change`: its new text when the request owns its text, else its splices as ranges
    /// of the input. `None` when nothing changes.
    fn change_one(
        &self,
        index: usize,
        buffer: &mut String,
        change: impl FnOnce(&str) -> Vec<Splice>,
    ) -> Option<Changed> {
        let chapter = &self.chapters[index];
        if let Some(text) = self.text(index) {
            let splices = change(text);
            return (!splices.is_empty()).then_some(Changed::Splices(splices));
        }
        let literal = self.text_at(chapter.content.clone());
        let text = if chapter.escaped {
            text::unescape_into(literal, buffer);
            buffer.as_str()
        } else {
            self.content_borrowed(index)
        };
        let splices = change(text);
        if splices.is_empty() {
            return None;
        }
        let mut in_literal = splices.clone();
        let offsets = in_literal.iter_mut().flat_map(|s| [&mut s.range.start, &mut s.range.end]);
        if text::literal_offsets(literal, offsets).is_none() {
            // An escape only serde_json reads (the locating reader sends such input to it): keep the whole text.
            return Some(Changed::Text(crate::splice::apply(text, &splices)));
        }
        for splice in &mut in_literal {
            splice.range = splice.range.start + chapter.content.start..splice.range.end + chapter.content.start;
        }
        Some(Changed::Splices(in_literal))
    }

    /// Chapters changed by splices get their whole text (before work that needs every text owned).
    fn own_spliced_texts(&mut self) {
        for index in 0..self.chapters.len() {
            if self.splices[index].is_some() {
                let text = self.content(index).into_owned();
                self.set_content(index, text);
            }
        }
    }

    /// A text with its splices made, as a JSON string literal.
    fn write_spliced_text(out: &mut impl Write, text: &str, splices: &[Splice]) -> io::Result<()> {
        out.write_all(b"\"")?;
        let mut copied = 0;
        for splice in splices {
            text::write_escaped_inner(out, text.get(copied..splice.range.start).unwrap_or_default())?;
            text::write_escaped_inner(out, &splice.text)?;
            copied = splice.range.end;
        }
        text::write_escaped_inner(out, text.get(copied..).unwrap_or_default())?;
        out.write_all(b"\"")
    }

    /// A chapter's literal at `literal` with its splices made (the splices' text escaped).
    fn write_spliced(&self, out: &mut impl Write, literal: Range<usize>, splices: &[Splice]) -> io::Result<()> {
        let mut copied = literal.start;
        for splice in splices {
            out.write_all(self.input.get(copied..splice.range.start).unwrap_or_default())?;
            text::write_escaped_inner(out, &splice.text)?;
            copied = splice.range.end;
        }
        out.write_all(self.input.get(copied..literal.end).unwrap_or_default())
    }

    /// The texts the request owns, open for change, with their chapter index (in book order).
    pub fn texts_mut(&mut self) -> Vec<(usize, &mut String)> {
        self.own_spliced_texts();
        for index in 0..self.texts.len() {
            if let Some(Unescaped::InPlace(range)) = &self.texts[index] {
                self.texts[index] = Some(Unescaped::Owned(self.text_at(range.clone()).to_string()));
            }
        }
        let owned = self.texts.iter_mut().enumerate();
        owned
            .filter_map(|(index, text)| match text {
                Some(Unescaped::Owned(text)) => Some((index, text)),
                _ => None,
            })
            .collect()
    }

    /// Replaces a chapter's content; it is written back escaped in place of the old one.
    pub fn set_content(&mut self, index: usize, content: String) {
        if let Some(text) = self.texts.get_mut(index) {
            *text = Some(Unescaped::Owned(content));
            self.splices[index] = None;
        }
    }

    /// The context as mdBook sent it.
    pub fn context(&self) -> &Value {
        &self.context
    }

    /// The book (element 1) as it stands, parsed (tests and fuzzing; the preprocessor never builds it).
    pub fn book(&self) -> Value {
        serde_json::from_slice(&self.output()).unwrap_or_default()
    }

    /// Writes the book for mdBook's stdin reader: element 1 as it came in, byte for byte, with each changed
    /// content string escaped in place of the old one. Nothing is buffered here; give it a `BufWriter`.
    pub fn write_book(&self, out: &mut impl Write) -> io::Result<()> {
        /// What replaces a range of the input: a whole literal, or text inside one.
        enum Piece<'t> {
            Literal(&'t str, &'t [Splice]),
            Inside(&'t str),
        }
        let mut pieces: Vec<(Range<usize>, Piece)> = Vec::new();
        for (index, (chapter, splices)) in self.chapters.iter().zip(&self.splices).enumerate() {
            let in_place = matches!(self.texts[index], Some(Unescaped::InPlace(_)));
            match (self.text(index), splices) {
                (Some(text), Some(splices)) => pieces.push((chapter.content.clone(), Piece::Literal(text, splices))),
                // A text in place of its literal is written back escaped: its literal was one serde_json writes.
                (Some(text), None) if in_place => pieces.push((chapter.content.clone(), Piece::Literal(text, &[]))),
                // A literal still in the input stays when it says the same (it may be escaped unlike serde_json).
                (Some(text), None) => {
                    if !text::unescapes_to(self.text_at(chapter.content.clone()), text) {
                        pieces.push((chapter.content.clone(), Piece::Literal(text, &[])));
                    }
                }
                (None, Some(splices)) => {
                    pieces.extend(splices.iter().map(|s| (s.range.clone(), Piece::Inside(&s.text))));
                }
                (None, None) => {}
            }
        }
        pieces.sort_by_key(|(range, _)| range.start);
        let mut copied = self.book.start;
        for (range, piece) in pieces {
            out.write_all(self.input.get(copied..range.start).unwrap_or_default())?;
            match piece {
                Piece::Literal(text, splices) => Self::write_spliced_text(out, text, splices)?,
                Piece::Inside(text) => text::write_escaped_inner(out, text)?,
            }
            copied = range.end;
        }
        out.write_all(self.input.get(copied..self.book.end).unwrap_or_default())
    }

    fn output(&self) -> Vec<u8> {
        let mut output = Vec::with_capacity(self.book.len());
        // Writing into a Vec cannot fail.
        let _ = self.write_book(&mut output);
        output
    }

    /// The book, serialized for mdBook's stdin reader, in the dialect that came in (see [`Request::write_book`]).
    pub fn into_output(self) -> Vec<u8> {
        self.output()
    }
}

/// The context of a request (element 0, checked to have the fields mdBook sends), read field by field.
#[derive(Clone, Copy, Debug)]
pub struct Context<'v>(&'v Value);

impl<'v> Context<'v> {
    /// The book root (the folder holding book.toml); every data, template and schema path resolves against it.
    pub fn root(self) -> &'v Path {
        Path::new(self.0["root"].as_str().unwrap_or_default())
    }

    /// The renderer this run is for (`html`, `markdown`, …).
    pub fn renderer(self) -> &'v str {
        self.0["renderer"].as_str().unwrap_or_default()
    }

    /// The version of the calling mdBook, as it reported it.
    pub fn mdbook_version(self) -> &'v str {
        self.0["mdbook_version"].as_str().unwrap_or_default()
    }

    /// `[book] language`, when set (0.5 sends `null` for an unset key).
    pub fn book_language(self) -> Option<&'v str> {
        self.config()?.get("book")?.get("language")?.as_str()
    }

    /// `[book] src`, the chapters' folder relative to the root; `src` when unset.
    pub fn book_src(self) -> &'v str {
        self.config().and_then(|c| c.get("book")?.get("src")?.as_str()).unwrap_or("src")
    }

    /// The whole book.toml as mdBook parsed it.
    pub fn config(self) -> Option<&'v Map<String, Value>> {
        self.0.get("config")?.as_object()
    }

    /// The raw `[preprocessor.kpi]` table, when book.toml has one.
    pub fn kpi_table(self) -> Option<&'v Map<String, Value>> {
        self.config()?.get("preprocessor")?.get("kpi")?.as_object()
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

    const CONTEXT: &str = r#"{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}"#;

    /// Element 1 of a request, as the text it is in the request.
    fn element_1_text(input: &str) -> &str {
        let request: Value = serde_json::from_str(input).unwrap();
        let context = serde_json::to_string(&request[0]).unwrap();
        let after = &input[input.find(&context).unwrap() + context.len()..];
        after.trim_start().strip_prefix(',').unwrap().trim().strip_suffix(']').unwrap().trim_end()
    }

    /// The reader this module had before it located chapters: a `Value`, then the shape checks. The located
    /// reader must accept and refuse the same inputs, with the same messages.
    type Chapters = Vec<(String, Option<String>, usize, String)>;

    fn reference(input: &[u8]) -> Result<(Value, Chapters), String> {
        let input = input.strip_prefix(BOM).unwrap_or(input);
        if input.iter().all(u8::is_ascii_whitespace) {
            return Err("stdin is empty; expected mdBook's `[context, book]` JSON".into());
        }
        let value: Value = serde_json::from_slice(input).map_err(|e| format!("stdin is not valid JSON: {e}"))?;
        let Value::Array(elements) = value else { return Err("not an array".into()) };
        let [context, book]: [Value; 2] = elements.try_into().map_err(|_| "not two elements".to_string())?;
        validate_context(&context).map_err(|e| e.message)?;
        let dialect = detect_dialect(&book).map_err(|e| e.message)?;
        validate_items(&book[dialect.items_key()], dialect.items_key(), 0).map_err(|e| e.message)?;
        let mut chapters = Vec::new();
        let mut stack = vec![(book[dialect.items_key()].as_array().unwrap().iter(), 0)];
        while let Some((top, depth)) = stack.last_mut() {
            let depth = *depth;
            let Some(item) = top.next() else {
                stack.pop();
                continue;
            };
            if let Some(chapter) = item.get("Chapter") {
                let source_path = chapter["source_path"].as_str().map(str::to_string);
                let (name, content) = (chapter["name"].as_str().unwrap(), chapter["content"].as_str().unwrap());
                chapters.push((name.to_string(), source_path, depth, content.to_string()));
                if let Some(Value::Array(sub_items)) = chapter.get("sub_items") {
                    stack.push((sub_items.iter(), depth + 1));
                }
            }
        }
        Ok((book, chapters))
    }

    /// The request read both ways: the same chapters and book, or the same error.
    fn assert_same_as_reference(input: &[u8]) {
        let expected = reference(input);
        match (Request::parse(input), expected) {
            (Ok(request), Ok((book, chapters))) => {
                let read: Vec<_> = request
                    .chapters()
                    .iter()
                    .map(|c| {
                        let content = request.content(c.index).into_owned();
                        (c.name.to_string(), c.source_path.map(str::to_string), c.depth, content)
                    })
                    .collect();
                assert_eq!(read, chapters, "{}", String::from_utf8_lossy(input));
                assert_eq!(request.book(), book, "{}", String::from_utf8_lossy(input));
            }
            (Err(error), Err(message)) if message == "not an array" || message == "not two elements" => {
                assert!(error.message.starts_with("expected"), "{}", error.message);
            }
            (Err(error), Err(message)) => assert_eq!(error.message, message),
            (got, expected) => {
                panic!("{}: got {:?}, the reference {:?}", String::from_utf8_lossy(input), got.is_ok(), expected)
            }
        }
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
        let summary: Vec<_> = chapters.iter().map(|c| (c.index, c.name, c.source_path, c.depth)).collect();
        assert_eq!(
            summary,
            [
                (0, "Intro", Some("README.md"), 0),
                (1, "Chapter 1", Some("ch1.md"), 0),
                (2, "Sub", Some("sub/s.md"), 1),
                (3, "Draft", None, 1),
                (4, "Chapter 2", Some("ch2.md"), 0),
            ]
        );
        assert_eq!(request.content(1), "# Ch1 1.5 ñ\n");
        assert_eq!(request.content(3), "");
        assert_eq!(request.content(99), "", "an index past the last chapter has no content");
        assert_same_as_reference(V05.as_bytes());
    }

    #[test]
    fn reads_the_04_dialect() {
        let request = Request::parse(V04.as_bytes()).unwrap();
        assert_eq!(request.dialect(), Dialect::V04);
        assert_eq!(request.book_language(), Some("en"));
        assert!(request.kpi_table().unwrap().is_empty());
        assert_eq!(request.chapter_count(), 3);
        assert_eq!(request.content(1), "x 1.50 1e400");
        assert_same_as_reference(V04.as_bytes());
    }

    #[test]
    fn unchanged_book_comes_back_as_its_own_bytes() {
        for input in [V05, V04] {
            let request = Request::parse(input.as_bytes()).unwrap();
            assert_eq!(String::from_utf8(request.into_output()).unwrap(), element_1_text(input));
        }
        // Escapes a serializer would write differently, numbers it would rewrite, and whitespace all stay.
        let input = format!(
            "[ {CONTEXT} ,\n  {{ \"items\" : [ {{\"Chapter\":{{\"name\":\"a\\/b\",\"content\":\"x \\/ \\u00e9 \
             \\ud83d\\udca1\\r\\n\",\"number\":[1.0,1e-7,-0.0],\"sub_items\":[],\"path\":null}}}} ],\n  \"x\": \
             18446744073709551615 }}\n]\n"
        );
        let request = Request::parse(input.as_bytes()).unwrap();
        assert_eq!(request.content(0), "x / é 💡\r\n");
        assert_eq!(request.chapters()[0].name, "a/b");
        let output = String::from_utf8(request.into_output()).unwrap();
        assert_eq!(output, element_1_text(&input));
    }

    #[test]
    fn only_changed_contents_are_rewritten() {
        for input in [V05, V04] {
            let mut request = Request::parse(input.as_bytes()).unwrap();
            let sub = request.chapters().iter().find(|c| c.source_path == Some("sub/s.md")).unwrap().index;
            request.set_content(sub, format!("{}added \"q\" \\ 営\u{1}", request.content(sub)));
            assert_eq!(request.content(sub), "# Sub\nadded \"q\" \\ 営\u{1}");
            let output = String::from_utf8(request.into_output()).unwrap();
            let expected = element_1_text(input).replace(r##""# Sub\n""##, r##""# Sub\nadded \"q\" \\ 営\u0001""##);
            assert_eq!(output, expected);
        }
    }

    #[test]
    fn texts_take_the_place_of_their_literals() {
        for input in [V05, V04] {
            let mut request = Request::parse(input.as_bytes()).unwrap();
            let before: Vec<String> = (0..request.chapter_count()).map(|i| request.content(i).into_owned()).collect();
            request.unescape_contents(Contents::All);
            assert_eq!(request.input.len(), input.len(), "no memory besides the input");
            assert!(request.texts.iter().flatten().all(|text| matches!(text, Unescaped::InPlace(_))));
            assert!(request.texts.iter().flatten().count() >= 2, "the chapters with escapes");
            let after: Vec<String> = (0..request.chapter_count()).map(|i| request.content(i).into_owned()).collect();
            assert_eq!(after, before);
            assert!(matches!(request.content(0), Cow::Borrowed(_)), "the check borrows the owned texts");
            assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), element_1_text(input));
            for (index, text) in request.texts_mut() {
                if index == 2 {
                    text.push_str("<b>\"é\"</b>");
                }
            }
            let output = String::from_utf8(request.into_output()).unwrap();
            let expected = element_1_text(input).replace(r##""# Sub\n""##, r##""# Sub\n<b>\"é\"</b>""##);
            assert_eq!(output, expected);
        }
    }

    #[test]
    fn literals_escaped_unlike_serde_json_stay_until_they_change() {
        let input = format!(
            r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"\u003c<#kpi x>> \/"}}}},{{"Chapter":{{"name":"b","content":"<<#kpi y>>\n"}}}},{{"Chapter":{{"name":"c","content":"\/ no marker"}}}}]}}]"#
        );
        let mut request = Request::parse(input.as_bytes()).unwrap();
        request.unescape_contents(Contents::WithDirectives);
        let owned: Vec<usize> = request.texts_mut().into_iter().map(|(index, _)| index).collect();
        assert_eq!(owned, [0, 1], "only chapters that may hold a directive are unescaped");
        assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), element_1_text(&input));
        request.unescape_contents(Contents::All);
        assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), element_1_text(&input));
        for (_, text) in request.texts_mut() {
            *text = text.replace("<<#kpi x>>", "X").replace("<<#kpi y>>", "Y");
        }
        let output = String::from_utf8(request.into_output()).unwrap();
        let expected = element_1_text(&input).replace(r#""\u003c<#kpi x>> \/""#, r#""X /""#).replace("<<#kpi y>>", "Y");
        assert_eq!(output, expected);
    }

    #[test]
    fn changes_are_made_inside_the_literals_on_every_thread() {
        use crate::splice::Splice;
        let input = format!(
            r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"\u003c<#kpi x>> \/ \ud83d\udca1 <<#kpi y>>\n"}}}},{{"Chapter":{{"name":"b","content":"<<#kpi y>>"}}}},{{"Chapter":{{"name":"c","content":"\/ no marker"}}}},{{"Chapter":{{"name":"d","content":"<<#kpi z>>"}}}}]}}]"#
        );
        // Each directive becomes its letter in capitals, quoted; `z` is left alone.
        let change = |seen: &mut Vec<usize>, index: usize, text: &str| -> Vec<Splice> {
            seen.push(index);
            text.match_indices("<<#kpi ")
                .filter(|(at, _)| !text[at + 7..].starts_with('z'))
                .map(|(at, _)| Splice::new(at..at + 10, format!("\"{}\"", text[at + 7..at + 8].to_uppercase()).into()))
                .collect()
        };
        for threads in [1, 2, 3, 8] {
            let mut request = Request::parse(input.as_bytes()).unwrap();
            let states = request.change_contents(Contents::WithDirectives, threads, Vec::new, change);
            let mut seen: Vec<usize> = states.into_iter().flatten().collect();
            seen.sort_unstable();
            assert_eq!(seen, [0, 1, 3], "each chapter with a marker once, on {threads} threads");
            assert_eq!(request.content(0), "\"X\" / 💡 \"Y\"\n");
            assert_eq!(request.content(2), "/ no marker");
            let expected = element_1_text(&input)
                .replace(r#""\u003c<#kpi x>> \/ \ud83d\udca1 <<#kpi y>>\n""#, r#""\"X\" \/ \ud83d\udca1 \"Y\"\n""#)
                .replace(r#""<<#kpi y>>""#, r#""\"Y\"""#);
            assert_eq!(String::from_utf8(request.clone().into_output()).unwrap(), expected);
            // Work that needs every text owned takes the changed texts along.
            request.unescape_contents(Contents::All);
            assert_eq!(request.content(0), "\"X\" / 💡 \"Y\"\n");
            let book = request.book();
            assert_eq!(book["items"][1]["Chapter"]["content"], "\"Y\"");
            assert_eq!(book["items"][3]["Chapter"]["content"], "<<#kpi z>>");
        }
    }

    #[test]
    fn keys_in_any_order_keep_book_order() {
        // Sub-items before the content: the parent is still first in book order, and both contents are
        // replaced in place.
        let input = format!(
            r#"[{CONTEXT},{{"items":[{{"Chapter":{{"sub_items":[{{"Chapter":{{"content":"child","name":"c"}}}}],"name":"p","content":"parent"}}}}]}}]"#
        );
        let mut request = Request::parse(input.as_bytes()).unwrap();
        let names: Vec<_> = request.chapters().iter().map(|c| (c.name, c.depth)).collect();
        assert_eq!(names, [("p", 0), ("c", 1)]);
        request.set_content(0, "P".into());
        request.set_content(1, "C".into());
        request.set_content(1, "C2".into());
        let output = String::from_utf8(request.into_output()).unwrap();
        assert_eq!(output, element_1_text(&input).replace("child", "C2").replace("parent", "P"));
    }

    #[test]
    fn finds_the_chapters_that_may_hold_directives() {
        let contents = [
            (r#""plain""#, false, "plain"),
            (r#""a <<#kpi revenue fy>>\n""#, true, "a <<#kpi revenue fy>>\n"),
            (r#""\u003c<#kpi revenue fy>>""#, true, "<<#kpi revenue fy>>"),
            (r#""a \\<<#kpi b>>""#, true, "a \\<<#kpi b>>"),
            (r#""\\u003c<#kpi""#, true, "\\u003c<#kpi"),
            (r#""<< # kpi \/""#, false, "<< # kpi /"),
        ];
        for (literal, may, text) in contents {
            let input = format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":{literal}}}}}]}}]"#);
            let request = Request::parse(input.as_bytes()).unwrap();
            assert_eq!(request.may_have_directives(0), may, "{literal}");
            assert_eq!(request.content(0), text, "{literal}");
            assert!(matches!(request.content(0), Cow::Borrowed(_)) == !literal.contains('\\'), "{literal}");
        }
    }

    #[test]
    fn skips_a_byte_order_mark() {
        let input = format!("\u{feff}{V05}");
        let request = Request::parse(input.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(request.into_output()).unwrap(), element_1_text(V05));
        let mut request = Request::parse(input.into_bytes()).unwrap();
        request.set_content(0, "new".into());
        assert!(String::from_utf8(request.into_output()).unwrap().contains(r#""content":"new""#));
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
            assert_same_as_reference(input.as_bytes());
        }
        assert!(Request::parse(&b"\xff\xfe"[..]).is_err());
    }

    /// What serde_json skips without checking when it only steps over a value: the located reader must still
    /// refuse it as a `Value` does, wherever it is.
    #[test]
    fn refuses_what_a_value_refuses() {
        let chapter = |extra: &str, content: &str| {
            format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":{content}{extra}}}}}]}}]"#)
        };
        let deep = |depth: usize| format!(",\"x\":{}1{}", "[".repeat(depth), "]".repeat(depth));
        let cases = [
            chapter(r#","x":1e400"#, r#""a""#),
            chapter(r#","x":-1e400"#, r#""a""#),
            chapter(r#","x":"\ud800""#, r#""a""#),
            chapter(r#","x":"\udc00\ud800""#, r#""a""#),
            chapter("", r#""lone \ud800 surrogate""#),
            chapter("", r#""\ud83d\udca1 pair""#),
            chapter("", "\"tab\tinside\""),
            chapter("", r#""bad \x escape""#),
            chapter(&deep(120), r#""a""#),
            chapter(&deep(123), r#""a""#),
            chapter(&deep(124), r#""a""#),
            chapter(&deep(125), r#""a""#),
            chapter(r#","x":{"k":1,"k":2}"#, r#""a""#),
            chapter(r#","name":"b""#, r#""a""#),
            chapter(r#","content":"<<#kpi b>>""#, r#""a""#),
            format!(r#"[{CONTEXT},{{"items":[{{"PartTitle":"p","PartTitle":"q"}}],"items":[]}}]"#),
            format!(r#"[{CONTEXT},{{"items":[{{"PartTitle":"p","Chapter":{{}}}}]}}]"#),
            format!(r#"[{CONTEXT},{{"items":[{{"PartTitle":1}}]}}]"#),
            format!(r#"[{CONTEXT},{{"items":["Separator","separator"]}}]"#),
            format!(r#"[{CONTEXT},{{"items":[],"sections":[]}}]"#),
            format!(r#"[{CONTEXT},{{"items":[]}}] x"#),
            format!(r#"[{CONTEXT},{{"items":[]}},]"#),
            format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"b","source_path":7}}}}]}}]"#),
            format!(r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"b","sub_items":{{}}}}}}]}}]"#),
            format!(r#"[{CONTEXT},{{"it\u0065ms":[{{"Chapter":{{"n\u0061me":"a","content":"b"}}}}]}}]"#),
            format!(
                r#"[{{"root":"/","renderer":"html","mdbook_version":"0.5.4","config":{}}},{{"items":[]}}]"#,
                deep(126).replace(",\"x\":", "")
            ),
        ];
        for case in cases {
            assert_same_as_reference(case.as_bytes());
        }
    }

    #[test]
    fn duplicate_keys_count_as_a_value_counts_them() {
        // The last one wins, as in a `Value`; the answer is then the normal form.
        let input = format!(
            r#"[{CONTEXT},{{"items":[{{"Chapter":{{"name":"a","content":"old","content":"<<#kpi b>>","number":1}}}}]}}]"#
        );
        let request = Request::parse(input.as_bytes()).unwrap();
        assert_eq!(request.content(0), "<<#kpi b>>");
        assert!(request.may_have_directives(0));
        assert_eq!(
            String::from_utf8(request.into_output()).unwrap(),
            r#"{"items":[{"Chapter":{"name":"a","content":"<<#kpi b>>","number":1}}]}"#
        );
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
        // A chapter at nesting level L sits at JSON depth 5 + 3L; serde_json (and mdBook) stop at 127.
        let book = |levels: usize| {
            let mut chapter = serde_json::json!({"name": "leaf", "content": "x", "sub_items": []});
            for depth in (0..levels).rev() {
                chapter = serde_json::json!({"name": format!("c{depth}"), "content": "", "sub_items": [{"Chapter": chapter}]});
            }
            serde_json::json!({"items": [{"Chapter": chapter}]})
        };
        let context = serde_json::json!({"root": "/", "renderer": "html", "mdbook_version": "0.5.4", "config": {}});
        let request = Request::from_parts(context.clone(), book(40)).unwrap();
        let depths: Vec<usize> = request.chapters().iter().map(|c| c.depth).collect();
        assert_eq!(depths, (0..=40).collect::<Vec<_>>());
        let error = Request::from_parts(context.clone(), book(41)).unwrap_err();
        assert!(error.message.contains("128 levels"), "{}", error.message);
        for levels in [40, 41] {
            assert_same_as_reference(&serde_json::to_vec(&serde_json::json!([context, book(levels)])).unwrap());
        }
    }

    /// Bits of JSON that keep a request valid, or break it in the ways the readers must agree on.
    const SPLICES: &[&str] = &[
        r#","x":1"#,
        r#","x":1e400"#,
        r#","x":"\ud800""#,
        r#","name":"n""#,
        r#","content":"<<#kpi a>>""#,
        r#","source_path":null"#,
        r#","sub_items":[]"#,
        r#","sub_items":[{"Chapter":{"name":"s","content":"c"}}]"#,
        r#"{"PartTitle":"p"},"#,
        r#""Separator","#,
        r#"{"Chapter":{"name":"s","content":"c"}},"#,
        r#"[[[[["#,
        "]",
        "}",
        " ",
        "\\u003c",
        "\"",
        ",",
        "null",
    ];

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_input(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = Request::parse(&bytes[..]);
        }

        #[test]
        fn reads_spliced_requests_as_the_reference_does(
            old in proptest::bool::ANY,
            at in 0..1000usize,
            splice in proptest::sample::select(SPLICES),
            cut in 0..3usize,
        ) {
            let base = if old { V04 } else { V05 };
            let mut at = at % base.len();
            while !base.is_char_boundary(at) {
                at -= 1;
            }
            let rest = base[at..].char_indices().nth(cut).map_or("", |(i, _)| &base[at + i..]);
            let input = format!("{}{splice}{rest}", &base[..at]);
            assert_same_as_reference(input.as_bytes());
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
            proptest::prop_assert_eq!(request.chapter_count(), expected_chapters);
            for chapter in 0..request.chapter_count() {
                let parent = if nested { chapter / 2 } else { chapter };
                proptest::prop_assert_eq!(request.content(chapter), contents[parent].as_str());
            }
            proptest::prop_assert_eq!(request.clone().into_output(), serde_json::to_vec(&input[1]).unwrap());
            if nested {
                request.unescape_contents(Contents::All);
                proptest::prop_assert_eq!(request.clone().into_output(), serde_json::to_vec(&input[1]).unwrap());
            }
            // Changed contents are escaped as serde_json escapes them.
            let mut expected = input.clone();
            for chapter in 0..request.chapter_count() {
                request.set_content(chapter, format!("{chapter}{}", request.content(chapter)));
            }
            for (i, item) in expected[1]["sections"].as_array_mut().unwrap().iter_mut().enumerate() {
                let chapter = &mut item["Chapter"];
                let first = if nested { 2 * i } else { i };
                chapter["content"] = Value::String(format!("{first}{}", contents[i]));
                if nested {
                    chapter["sub_items"][0]["Chapter"]["content"] = Value::String(format!("{}{}", first + 1, contents[i]));
                }
            }
            proptest::prop_assert_eq!(request.into_output(), serde_json::to_vec(&expected[1]).unwrap());
        }
    }
}

//! mdBook's preprocessor JSON, both dialects.
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
mod contents;
mod context;
mod input;
mod locate;
mod shape;
#[cfg(test)]
mod tests;
mod text;
mod write;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde_json::Value;

use locate::{Located, LocatedChapter};
use shape::{detect_dialect, type_name, validate_context, validate_items};
use text::Unescaped;

use crate::splice::Splice;

pub use context::{Context, version_warning};
pub use input::read_stdin;

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
        let located = utf8_in_halves(body, UTF8_HALVES_FROM)
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
}

/// From how many bytes on [`utf8_in_halves`] checks two halves at once.
const UTF8_HALVES_FROM: usize = 1 << 20;

/// `bytes` as UTF-8, checked with SIMD, a large input in two halves on two threads: the check stands before
/// anything else can start (locating the chapters, and with the context the data files' loading), with the
/// other core idle. The halves are split before a byte that starts a character, so the whole is UTF-8 exactly
/// when both halves are.
fn utf8_in_halves(bytes: &[u8], halves_from: usize) -> Option<&str> {
    if bytes.len() < halves_from {
        return simdutf8::basic::from_utf8(bytes).ok();
    }
    let mut middle = bytes.len() / 2;
    // A continuation byte (10xxxxxx) never starts a character; in UTF-8 at most three follow a lead byte.
    while bytes.get(middle).is_some_and(|byte| byte & 0xC0 == 0x80) {
        middle += 1;
    }
    let (first, second) = bytes.split_at(middle);
    crate::parallel::size_global_pool();
    let (first_ok, second_ok) =
        rayon::join(|| simdutf8::basic::from_utf8(first).is_ok(), || simdutf8::basic::from_utf8(second).is_ok());
    // SAFETY: both halves are valid UTF-8 and the second starts at a character's first byte (or is empty), so
    // their concatenation, `bytes`, is valid UTF-8.
    (first_ok && second_ok).then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

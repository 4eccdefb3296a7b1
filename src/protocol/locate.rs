//! The locating reader: walks `[context, book]` with serde_json's parser and records where each chapter's
//! `content` string is, without building the book in memory.
//!
//! It is strict on purpose. It accepts only what the reference reader (a `serde_json::Value` plus the shape checks
//! in the parent module) accepts, checking the same things: JSON syntax, UTF-8, escapes and surrogate pairs, number
//! range and nesting depth (every value it does not keep still goes through serde_json's `deserialize_any`, which
//! counts depth as a `Value` does), then the shape. It also refuses duplicate keys in the book's objects, which a
//! `Value` would silently merge: copying the input's bytes would keep both. Whatever it refuses goes to the
//! reference reader, for the error message or a normal form.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use memchr::memmem;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::Dialect;
use crate::directive::scan::MARKER;

/// A request as located in its text: offsets are relative to the text given to [`locate`].
#[derive(Debug)]
pub(super) struct Located {
    pub context: Value,
    pub dialect: Dialect,
    /// Element 1, the book, without the whitespace around it.
    pub book: Range<usize>,
    pub chapters: Vec<LocatedChapter>,
}

/// One chapter of the book: what the engine reads about it, and where its content is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LocatedChapter {
    pub name: String,
    pub source_path: Option<String>,
    pub depth: usize,
    /// The JSON string literal of `content`, quotes included.
    pub content: Range<usize>,
    /// The literal has a backslash escape (nearly every chapter does: a line end is `\n`).
    pub escaped: bool,
    /// The literal contains the directive marker, or a `\u` escape that may spell it (`\u003c<#kpi`).
    pub may_have_directives: bool,
}

/// Locates the request in `bytes`, or `None` when the reference reader must decide.
pub(super) fn locate(text: &str) -> Option<Located> {
    locate_with(text, &mut |_| {})
}

/// [`locate`], showing the context to `on_context` as soon as it is read and checked, before the book is
/// walked (work that needs only the context can start meanwhile; the request may still turn out malformed).
pub(super) fn locate_with(text: &str, on_context: &mut dyn FnMut(&Value)) -> Option<Located> {
    let mut chapters = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let walker = RequestWalker { base: text.as_ptr() as usize, chapters: &mut chapters, on_context };
    let (raw_context, context, dialect) = deserializer.deserialize_seq(walker).ok()?;
    deserializer.end().ok()?;
    let context_end = offset_in(text, raw_context.get())? + raw_context.get().len();
    // Element 1 starts after the comma that follows the context and ends before the closing bracket.
    let after_context = text.get(context_end..)?.trim_start_matches(is_json_space);
    let book_text = after_context.strip_prefix(',')?.trim_start_matches(is_json_space);
    let book_start = text.len() - book_text.len();
    let book_text = text.trim_end_matches(is_json_space).strip_suffix(']')?.trim_end_matches(is_json_space);
    let book = book_start..book_text.len();
    Some(Located { context, dialect, book, chapters })
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Where `part` (a slice of `whole`) starts in `whole`.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let offset = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (whole.get(offset..offset + part.len())?.as_ptr() == part.as_ptr()).then_some(offset)
}

/// The chapter list being filled, and the address of the text, to turn borrowed slices into offsets.
struct Sink<'c> {
    base: usize,
    chapters: &'c mut Vec<LocatedChapter>,
}

impl Sink<'_> {
    fn reborrow(&mut self) -> Sink<'_> {
        Sink { base: self.base, chapters: self.chapters }
    }
}

fn refuse<E: de::Error>(why: &str) -> E {
    E::custom(why)
}

/// `[context, book]`: the context as raw text, the book walked.
struct RequestWalker<'c> {
    base: usize,
    chapters: &'c mut Vec<LocatedChapter>,
    on_context: &'c mut dyn FnMut(&Value),
}

impl<'de> Visitor<'de> for RequestWalker<'_> {
    type Value = (&'de RawValue, Value, Dialect);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[context, book]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let raw_context: &'de RawValue = seq.next_element()?.ok_or_else(|| refuse("no context"))?;
        // Parsed inside a one-element array so that its nesting counts as it does in the whole request.
        let [context]: [Value; 1] =
            serde_json::from_str(&format!("[{}]", raw_context.get())).map_err(|_| refuse("context"))?;
        super::validate_context(&context).map_err(|_| refuse("context"))?;
        (self.on_context)(&context);
        let sink = Sink { base: self.base, chapters: self.chapters };
        let dialect = seq.next_element_seed(BookWalker { sink })?.ok_or_else(|| refuse("no book"))?;
        if seq.next_element::<Skip>()?.is_some() {
            return Err(refuse("more than two elements"));
        }
        Ok((raw_context, context, dialect))
    }
}

/// The book object: `items` (0.5) or `sections` (0.4), any other field skipped.
struct BookWalker<'c> {
    sink: Sink<'c>,
}

impl<'de> DeserializeSeed<'de> for BookWalker<'_> {
    type Value = Dialect;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Dialect, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BookWalker<'_> {
    type Value = Dialect;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the book object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Dialect, A::Error> {
        let mut dialect = None;
        let mut seen = Keys::default();
        while let Some(Key(key)) = map.next_key()? {
            let this = match key.as_ref() {
                "items" => Some(Dialect::V05),
                "sections" => Some(Dialect::V04),
                _ => None,
            };
            seen.insert(key)?;
            match this {
                Some(_) if dialect.is_some() => return Err(refuse("both items and sections")),
                Some(found) => {
                    dialect = Some(found);
                    map.next_value_seed(ItemsWalker { sink: self.sink.reborrow(), depth: 0 })?;
                }
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        dialect.ok_or_else(|| refuse("no item list"))
    }
}

/// A list of book items at one nesting depth.
struct ItemsWalker<'c> {
    sink: Sink<'c>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ItemsWalker<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsWalker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of book items")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(ItemWalker { sink: self.sink.reborrow(), depth: self.depth })?.is_some() {}
        Ok(())
    }
}

/// `{"Chapter": {…}}`, `"Separator"` or `{"PartTitle": "…"}`.
struct ItemWalker<'c> {
    sink: Sink<'c>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ItemWalker<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemWalker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a book item")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        if value == "Separator" { Ok(()) } else { Err(refuse("not a book item")) }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(Key(key)) = map.next_key()? else {
            return Err(refuse("an empty item"));
        };
        match key.as_ref() {
            "Chapter" => map.next_value_seed(ChapterWalker { sink: self.sink, depth: self.depth })?,
            "PartTitle" => {
                map.next_value::<Skip>().and_then(|Skip(kind)| match kind {
                    Kind::String => Ok(()),
                    Kind::Other => Err(refuse("a part title that is not a string")),
                })?;
            }
            _ => return Err(refuse("not a book item")),
        }
        match map.next_key::<Key>()? {
            None => Ok(()),
            Some(_) => Err(refuse("an item with more than one key")),
        }
    }
}

/// A chapter object: name, content, source path and sub-items read; any other field skipped.
struct ChapterWalker<'c> {
    sink: Sink<'c>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ChapterWalker<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ChapterWalker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a chapter object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // The chapter takes its place before its sub-chapters (book order), whatever the order of its keys.
        let index = self.sink.chapters.len();
        self.sink.chapters.push(LocatedChapter {
            name: String::new(),
            source_path: None,
            depth: self.depth,
            content: 0..0,
            escaped: false,
            may_have_directives: false,
        });
        let (mut name, mut content, mut source_path) = (None, None, None);
        let mut seen = Keys::default();
        while let Some(Key(key)) = map.next_key()? {
            match key.as_ref() {
                "name" => name = Some(map.next_value::<String>()?),
                "content" => content = Some(map.next_value::<&'de RawValue>()?),
                "source_path" => source_path = map.next_value::<Option<String>>()?,
                "sub_items" => {
                    map.next_value_seed(ItemsWalker { sink: self.sink.reborrow(), depth: self.depth + 1 })?;
                }
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
            seen.insert(key)?;
        }
        let (Some(name), Some(content)) = (name, content) else {
            return Err(refuse("a chapter without name or content"));
        };
        let located = locate_content(self.sink.base, content)?;
        let Some(slot) = self.sink.chapters.get_mut(index) else {
            return Err(refuse("lost a chapter"));
        };
        *slot = LocatedChapter { name, source_path, depth: self.depth, ..located };
        Ok(())
    }
}

/// Where a chapter's `content` string literal is, and what it may hold.
fn locate_content<E: de::Error>(base: usize, content: &RawValue) -> Result<LocatedChapter, E> {
    let literal = content.get();
    if !literal.starts_with('"') {
        return Err(refuse("content that is not a string"));
    }
    let bytes = literal.as_bytes();
    let unicode_escape = memmem::find(bytes, b"\\u").is_some();
    if unicode_escape {
        // serde_json skips a raw value without checking that its surrogate escapes pair up; a `Value` does.
        serde_json::from_str::<String>(literal).map_err(|_| refuse("content with a lone surrogate"))?;
    }
    let start = (literal.as_ptr() as usize).checked_sub(base).ok_or_else(|| refuse("content outside the input"))?;
    Ok(LocatedChapter {
        name: String::new(),
        source_path: None,
        depth: 0,
        content: start..start + literal.len(),
        escaped: memchr::memchr(b'\\', bytes).is_some(),
        may_have_directives: unicode_escape || memmem::find(bytes, MARKER.as_bytes()).is_some(),
    })
}

/// An object key, borrowed from the input unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value.to_string())))
    }
}

/// The keys of one object so far (a handful: a linear search is the fastest set).
#[derive(Default)]
struct Keys<'de>(Vec<Cow<'de, str>>);

impl<'de> Keys<'de> {
    fn insert<E: de::Error>(&mut self, key: Cow<'de, str>) -> Result<(), E> {
        if self.0.contains(&key) {
            return Err(refuse("a duplicate key"));
        }
        self.0.push(key);
        Ok(())
    }
}

/// Any JSON value, read and dropped. Unlike `IgnoredAny` (which serde_json skips without checking number range,
/// surrogates or depth) it goes through `deserialize_any`, so it refuses exactly what a `Value` refuses.
struct Skip(Kind);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Other,
}

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip(Kind::Other))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip(Kind::Other))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip(Kind::Other))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip(Kind::Other))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip(Kind::String))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip(Kind::Other))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip(Kind::Other))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip(Kind::Other))
    }
}

//! Writing the book back: element 1 of the input byte for byte, with each changed content escaped in place.

use std::io::{self, Write};
use std::ops::Range;

use serde_json::Value;

use super::Request;
use super::text::{self, Unescaped};
use crate::splice::Splice;

impl Request<'_> {
    /// A text with its splices made, as a JSON string literal.
    pub(super) fn write_spliced_text(out: &mut impl Write, text: &str, splices: &[Splice]) -> io::Result<()> {
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
    pub(super) fn write_spliced(
        &self,
        out: &mut impl Write,
        literal: Range<usize>,
        splices: &[Splice],
    ) -> io::Result<()> {
        let mut copied = literal.start;
        for splice in splices {
            out.write_all(self.input.get(copied..splice.range.start).unwrap_or_default())?;
            text::write_escaped_inner(out, &splice.text)?;
            copied = splice.range.end;
        }
        out.write_all(self.input.get(copied..literal.end).unwrap_or_default())
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

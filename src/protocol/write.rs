//! Writing the book back: element 1 of the input byte for byte, with each changed content escaped in place.

use std::io::{self, Write};
use std::ops::Range;

use serde_json::Value;

use super::Request;
use super::text::{self, Unescaped};
use crate::splice::Splice;

/// About how many bytes of text one batch of [`Request::write_book`] escapes.
const BATCH: usize = 64 << 10;

/// A piece and the range of the input it replaces.
type Placed<'t> = (Range<usize>, Piece<'t>);

/// What replaces a range of the input: a whole literal, or text inside one.
enum Piece<'t> {
    Literal(&'t str, &'t [Splice]),
    Inside(&'t str),
}

impl Piece<'_> {
    /// Roughly what it costs to write: the bytes of text it escapes.
    fn len(&self) -> usize {
        match self {
            Piece::Literal(text, _) => text.len(),
            Piece::Inside(text) => text.len() + 64,
        }
    }
}

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
    ///
    /// After the structure check every chapter is escaped again (its text was unescaped over its literal), which
    /// took a millisecond per 2.5 MB on one core while the others idled: a large book is escaped on all cores, a
    /// few batches of about [`BATCH`] bytes at a time, each into a buffer of its own, and the buffers written
    /// in order (so the book is never held twice). [`Request::write_book_in_order`] is the plain path it is
    /// held to.
    pub fn write_book(&self, out: &mut impl Write) -> io::Result<()> {
        self.write_book_in_batches(out, BATCH, rayon::current_num_threads())
    }

    /// [`Request::write_book`] with batches of about `batch` bytes, `threads` at a time.
    pub(super) fn write_book_in_batches(&self, out: &mut impl Write, batch: usize, threads: usize) -> io::Result<()> {
        let pieces = self.pieces();
        // Whole texts are what costs; splices inside literals are few bytes among copies of the input.
        let escaped: usize =
            pieces.iter().filter(|(_, piece)| matches!(piece, Piece::Literal(..))).map(|(_, piece)| piece.len()).sum();
        if threads < 2 || escaped < 4 * batch {
            return self.write_pieces(out, self.book.start, &pieces, self.book.end);
        }
        use rayon::prelude::*;
        // Batches of pieces, each written from where the one before ended through the end of its last piece.
        let mut batches: Vec<(usize, &[Placed<'_>])> = Vec::new();
        let (mut from, mut first, mut size) = (self.book.start, 0, 0);
        for (at, (range, piece)) in pieces.iter().enumerate() {
            size += piece.len();
            if size >= batch || at + 1 == pieces.len() {
                batches.push((from, &pieces[first..=at]));
                (from, first, size) = (range.end, at + 1, 0);
            }
        }
        crate::parallel::size_global_pool();
        for wave in batches.chunks(threads) {
            let written: Vec<io::Result<Vec<u8>>> = wave
                .par_iter()
                .map(|&(from, batch)| {
                    let to = batch.last().map_or(from, |(range, _)| range.end);
                    let mut buffer = Vec::with_capacity(to - from + to.saturating_sub(from) / 8);
                    self.write_pieces(&mut buffer, from, batch, to).map(|()| buffer)
                })
                .collect();
            for buffer in written {
                out.write_all(&buffer?)?;
            }
        }
        out.write_all(self.input.get(from..self.book.end).unwrap_or_default())
    }

    /// [`Request::write_book`] on one thread, piece after piece: the plain path.
    #[cfg(test)]
    pub(super) fn write_book_in_order(&self, out: &mut impl Write) -> io::Result<()> {
        self.write_pieces(out, self.book.start, &self.pieces(), self.book.end)
    }

    /// What replaces ranges of the input, in order.
    fn pieces(&self) -> Vec<Placed<'_>> {
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
        pieces
    }

    /// The input from `from` to `to` with `pieces` (within it, in order) in place of their ranges.
    fn write_pieces(&self, out: &mut impl Write, from: usize, pieces: &[Placed<'_>], to: usize) -> io::Result<()> {
        let mut copied = from;
        for (range, piece) in pieces {
            out.write_all(self.input.get(copied..range.start).unwrap_or_default())?;
            match piece {
                Piece::Literal(text, splices) => Self::write_spliced_text(out, text, splices)?,
                Piece::Inside(text) => text::write_escaped_inner(out, text)?,
            }
            copied = range.end;
        }
        out.write_all(self.input.get(copied..to).unwrap_or_default())
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

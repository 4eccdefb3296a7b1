//! Chapter contents: read (unescaped from their JSON literal, in place or into a buffer) and changed (whole
//! texts, or splices inside the literal).

use std::borrow::Cow;
use std::ops::Range;

use rayon::prelude::*;

use super::text::{self, Unescaped};
use super::{Contents, Request};
use crate::splice::Splice;

/// What [`Request::change_contents`] made of one chapter.
enum Changed {
    Text(String),
    Splices(Vec<Splice>),
}

/// A state of [`Request::change_contents`]: the caller's, the chapters changed so far, the unescaping buffer.
type ChangeState<S> = (S, Vec<(usize, Changed)>, String);

impl Request<'_> {
    /// A chapter's content as it stands: its text when the request owns one, else unescaped from the input
    /// (borrowed when the JSON string has no escape). Empty for an index past the last chapter.
    pub fn content(&self, index: usize) -> Cow<'_, str> {
        let (Some(Some(splices)), Some(chapter)) = (self.splices.get(index), self.chapters.get(index)) else {
            return self.original_content(index);
        };
        if let Some(text) = self.text(index) {
            return Cow::Owned(crate::splice::apply(text, splices));
        }
        // The splices are kept in the literal's coordinates.
        let mut literal = Vec::with_capacity(chapter.content.len());
        // Writing into a Vec cannot fail.
        let _ = self.write_spliced(&mut literal, chapter.content.clone(), splices);
        Cow::Owned(text::unescape(std::str::from_utf8(&literal).unwrap_or_default()))
    }

    /// A chapter's content under the splices [`Request::change_contents`] keeps (which [`Request::content`]
    /// applies): as it came in, unless a whole new text was set. The text the request owns, else the input's
    /// literal unescaped.
    pub fn original_content(&self, index: usize) -> Cow<'_, str> {
        if let Some(text) = self.text(index) {
            return Cow::Borrowed(text);
        }
        match self.chapters.get(index) {
            Some(chapter) if chapter.escaped => Cow::Owned(text::unescape(self.text_at(chapter.content.clone()))),
            Some(_) => Cow::Borrowed(self.content_borrowed(index)),
            None => Cow::Borrowed(""),
        }
    }

    /// The content of a chapter whose literal has no escape: the literal without its quotes (which the locating
    /// reader checked are there).
    fn content_borrowed(&self, index: usize) -> &str {
        let literal = self.chapters.get(index).map_or("", |chapter| self.text_at(chapter.content.clone()));
        literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default()
    }

    /// The input's text in `range` (a located string literal, which the locating reader checked is UTF-8).
    pub(super) fn text_at(&self, range: Range<usize>) -> &str {
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
        // A borrowed input is copied once here (tests); mdBook's stdin is owned.
        for (index, text) in text::unescape_in_place(self.input.to_mut(), &literals) {
            self.texts[index] = Some(text);
        }
    }

    /// A chapter's text when the request holds one (unescaped or set), before splices.
    pub(super) fn text(&self, index: usize) -> Option<&str> {
        match self.texts.get(index)?.as_ref()? {
            Unescaped::InPlace(range) => Some(self.text_at(range.clone())),
            Unescaped::Owned(text) => Some(text),
        }
    }

    /// Changes chapter contents: each chapter `which` selects is given as text to `change`, with a state (made
    /// by `state`, one for each run of chapters rayon hands a thread), and the splices `change` returns (ranges
    /// of that text, in order; none: unchanged) are made to its content. `threads` below 2 keeps the work on the
    /// calling thread; otherwise rayon's pool shares it, so a slow chapter holds up no other. A chapter's JSON
    /// is unescaped into a buffer the state keeps, and its splices are kept as ranges of the JSON, which is
    /// written back around them: the book is held once, plus what changed. Returns the states. A panic in
    /// `change` goes on in the caller.
    pub fn change_contents<S: Send>(
        &mut self,
        which: Contents,
        threads: usize,
        state: impl Fn() -> S + Sync + Send,
        change: impl Fn(&mut S, usize, &str) -> Vec<Splice> + Sync + Send,
    ) -> Vec<S> {
        // Chapters changed before are changed further from their text as it stands.
        self.own_spliced_texts();
        let selected: Vec<usize> = (0..self.chapters.len())
            .filter(|&i| which == Contents::All || self.chapters[i].may_have_directives)
            .collect();
        let this = &*self;
        let start = || (state(), Vec::new(), String::new());
        let one = |(mut state, mut changed, mut buffer): ChangeState<S>, &index: &usize| {
            if let Some(change) = this.change_one(index, &mut buffer, |text| change(&mut state, index, text)) {
                changed.push((index, change));
            }
            (state, changed, buffer)
        };
        let results: Vec<ChangeState<S>> = if threads < 2 {
            vec![selected.iter().fold(start(), one)]
        } else {
            crate::parallel::size_global_pool();
            selected.par_iter().fold(start, one).collect()
        };
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
}

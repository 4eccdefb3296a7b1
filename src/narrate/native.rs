//! The built-in sentence templates written out in Rust.
//!
//! Rendering a Handlebars template means building its JSON context (dozens of formatted strings in hashed maps)
//! and interpreting the template — most of what a directive costs. While a book does not override a template,
//! the sentence is written here directly, computing only the texts it uses. The output is the built-in
//! template's, character for character: `tests/native_templates.rs` renders every kind in both locales both ways
//! on random data and compares. `None` means "let Handlebars do it": a field the template names is missing, so
//! Handlebars (strict mode) reports the error as it always has.

use super::compute::{Base, BaseKind, Computation, Driver, SentenceKind};
use super::context::{self, Change, Formatter, Selection, TrendShape};
use super::labels::{granularity_unit, join_cjk};
use super::templates::{escape_into, possessive};
use crate::config::{Locale, Punctuation};
use crate::data::Unit;

/// The sentence of `kind` (`value`, `period`, … as in [`super::templates::KINDS`]) as the built-in template of
/// the computation's locale writes it.
pub fn render(computation: &Computation, kind: &str) -> Option<String> {
    let sentence = Sentence::new(computation);
    let mut out = String::with_capacity(128);
    match computation.locale {
        Locale::En => sentence.en(kind, &mut out)?,
        Locale::ZhCn => sentence.zh(kind, &mut out)?,
    }
    Some(out)
}

/// `{{text}}`: data text, escaped.
fn esc(out: &mut String, text: &str) {
    escape_into(out, text);
}

/// `{{join a b …}}`: the parts joined as Chinese typesetting does, escaped.
fn join(out: &mut String, parts: &[&str]) {
    escape_into(out, &join_cjk(parts));
}

/// What a Chinese change is measured against, before its verb: 环比, 同比 or 较Q2 (nothing for other bases, whose
/// sentences name them elsewhere).
fn comparison_lead_zh(out: &mut String, base: &Base) {
    match base.kind {
        BaseKind::Prev => out.push_str("环比"),
        BaseKind::YearAgo => out.push_str("同比"),
        BaseKind::Period => join(out, &["较", &base.label]),
        _ => {}
    }
}

/// `{{choose key up=… down=… flat=…}}` over a change direction: the word for it, nothing for a missing one.
fn choose<'w>(direction: &str, up: &'w str, down: &'w str, flat: &'w str) -> &'w str {
    match direction {
        "up" => up,
        "down" => down,
        "flat" => flat,
        _ => "",
    }
}

/// `choose change.relation over="超出" within="低于" above="高于" below="低于"`, as the Chinese target and
/// standard sentences say it.
fn relation_zh(relation: &str) -> &'static str {
    match relation {
        "over" => "超出",
        "within" | "below" => "低于",
        "above" => "高于",
        _ => "",
    }
}

/// The marks a Chinese sentence is written with (see [`crate::config::Punctuation`]).
#[derive(Clone, Copy)]
struct Marks {
    comma: char,
    open: char,
    close: char,
    colon: char,
}

struct Sentence<'a> {
    c: &'a Computation,
    f: Formatter<'a>,
    /// The base and the change from it, when the sentence compares.
    compared: Option<(&'a Base, Change)>,
}

impl<'a> Sentence<'a> {
    fn new(c: &'a Computation) -> Self {
        let f = Formatter::sentence(c);
        let compared = c.base.as_ref().map(|base| (base, context::change(c, &f, c.value, base.value)));
        Sentence { c, f, compared }
    }

    fn compared(&self) -> Option<(&'a Base, &Change)> {
        self.compared.as_ref().map(|(base, change)| (*base, change))
    }

    fn direction(&self) -> Option<&'static str> {
        self.compared().map(|(_, change)| context::direction(change.reads()))
    }

    /// `change.roughly_flat`
    fn roughly_flat(&self) -> bool {
        self.compared().is_some_and(|(_, change)| change.roughly_flat)
    }

    /// `{{#if change.roughly_flat}}基本{{/if}}持平`
    fn flat_zh(&self) -> &'static str {
        if self.roughly_flat() { "基本持平" } else { "持平" }
    }

    fn relation(&self) -> Option<&'static str> {
        self.compared().map(|(_, change)| context::relation(change.reads(), self.c.metric.better))
    }

    /// `value.text`
    fn value_text(&self) -> String {
        self.f.value.value(self.c.value)
    }

    /// `value.short`
    fn value_short(&self) -> String {
        self.f.short(self.c, self.c.value)
    }

    /// `base.short`
    fn base_short(&self, base: &Base) -> String {
        self.f.short(self.c, base.value)
    }

    /// `value.loss`
    fn value_loss(&self) -> bool {
        context::is_loss(self.c, &self.f, self.c.value)
    }

    /// `value.abs_short` (`base.abs_short` for a base)
    fn abs_short(&self, value: rust_decimal::Decimal) -> String {
        self.f.short(self.c, value.abs())
    }

    /// `change.special`
    fn special(&self) -> Option<&'static str> {
        let (base, change) = self.compared()?;
        context::special_change(self.c, &self.f, change, self.c.value, base.value)
    }

    /// `change.text`
    fn change_text(&self) -> Option<String> {
        let (_, change) = self.compared()?;
        Some(context::change_texts(self.c, change).0)
    }

    /// `change.abs_text`, when it is truthy.
    fn abs_text(&self) -> Option<String> {
        let (_, change) = self.compared()?;
        context::change_texts(self.c, change).1.filter(|text| !text.is_empty())
    }

    /// `{{#if change.with_amount}}{{change.diff_text}}（{{change.abs_text}}）{{else}}{{change.abs_text}}{{/if}}`:
    /// the change's measure, after its amount under `with=amount`.
    fn measure(&self, out: &mut String, abs: &str, (open, close): (&str, char)) {
        match self.compared() {
            Some((_, change)) if context::with_amount(self.c, change) => {
                esc(out, &change.diff_text);
                out.push_str(open);
                esc(out, abs);
                out.push(close);
            }
            _ => esc(out, abs),
        }
    }

    /// `ratio.text`
    fn ratio_text(&self) -> Option<String> {
        let (base, _) = self.compared()?;
        context::ratio(&self.f, self.c.value, base.value).map(|(_, text)| text)
    }

    /// `completion`
    fn completion(&self) -> bool {
        self.compared()
            .is_some_and(|(base, _)| base.kind == BaseKind::Target && context::reads_as_completion(self.c, base.value))
    }

    fn trend(&self) -> Option<TrendShape> {
        if self.c.kind != SentenceKind::Trend {
            return None;
        }
        context::trend_shape(&self.c.points)
    }

    /// `trend.min.text` and `trend.max.text`
    fn trend_range(&self, shape: &TrendShape) -> Option<(String, String)> {
        let points = &self.c.points;
        Some((self.f.value.value(points.get(shape.min)?.value), self.f.value.value(points.get(shape.max)?.value)))
    }

    /// `trend.unit`
    fn trend_unit(&self, steps: usize) -> &'static str {
        granularity_unit(self.c.period.granularity(), steps, self.c.locale)
    }

    /// The kinds every locale writes the same way.
    fn common(&self, kind: &str, out: &mut String) -> Option<()> {
        match kind {
            "value" => esc(out, &self.value_text()),
            "delta" => esc(out, &self.change_text()?),
            "ratio" => match self.ratio_text() {
                Some(text) => esc(out, &text),
                None => esc(out, &self.change_text()?),
            },
            _ => return None,
        }
        Some(())
    }

    /// `{{period.label}} {{subject}} {{#if metric.plural}}were{{else}}was{{/if}} {{value.short}},`
    fn lead_en(&self, out: &mut String) {
        esc(out, &self.c.period_label);
        out.push(' ');
        esc(out, &self.c.subject);
        out.push_str(if self.c.metric.plural { " were " } else { " was " });
        esc(out, &self.value_short());
        out.push(',');
    }

    /// `… {{#if metric.plural}}were{{else}}was{{/if}} {{#if value.loss}}a loss of {{value.abs_short}}{{else}}…`:
    /// the lead of a sentence whose value may be a loss.
    fn lead_en_loss(&self, out: &mut String) {
        let c = self.c;
        if self.value_loss() {
            esc(out, &c.period_label);
            out.push(' ');
            esc(out, &c.subject);
            out.push_str(if c.metric.plural { " were a loss of " } else { " was a loss of " });
            esc(out, &self.abs_short(c.value));
            out.push(',');
        } else {
            self.lead_en(out);
        }
    }

    /// A change without a percentage that reads by what happened (`change.special`): ` from nothing in Q1`, or
    /// ` narrowed by RMB 600K from a loss of RMB 800K in Q1` / ` widened …` / ` turning a profit after …`.
    fn special_en(&self, out: &mut String, special: &str, base: &Base, change: &Change) {
        if special == "from_zero" {
            out.push_str(" from nothing in ");
            esc(out, &base.label);
            return;
        }
        match special {
            "turned_profit" => out.push_str(" turning a profit after"),
            _ => {
                out.push_str(if special == "narrowed" { " narrowed by " } else { " widened by " });
                esc(out, &change.diff_text);
                out.push_str(" from");
            }
        }
        out.push_str(" a loss of ");
        esc(out, &self.abs_short(base.value));
        out.push_str(" in ");
        esc(out, &base.label);
    }

    fn en(&self, kind: &str, out: &mut String) -> Option<()> {
        let c = self.c;
        match kind {
            "value" | "delta" | "ratio" => self.common(kind, out)?,
            "period" => {
                let (base, change) = self.compared()?;
                let direction = self.direction()?;
                let yoy = base.kind == BaseKind::YearAgo;
                self.lead_en_loss(out);
                if direction == "flat" {
                    out.push_str(if self.roughly_flat() { " roughly flat " } else { " unchanged " });
                    if yoy {
                        out.push_str("year over year");
                    } else {
                        out.push_str("from ");
                        esc(out, &base.label);
                    }
                } else if let Some(abs) = self.abs_text() {
                    let (size, doubled) = context::change_size(c, change);
                    out.push(' ');
                    out.push_str(choose(direction, "up", "down", ""));
                    out.push_str(match size {
                        Some("large") => " a sharp ",
                        Some(_) => " a modest ",
                        None => " ",
                    });
                    self.measure(out, &abs, (" (", ')'));
                    out.push(' ');
                    if yoy {
                        out.push_str("year over year");
                    } else {
                        out.push_str("from ");
                        esc(out, &base.label);
                        out.push_str(" (");
                        esc(out, &self.base_short(base));
                        out.push(')');
                    }
                    match doubled {
                        Some("exactly") => out.push_str(", doubling"),
                        Some(_) => out.push_str(", more than doubling"),
                        None => {}
                    }
                } else if let Some(special) = self.special() {
                    self.special_en(out, special, base, change);
                } else {
                    out.push(' ');
                    out.push_str(choose(direction, "up", "down", ""));
                    out.push_str(" from ");
                    esc(out, &self.base_short(base));
                    out.push_str(" in ");
                    esc(out, &base.label);
                }
            }
            "member" => {
                let (base, change) = self.compared()?;
                let direction = self.direction()?;
                self.lead_en(out);
                if direction == "flat" {
                    out.push_str(if self.roughly_flat() { " roughly the same as for " } else { " the same as for " });
                } else if let Some(count) =
                    self.abs_text().is_none().then(|| context::count_comparative(c, &self.f, change)).flatten()
                {
                    // A count without a percentage: "20 more customers than for North".
                    out.push(' ');
                    esc(out, &count);
                    out.push_str(" than for ");
                } else {
                    out.push(' ');
                    match self.abs_text() {
                        Some(abs) => esc(out, &abs),
                        None => esc(out, &change.diff_text),
                    }
                    out.push(' ');
                    out.push_str(match c.metric.unit {
                        Unit::Days => choose(direction, "longer", "shorter", ""),
                        Unit::Count => choose(direction, "more", "fewer", ""),
                        _ => choose(direction, "higher", "lower", ""),
                    });
                    out.push_str(" than for ");
                }
                esc(out, &base.label);
                out.push_str(" (");
                esc(out, &self.base_short(base));
                out.push(')');
            }
            "target" | "standard" => {
                let (base, change) = self.compared()?;
                let relation = self.relation()?;
                let adjective = self.f.value.adjective(base.value);
                self.lead_en(out);
                if kind == "target" && self.completion() {
                    out.push(' ');
                    esc(out, &self.ratio_text()?);
                    out.push_str(" of the ");
                } else if relation == "equal" {
                    out.push_str(match (kind == "target", self.roughly_flat()) {
                        (true, false) => " on the ",
                        (true, true) => " in line with the ",
                        (false, false) => " in line with the ",
                        (false, true) => " roughly in line with the ",
                    });
                } else {
                    out.push(' ');
                    esc(out, &change.diff_text);
                    if context::reads_faster(c, base.kind, change) {
                        out.push_str(" faster than the ");
                    } else {
                        out.push(' ');
                        // A ceiling gone over: "above the … target ceiling".
                        let ceiling = relation == "over" && context::is_ceiling(c, base.kind);
                        esc(out, if ceiling { "above" } else { relation });
                        out.push_str(" the ");
                    }
                }
                esc(out, &adjective);
                out.push_str(if kind == "target" { " target" } else { " standard" });
                if relation == "over" && context::is_ceiling(c, base.kind) {
                    out.push_str(" ceiling");
                }
            }
            "share" => {
                let filter = c.filters.first()?;
                esc(out, &possessive(&filter.label));
                out.push_str(" share of ");
                esc(out, &c.period_label);
                out.push(' ');
                esc(out, &c.metric.label);
                out.push_str(" was ");
                esc(out, &self.value_text());
                if let Some((base, change)) = self.compared() {
                    out.push_str(", ");
                    let direction = self.direction()?;
                    if direction == "flat" {
                        out.push_str(if self.roughly_flat() { "roughly flat from " } else { "unchanged from " });
                    } else {
                        out.push_str(choose(direction, "up", "down", ""));
                        out.push(' ');
                        esc(out, change.pp_text.as_deref()?);
                        out.push_str(" from ");
                        esc(out, &self.f.value.value(base.value));
                        out.push_str(" in ");
                    }
                    esc(out, &base.label);
                }
            }
            "breakdown" => {
                esc(out, &c.period_label);
                out.push(' ');
                esc(out, &c.subject);
                if let Some(total) = c.total {
                    out.push_str(if c.metric.plural { " were " } else { " was " });
                    esc(out, &self.f.short(c, total));
                }
                out.push(':');
                for (index, item) in c.items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(if index + 1 == c.items.len() { " and" } else { "," });
                    }
                    out.push(' ');
                    match item.share {
                        // A part of a whole: the amount, its share, and where it came from.
                        Some(share) => {
                            esc(out, &self.f.short(c, item.value));
                            out.push_str(" (");
                            esc(out, &self.f.percent.percent(share));
                            out.push_str(") ");
                            esc(out, &c.by_preposition);
                            out.push(' ');
                            esc(out, &item.label);
                        }
                        None => {
                            esc(out, &item.label);
                            out.push(' ');
                            esc(out, &self.f.value.value(item.value));
                        }
                    }
                }
            }
            "trend" => self.trend_en(out)?,
            "drivers" => self.drivers_en(out)?,
            _ => return None,
        }
        Some(())
    }

    /// `change.verdict`
    fn verdict(&self) -> Option<&'static str> {
        self.compared().and_then(|(_, change)| context::verdict(self.c, change))
    }

    /// `trend.overall`
    fn trend_overall(&self, shape: &TrendShape) -> Option<String> {
        self.compared().and_then(|(_, change)| context::trend_overall(self.c, shape, change))
    }

    /// `trend.record` (none for a steady series)
    fn trend_record(&self, shape: &TrendShape) -> Option<&'static str> {
        shape.record.filter(|_| !context::trend_steady(self.c, shape))
    }

    /// The English trend sentence, as `en/trend.hbs` writes it.
    fn trend_en(&self, out: &mut String) -> Option<()> {
        let c = self.c;
        let shape = self.trend()?;
        let points = &c.points;
        let (first, last) = (points.first()?, points.last()?);
        esc(out, &c.subject);
        let from_to = |out: &mut String| {
            out.push_str("from ");
            esc(out, &self.f.value.value(first.value));
            out.push_str(" in ");
            esc(out, &first.label);
            out.push_str(" to ");
            esc(out, &self.f.value.value(last.value));
            out.push_str(" in ");
            esc(out, &last.label);
        };
        let verbs = context::verbs(c);
        let overall = self.trend_overall(&shape);
        match shape.pattern {
            _ if context::trend_steady(c, &shape) => {
                let (low, high) = self.trend_range(&shape)?;
                if context::same_figure(&low, &high) {
                    out.push_str(" held steady at ");
                    esc(out, &low);
                } else {
                    out.push_str(" held steady between ");
                    esc(out, &low);
                    out.push_str(" and ");
                    esc(out, &high);
                }
                out.push_str(" from ");
                esc(out, &first.label);
                out.push_str(" to ");
                esc(out, &last.label);
            }
            "rising" | "falling" if shape.steps > 1 => {
                let rising = shape.pattern == "rising";
                out.push(' ');
                out.push_str(if rising { verbs.up } else { verbs.down });
                out.push_str(" for ");
                esc(out, &shape.steps.to_string());
                out.push_str(" consecutive ");
                esc(out, self.trend_unit(shape.steps));
                out.push_str(", ");
                if let Some(overall) = &overall {
                    out.push_str(if rising { "up " } else { "down " });
                    esc(out, overall);
                    out.push(' ');
                }
                from_to(out);
                if overall.is_some() {
                    out.push_str(match self.verdict() {
                        Some("improved") => ", a steady improvement",
                        Some(_) => ", a steady deterioration",
                        None => "",
                    });
                }
            }
            "flat" => {
                out.push_str(" held at ");
                esc(out, &self.f.value.value(first.value));
                out.push_str(" from ");
                esc(out, &first.label);
                out.push_str(" to ");
                esc(out, &last.label);
            }
            _ => {
                let direction = self.direction()?;
                out.push(' ');
                out.push_str(choose(direction, verbs.up, verbs.down, "went"));
                if let Some(overall) = &overall {
                    out.push_str(" by ");
                    esc(out, overall);
                }
                out.push(' ');
                from_to(out);
                if overall.is_some()
                    && let Some(verdict) = self.verdict()
                {
                    out.push_str(if verdict == "improved" { ", an improvement" } else { ", a deterioration" });
                    if shape.steps > 1 {
                        out.push_str(" overall");
                    }
                }
                match shape.turn {
                    Some("high") => {
                        let point = points.get(shape.max)?;
                        out.push_str(", with a high of ");
                        esc(out, &self.f.value.value(point.value));
                        out.push_str(" in ");
                        esc(out, &point.label);
                    }
                    Some(_) => {
                        let point = points.get(shape.min)?;
                        out.push_str(", with a low of ");
                        esc(out, &self.f.value.value(point.value));
                        out.push_str(" in ");
                        esc(out, &point.label);
                    }
                    None => {}
                }
                if shape.since_turn > 0 {
                    out.push_str(", then ");
                    out.push_str(if shape.turn == Some("low") { verbs.up } else { verbs.down });
                    out.push_str(" for ");
                    esc(out, &shape.since_turn.to_string());
                    out.push_str(" consecutive ");
                    esc(out, self.trend_unit(shape.since_turn));
                }
                if let Some(record) = self.trend_record(&shape) {
                    out.push_str(", ending at ");
                    if context::record_scope(points) == "year" {
                        out.push_str("a ");
                        out.push_str(record);
                        out.push_str(" for the year");
                    } else {
                        out.push_str(if record == "high" { "its highest since " } else { "its lowest since " });
                        esc(out, &first.label);
                    }
                }
            }
        }
        Some(())
    }

    /// The zh-CN trend sentence, as `zh-CN/trend.hbs` writes it.
    fn trend_zh(&self, out: &mut String) -> Option<()> {
        let c = self.c;
        let m = self.marks();
        let shape = self.trend()?;
        let points = &c.points;
        let (first, last) = (points.first()?, points.last()?);
        join(out, &[&c.subject, &first.label]);
        out.push('至');
        esc(out, &last.label);
        let verbs = context::verbs(c);
        let overall = self.trend_overall(&shape);
        match shape.pattern {
            _ if context::trend_steady(c, &shape) => {
                let (low, high) = self.trend_range(&shape)?;
                out.push_str("基本稳定");
                if context::same_figure(&low, &high) {
                    out.push('在');
                    esc(out, &low);
                } else {
                    out.push(m.comma);
                    out.push('在');
                    esc(out, &low);
                    out.push('至');
                    esc(out, &high);
                    out.push_str("之间");
                }
            }
            "rising" | "falling" if shape.steps > 1 => {
                let rising = shape.pattern == "rising";
                let verb = if rising { verbs.up } else { verbs.down };
                out.push_str("连续");
                esc(out, &shape.steps.to_string());
                esc(out, self.trend_unit(shape.steps));
                out.push_str(verb);
                out.push(m.comma);
                out.push('从');
                esc(out, &self.f.value.value(first.value));
                out.push_str(if rising { verbs.up_to } else { verbs.down_to });
                esc(out, &self.f.value.value(last.value));
                if let Some(overall) = &overall {
                    out.push(m.comma);
                    out.push_str("累计");
                    out.push_str(verb);
                    esc(out, overall);
                    if let Some(verdict) = self.verdict() {
                        out.push(m.comma);
                        out.push_str(if verdict == "improved" { "持续改善" } else { "持续恶化" });
                    }
                }
            }
            "flat" => {
                out.push_str("保持在");
                esc(out, &self.f.value.value(first.value));
            }
            _ => {
                let direction = self.direction()?;
                out.push('从');
                esc(out, &self.f.value.value(first.value));
                out.push_str(choose(direction, verbs.up_to, verbs.down_to, "回到"));
                esc(out, &self.f.value.value(last.value));
                if let Some(overall) = &overall {
                    out.push(m.comma);
                    if shape.steps > 1 {
                        out.push_str("累计");
                    }
                    out.push_str(choose(direction, verbs.up, verbs.down, ""));
                    esc(out, overall);
                    if let Some(verdict) = self.verdict() {
                        out.push(m.comma);
                        out.push_str(if shape.steps > 1 { "总体" } else { "有所" });
                        out.push_str(if verdict == "improved" { "改善" } else { "恶化" });
                    }
                }
                let (high, low) = context::extreme_words(c);
                let turn = match shape.turn {
                    Some("high") => Some((shape.max, high)),
                    Some(_) => Some((shape.min, low)),
                    None => None,
                };
                if let Some((index, words)) = turn {
                    let point = points.get(index)?;
                    out.push(m.comma);
                    out.push_str("其间");
                    esc(out, &point.label);
                    out.push_str(words);
                    out.push(m.open);
                    esc(out, &self.f.value.value(point.value));
                    out.push(m.close);
                }
                if shape.since_turn > 0 {
                    out.push(m.comma);
                    out.push_str("此后连续");
                    esc(out, &shape.since_turn.to_string());
                    esc(out, self.trend_unit(shape.since_turn));
                    out.push_str(if shape.turn == Some("low") { verbs.up } else { verbs.down });
                }
                if let Some(record) = self.trend_record(&shape) {
                    out.push(m.comma);
                    out.push('创');
                    if context::record_scope(points) == "year" {
                        out.push_str("全年");
                    } else {
                        esc(out, &first.label);
                        out.push_str("以来");
                    }
                    out.push_str(if record == "high" { "新高" } else { "新低" });
                }
            }
        }
        Some(())
    }

    /// The drivers to name, how the total's change reads, and whether shares of the change are stated.
    fn selection(&self) -> Option<(Selection<'a>, bool)> {
        let (_, change) = self.compared()?;
        let selection = context::select_drivers(self.c.drivers.as_ref()?, change.reads());
        let shares = context::states_shares(&selection);
        Some((selection, shares))
    }

    /// A driver's `change_text`.
    fn driver_change(&self, driver: &Driver) -> String {
        context::member_change_text(self.c, &self.f, driver.value, driver.base)
    }

    /// A driver's `stated_share`.
    fn stated_share(&self, driver: &Driver, shares: bool) -> Option<String> {
        driver.contribution.filter(|_| shares).map(|c| self.f.percent.percent(c))
    }

    /// A driver's `completion_text`.
    fn driver_completion(&self, driver: &Driver) -> Option<String> {
        context::driver_completion(self.c, &self.f, driver).map(|(_, text)| text)
    }

    /// `drivers.diff_text`
    fn drivers_diff_text(&self) -> Option<String> {
        let (_, change) = self.compared()?;
        context::drivers_diff_text(self.c, &self.f, change)
    }

    /// The zh-CN drivers sentence, as `zh-CN/drivers.hbs` writes it.
    fn drivers_zh(&self, out: &mut String) -> Option<()> {
        let m = self.marks();
        let (base, change) = self.compared()?;
        let (selection, shares) = self.selection()?;
        let direction = self.direction()?;
        self.lead_zh_loss(out);
        if selection.pattern == "target" {
            let relation = self.relation()?;
            if self.completion() {
                self.completion_zh(out, base);
                esc(out, &self.ratio_text()?);
            } else if relation == "equal" {
                out.push_str("与目标");
                out.push(m.open);
                esc(out, &self.base_short(base));
                out.push(m.close);
                out.push_str(self.flat_zh());
            } else {
                out.push_str(relation_zh(relation));
                out.push_str("目标");
                out.push(m.open);
                esc(out, &self.base_short(base));
                out.push(m.close);
                esc(out, &change.diff_text);
            }
            if !selection.named.is_empty() {
                out.push(m.comma);
                out.push_str("其中");
                for (index, driver) in selection.named.iter().enumerate() {
                    if index > 0 {
                        out.push('、');
                    }
                    esc(out, &driver.label);
                    match self.driver_completion(driver) {
                        Some(completion) => {
                            out.push_str("完成");
                            esc(out, &completion);
                        }
                        None => {
                            out.push_str("较目标");
                            esc(out, &self.driver_change(driver));
                        }
                    }
                }
            }
            return Some(());
        }
        if direction == "flat" {
            out.push('与');
            esc(out, &base.label);
            out.push_str(self.flat_zh());
        } else if let Some(abs) = self.abs_text() {
            comparison_lead_zh(out, base);
            let verbs = context::verbs(self.c);
            out.push_str(choose(direction, verbs.up, verbs.down, ""));
            esc(out, &abs);
            if let Some(diff) = self.drivers_diff_text() {
                out.push(m.open);
                esc(out, &diff);
                out.push(m.close);
            }
        } else if let Some(special) = self.special() {
            self.special_zh(out, special, base, change);
        } else {
            out.push('较');
            esc(out, &base.label);
            out.push(m.open);
            esc(out, &self.base_short(base));
            out.push(m.close);
            let verbs = context::verbs(self.c);
            out.push_str(choose(direction, verbs.amount_up, verbs.amount_down, ""));
            esc(out, &change.diff_text);
        }
        let list = |out: &mut String, drivers: &[&Driver], whole: Option<&str>| {
            for (index, driver) in drivers.iter().enumerate() {
                if index > 0 {
                    out.push(if index + 1 == drivers.len() { '和' } else { '、' });
                }
                esc(out, &driver.label);
                out.push(m.open);
                esc(out, &self.driver_change(driver));
                if let Some(share) = whole.and_then(|_| self.stated_share(driver, shares)) {
                    out.push(m.comma);
                    out.push('占');
                    if index == 0 {
                        out.push_str(whole.unwrap_or_default());
                    }
                    esc(out, &share);
                }
                out.push(m.close);
            }
        };
        // Between losses the change is the loss narrowed (减亏) or widened (增亏), not an increase or decrease.
        let special = self.special();
        match selection.pattern {
            "rise" => {
                out.push(m.comma);
                let (lead, whole) = match (special == Some("narrowed"), shares) {
                    (true, true) => ("减亏主要来自", "减亏额的"),
                    (true, false) => ("减亏最多的是", "减亏额的"),
                    (false, true) => ("增量主要来自", "增量的"),
                    (false, false) => ("增幅最大的是", "增量的"),
                };
                out.push_str(lead);
                list(out, &selection.named, Some(whole));
            }
            "fall" => {
                out.push(m.comma);
                let (lead, whole) = match (special == Some("widened"), shares) {
                    (true, true) => ("增亏主要来自", "增亏额的"),
                    (true, false) => ("增亏最多的是", "增亏额的"),
                    (false, true) => ("减量主要来自", "减量的"),
                    (false, false) => ("降幅最大的是", "减量的"),
                };
                out.push_str(lead);
                list(out, &selection.named, Some(whole));
            }
            "mixed" => {
                out.push(m.comma);
                out.push_str("其中");
                if !selection.rises.is_empty() {
                    list(out, &selection.rises, None);
                    out.push_str(context::verbs(self.c).up);
                    out.push_str("最多");
                }
                if !selection.falls.is_empty() {
                    if !selection.rises.is_empty() {
                        out.push(m.comma);
                    }
                    list(out, &selection.falls, None);
                    out.push_str(context::verbs(self.c).down);
                    out.push_str("最多");
                }
            }
            _ => {}
        }
        Some(())
    }

    /// The English drivers sentence, as `en/drivers.hbs` writes it.
    fn drivers_en(&self, out: &mut String) -> Option<()> {
        let (base, change) = self.compared()?;
        let (selection, shares) = self.selection()?;
        let direction = self.direction()?;
        self.lead_en_loss(out);
        if selection.pattern == "target" {
            let relation = self.relation()?;
            let adjective = self.f.value.adjective(base.value);
            if self.completion() {
                out.push(' ');
                esc(out, &self.ratio_text()?);
                out.push_str(" of the ");
            } else if relation == "equal" {
                out.push_str(if self.roughly_flat() { " in line with the " } else { " on the " });
            } else {
                out.push(' ');
                esc(out, &change.diff_text);
                out.push(' ');
                esc(out, relation);
                out.push_str(" the ");
            }
            esc(out, &adjective);
            out.push_str(" target");
            if !selection.named.is_empty() {
                out.push_str(": ");
                for (index, driver) in selection.named.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    esc(out, &driver.label);
                    out.push(' ');
                    esc(out, &self.driver_completion(driver).unwrap_or_else(|| self.driver_change(driver)));
                }
            }
            return Some(());
        }
        let yoy = base.kind == BaseKind::YearAgo;
        if direction == "flat" {
            out.push_str(if self.roughly_flat() { " roughly flat " } else { " unchanged " });
            if yoy {
                out.push_str("year over year");
            } else {
                out.push_str("from ");
                esc(out, &base.label);
            }
        } else if let Some(abs) = self.abs_text() {
            out.push(' ');
            out.push_str(choose(direction, "up", "down", ""));
            out.push(' ');
            esc(out, &abs);
            if let Some(diff) = self.drivers_diff_text() {
                out.push_str(" (");
                esc(out, &diff);
                out.push(')');
            }
            out.push(' ');
            if yoy {
                out.push_str("year over year");
            } else {
                out.push_str("from ");
                esc(out, &base.label);
                out.push_str(" (");
                esc(out, &self.base_short(base));
                out.push(')');
            }
        } else if let Some(special) = self.special() {
            self.special_en(out, special, base, change);
        } else {
            out.push(' ');
            out.push_str(choose(direction, "up", "down", ""));
            out.push_str(" from ");
            esc(out, &self.base_short(base));
            out.push_str(" in ");
            esc(out, &base.label);
        }
        let list = |out: &mut String, drivers: &[&Driver], whole: Option<&str>| {
            for (index, driver) in drivers.iter().enumerate() {
                if index > 0 {
                    out.push_str(if index + 1 == drivers.len() { " and " } else { ", " });
                }
                esc(out, &driver.label);
                out.push_str(" (");
                esc(out, &self.driver_change(driver));
                if let Some(share) = whole.and_then(|_| self.stated_share(driver, shares)) {
                    out.push_str(", ");
                    esc(out, &share);
                    if index == 0 {
                        out.push_str(whole.unwrap_or_default());
                    }
                }
                out.push(')');
            }
        };
        match selection.pattern {
            "rise" | "fall" => {
                out.push_str(if shares { ", driven by " } else { ", led by " });
                let whole = if selection.pattern == "rise" { " of the increase" } else { " of the decrease" };
                list(out, &selection.named, Some(whole));
            }
            "mixed" => {
                out.push_str(", with");
                if !selection.rises.is_empty() {
                    out.push_str(if selection.rises.len() > 1 {
                        " the largest rises in "
                    } else {
                        " the largest rise in "
                    });
                    list(out, &selection.rises, None);
                }
                if !selection.falls.is_empty() {
                    if !selection.rises.is_empty() {
                        out.push_str(" and");
                    }
                    out.push_str(if selection.falls.len() > 1 {
                        " the largest falls in "
                    } else {
                        " the largest fall in "
                    });
                    list(out, &selection.falls, None);
                }
            }
            _ => {}
        }
        Some(())
    }

    /// `{{join period.label subject value.short}},`
    fn lead_zh(&self, out: &mut String) {
        join(out, &[&self.c.period_label, &self.c.subject, &self.value_short()]);
        out.push(self.marks().comma);
    }

    /// `{{#if value.loss}}{{join period.label subject "亏损" value.abs_short}}{{else}}…{{/if}}，`: the lead of a
    /// sentence whose value may be a loss.
    fn lead_zh_loss(&self, out: &mut String) {
        if self.value_loss() {
            let c = self.c;
            join(out, &[&c.period_label, &c.subject, "亏损", &self.abs_short(c.value)]);
            out.push(self.marks().comma);
        } else {
            self.lead_zh(out);
        }
    }

    /// A change without a percentage that reads by what happened (`change.special`): `Q1为零`, or
    /// `较Q1（亏损80万元）减亏60万元` / `增亏…` / `扭亏为盈`.
    fn special_zh(&self, out: &mut String, special: &str, base: &Base, change: &Change) {
        let m = self.marks();
        if special == "from_zero" {
            esc(out, &base.label);
            out.push_str("为零");
            return;
        }
        out.push('较');
        esc(out, &base.label);
        out.push(m.open);
        out.push_str("亏损");
        esc(out, &self.abs_short(base.value));
        out.push(m.close);
        match special {
            "turned_profit" => out.push_str("扭亏为盈"),
            _ => {
                out.push_str(if special == "narrowed" { "减亏" } else { "增亏" });
                esc(out, &change.diff_text);
            }
        }
    }

    /// `目标（{{base.short}}）完成率`: the target named with its figure, as the other target sentences and the
    /// English (`105% of the RMB 114M target`) give it.
    fn completion_zh(&self, out: &mut String, base: &Base) {
        let m = self.marks();
        out.push_str("目标");
        out.push(m.open);
        esc(out, &self.base_short(base));
        out.push(m.close);
        out.push_str("完成率");
    }

    /// The punctuation of Chinese sentences as the book chose it.
    fn marks(&self) -> Marks {
        match self.c.style.punctuation {
            Punctuation::FullWidth => Marks { comma: '，', open: '（', close: '）', colon: '：' },
            Punctuation::Ascii => Marks { comma: ',', open: '(', close: ')', colon: ':' },
        }
    }

    fn zh(&self, kind: &str, out: &mut String) -> Option<()> {
        let c = self.c;
        let m = self.marks();
        match kind {
            "value" | "delta" | "ratio" => self.common(kind, out)?,
            "period" => {
                let (base, change) = self.compared()?;
                let direction = self.direction()?;
                self.lead_zh_loss(out);
                if direction == "flat" {
                    out.push('与');
                    esc(out, &base.label);
                    out.push_str(self.flat_zh());
                } else if let Some(abs) = self.abs_text() {
                    comparison_lead_zh(out, base);
                    let verbs = context::verbs(self.c);
                    let (size, doubled) = context::change_size(c, change);
                    out.push_str(match size {
                        Some("large") => "大幅",
                        Some(_) => "小幅",
                        None => "",
                    });
                    out.push_str(choose(direction, verbs.up, verbs.down, ""));
                    self.measure(out, &abs, (m.open.encode_utf8(&mut [0; 4]), m.close));
                    match doubled {
                        Some("exactly") => {
                            out.push(m.comma);
                            out.push_str("翻了一番");
                        }
                        Some(_) => {
                            out.push(m.comma);
                            out.push_str("翻了一番多");
                        }
                        None => {}
                    }
                } else if let Some(special) = self.special() {
                    self.special_zh(out, special, base, change);
                } else {
                    out.push('较');
                    esc(out, &base.label);
                    out.push(m.open);
                    esc(out, &self.base_short(base));
                    out.push(m.close);
                    let verbs = context::verbs(c);
                    out.push_str(choose(direction, verbs.amount_up, verbs.amount_down, ""));
                    esc(out, &change.diff_text);
                }
            }
            "member" => {
                let (base, change) = self.compared()?;
                let direction = self.direction()?;
                self.lead_zh(out);
                out.push(if direction == "flat" { '与' } else { '比' });
                esc(out, &base.label);
                out.push(m.open);
                esc(out, &self.base_short(base));
                out.push(m.close);
                if direction == "flat" {
                    out.push_str(self.flat_zh());
                } else {
                    out.push_str(if matches!(c.metric.unit, Unit::Days | Unit::Count) {
                        choose(direction, "多", "少", "")
                    } else {
                        choose(direction, "高", "低", "")
                    });
                    match self.abs_text() {
                        Some(abs) => esc(out, &abs),
                        None => esc(out, &change.diff_text),
                    }
                }
            }
            "target" | "standard" => {
                let (base, change) = self.compared()?;
                let relation = self.relation()?;
                let noun = if kind == "target" { "目标" } else { "标准" };
                self.lead_zh(out);
                if kind == "target" && self.completion() {
                    self.completion_zh(out, base);
                    esc(out, &self.ratio_text()?);
                } else if relation == "equal" {
                    out.push('与');
                    out.push_str(noun);
                    out.push(m.open);
                    esc(out, &self.base_short(base));
                    out.push(m.close);
                    out.push_str(self.flat_zh());
                } else if context::reads_faster(c, base.kind, change) {
                    out.push('比');
                    out.push_str(noun);
                    out.push(m.open);
                    esc(out, &self.base_short(base));
                    out.push(m.close);
                    out.push('快');
                    esc(out, &change.diff_text);
                } else {
                    let ceiling = relation == "over" && context::is_ceiling(c, base.kind);
                    out.push_str(if ceiling { "高于" } else { relation_zh(relation) });
                    out.push_str(noun);
                    if ceiling {
                        out.push_str("上限");
                    }
                    out.push(m.open);
                    esc(out, &self.base_short(base));
                    out.push(m.close);
                    esc(out, &change.diff_text);
                }
            }
            "share" => {
                join(out, &[&c.period_label, &c.subject]);
                out.push_str("占比");
                esc(out, &self.value_text());
                if let Some((base, change)) = self.compared() {
                    out.push(m.comma);
                    let direction = self.direction()?;
                    if direction == "flat" {
                        out.push('与');
                        esc(out, &base.label);
                        out.push_str(self.flat_zh());
                    } else {
                        out.push('较');
                        esc(out, &base.label);
                        out.push('的');
                        esc(out, &self.f.value.value(base.value));
                        let verbs = context::verbs(c);
                        out.push_str(choose(direction, verbs.up, verbs.down, ""));
                        esc(out, change.pp_text.as_deref()?);
                    }
                }
            }
            "breakdown" => {
                match c.total {
                    Some(total) => {
                        join(out, &[&c.period_label, &c.subject, &self.f.short(c, total)]);
                        out.push(m.comma);
                        out.push_str("其中");
                    }
                    None => {
                        join(out, &[&c.period_label, &c.subject]);
                        out.push(m.colon);
                    }
                }
                for (index, item) in c.items.iter().enumerate() {
                    if index > 0 {
                        out.push('、');
                    }
                    join(out, &[&item.label, &self.f.value.value(item.value)]);
                    if let Some(share) = item.share {
                        out.push(m.open);
                        out.push('占');
                        esc(out, &self.f.percent.percent(share));
                        out.push(m.close);
                    }
                }
            }
            "trend" => self.trend_zh(out)?,
            "drivers" => self.drivers_zh(out)?,
            _ => return None,
        }
        Some(())
    }
}

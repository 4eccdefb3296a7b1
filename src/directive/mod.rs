//! `<<#kpi …>>` directives: finding them in Markdown ([`scan`]) and parsing their grammar ([`parse`]).
//!
//! ```text
//! <<#kpi [share] METRIC [DIM=MEMBER ...] PERIOD [vs COMPARAND] [by DIM [top N]] [as FORM] [OPTION=VALUE ...]>>
//! ```

pub mod parse;
mod period_zh;
pub mod scan;

use std::ops::Range;

use crate::data::Period;

/// A parsed directive. Byte spans are relative to the directive's own text (starting at `<<`), so callers add
/// the directive's offset in the chapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub share: bool,
    pub metric: Spanned<String>,
    pub filters: Vec<Filter>,
    pub period: Spanned<PeriodSpec>,
    pub comparand: Option<Spanned<Comparand>>,
    pub by: Option<By>,
    pub form: Option<Spanned<Form>>,
    pub options: Vec<Opt>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

/// `DIM=MEMBER`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub dimension: Spanned<String>,
    pub member: Spanned<String>,
}

/// A period as written: absolute (`2023-q4`) or relative to the report year (`q4`, `h1`, `fy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodRef {
    Absolute(Period),
    /// `q1`…`q4`.
    Quarter(u8),
    /// `h1`, `h2`.
    Half(u8),
    /// `fy`: the report year.
    FullYear,
}

impl PeriodRef {
    /// The period, given the report year for relative forms (`None` when the year is needed and unknown).
    pub fn resolve(self, year: Option<i32>) -> Option<Period> {
        match self {
            PeriodRef::Absolute(p) => Some(p),
            PeriodRef::Quarter(q) => Some(Period::Quarter(year?, q)),
            PeriodRef::Half(h) => Some(Period::Half(year?, h)),
            PeriodRef::FullYear => Some(Period::Year(year?)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodSpec {
    Single(PeriodRef),
    /// `q1..q4`: a trend.
    Range(PeriodRef, PeriodRef),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparand {
    Period(PeriodRef),
    /// `prev`, `qoq`, `环比`.
    Prev,
    /// `yoy`, `同比`.
    YearAgo,
    /// `target`, `目标`.
    Target,
    /// `standard`, `标准`.
    Standard,
    /// `DIM=MEMBER`: the same period, another member.
    Member(Filter),
}

/// `by DIM [top N]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct By {
    pub dimension: Spanned<String>,
    pub top: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Value,
    Sentence,
    Delta,
    /// The size of the change, without its sign (`12.9%` where `as delta` writes `+12.9%`): for text whose
    /// words already say the direction (`同比增长12.9%`, `up 12.9%`).
    Size,
    /// The change in words, for prose: 同比增长8% / up 8% year over year.
    Change,
    Ratio,
    Table,
    Chart,
}

impl Form {
    /// Table and chart must stand alone on their line.
    pub fn is_block(self) -> bool {
        matches!(self, Form::Table | Form::Chart)
    }
}

/// `OPTION=VALUE` (`locale=en`, `precision=0`, `type=bar`, `height=240`). The parser checks the name (unknown
/// names get a "did you mean") and the value, and normalises both: the name lower-case, `locale` as `zh-CN`/`en`,
/// `type` as `bar`/`line`, numbers without leading zeros. Whether an option suits the form is the consumer's call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

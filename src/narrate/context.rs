//! The template context of docs/src/templates.md (also what `mdbook-kpi eval --json` prints): raw numbers unrounded,
//! texts formatted once.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::compute::{BaseKind, Computation, Driver, Drivers, Point, SentenceKind};
use super::format::{NumberFormat, round, signed};
use super::labels::granularity_unit;
use crate::config::Locale;
use crate::data::{Better, Unit};

fn raw(value: Decimal) -> Value {
    value.to_f64().map(Value::from).unwrap_or(Value::Null)
}

/// Whether two figure texts read the same, whatever the unrounded numbers they are marked with.
pub(crate) fn same_figure(a: &str, b: &str) -> bool {
    a == b || super::precision::strip(a) == super::precision::strip(b)
}

pub(crate) fn sign_of(value: Decimal) -> i8 {
    if value.is_zero() {
        0
    } else if value.is_sign_negative() {
        -1
    } else {
        1
    }
}

/// Formats numbers of a computation.
pub struct Formatter<'a> {
    pub value: NumberFormat<'a>,
    pub percent: NumberFormat<'a>,
}

impl<'a> Formatter<'a> {
    pub fn new(computation: &'a Computation) -> Self {
        let value = NumberFormat {
            locale: computation.locale,
            unit: computation.value_unit(),
            precision: computation.precision,
            currency: &computation.metric.currency,
            suffix: computation.metric.suffix.as_ref().filter(|_| !computation.share),
            style: computation.style,
            fixed: computation.fixed,
            marked: false,
        };
        let percent = NumberFormat { unit: Unit::Percent, suffix: None, ..value.clone() };
        Formatter { value, percent }
    }

    /// The formatter of a sentence or a table row: its figures marked, so that those of one kind are written to
    /// one precision once the text is done ([`super::precision::harmonize`]).
    pub fn marked(mut self) -> Self {
        self.value.marked = true;
        self.percent.marked = true;
        self
    }

    /// The formatter of sentences ([`Formatter::new`], marked).
    pub fn sentence(computation: &'a Computation) -> Self {
        Self::new(computation).marked()
    }

    /// The formatter of tables and charts: a cell or a bar label says `pp` whatever the sentences spell out.
    pub fn grid(computation: &'a Computation) -> Self {
        let mut formatter = Self::new(computation);
        formatter.value.style.points = crate::config::Points::Pp;
        formatter.percent.style.points = crate::config::Points::Pp;
        formatter
    }

    /// The value text after the metric's label: without a count's suffix when the label already names what is
    /// counted ("new customers were 120", not "120 customers").
    pub fn short(&self, computation: &Computation, value: Decimal) -> String {
        let locale = computation.locale.id();
        let suffix = self.value.suffix.map(|s| s.get(locale, "").trim().to_lowercase()).unwrap_or_default();
        if !suffix.is_empty() && computation.metric.label.to_lowercase().ends_with(&suffix) {
            self.value.bare(value)
        } else {
            self.value.value(value)
        }
    }
}

/// The measures of a change from `base` to `value`, formatted.
pub struct Change {
    pub diff: Decimal,
    pub pct: Option<Decimal>,
    /// In percentage points, for rates and shares.
    pub pp: Option<Decimal>,
    /// The main measure as a signed number and its unsigned text (`None` when a zero or negative base leaves
    /// an amount without a percentage).
    pub main: Option<(Decimal, String)>,
    pub pct_text: Option<String>,
    pub pp_text: Option<String>,
    pub diff_text: String,
    /// -1, 0, 1 as the displayed change reads.
    pub sign: i8,
    /// A change that is not zero as displayed but within the metric's `flat-within` band: it reads as roughly
    /// flat (基本持平), while the signed figure (`as delta`, tables) keeps its sign.
    pub roughly_flat: bool,
}

impl Change {
    /// -1, 0, 1 as the words read it: 0 within the flat band.
    pub fn reads(&self) -> i8 {
        if self.roughly_flat { 0 } else { self.sign }
    }
}

pub fn change(computation: &Computation, formatter: &Formatter<'_>, value: Decimal, base: Decimal) -> Change {
    let unit = computation.value_unit();
    let diff = value.checked_sub(base).unwrap_or(Decimal::ZERO);
    let pct = (base > Decimal::ZERO)
        .then(|| diff.checked_div(base).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)))
        .flatten();
    let pp = match unit {
        Unit::Percent => Some(diff),
        Unit::Ratio => diff.checked_mul(Decimal::ONE_HUNDRED),
        _ => None,
    };
    let precision = computation.precision;
    // Each figure is formatted once: a rate's change in points is its difference and its main measure too.
    let pct_text = pct.map(|p| formatter.percent.percent(p.abs()));
    let pp_text = pp.map(|p| formatter.value.points(p.abs()));
    let diff_text = match &pp_text {
        Some(points) => points.clone(),
        None => formatter.value.value(diff.abs()),
    };
    let main = match unit {
        Unit::Percent | Unit::Ratio => pp.zip(pp_text.clone()),
        Unit::Days => Some((diff, formatter.value.days(diff.abs()))),
        _ => pct.zip(pct_text.clone()),
    };
    // The words follow the sign of the change as displayed: a change that rounds to zero reads as flat.
    let shown = match &main {
        Some((measure, _)) if matches!(unit, Unit::Days) => round(*measure, precision),
        Some((measure, _)) => round(*measure, precision),
        // Without a percentage the amount itself is shown: one that displays as zero (¥0.004 → ¥0) reads as flat.
        None if same_figure(&diff_text, &formatter.value.value(Decimal::ZERO)) => Decimal::ZERO,
        None => diff,
    };
    let sign = sign_of(shown);
    let roughly_flat = sign != 0 && within_flat_band(computation, diff, pct, pp);
    Change { diff, pct, pp, main, pct_text, pp_text, diff_text, sign, roughly_flat }
}

/// Whether a change lies within the metric's `flat-within` band, measured in the unit of the change: percentage
/// points for rates and shares, days for days, the count itself for counts, else percent (no band without a
/// percentage). A trend states where it went, so the band does not apply to it.
fn within_flat_band(computation: &Computation, diff: Decimal, pct: Option<Decimal>, pp: Option<Decimal>) -> bool {
    computation.kind != SentenceKind::Trend && within_band(computation, diff, pct, pp)
}

/// Whether a change lies within the metric's `flat-within` band (none when the band is zero), whatever the
/// sentence: the comparison's band above, and each step of a trend for `trend.steady`.
fn within_band(computation: &Computation, diff: Decimal, pct: Option<Decimal>, pp: Option<Decimal>) -> bool {
    let band = computation.metric.flat_within;
    if band <= Decimal::ZERO {
        return false;
    }
    let measure = match computation.value_unit() {
        Unit::Percent | Unit::Ratio => pp,
        Unit::Days | Unit::Count => Some(diff),
        Unit::Currency | Unit::Number => pct,
    };
    measure.is_some_and(|m| m.abs() <= band)
}

/// The signed change from `base` to `value` as the sentences measure it: `+16.1%`, `+12.4个百分点`, `-3天`; the
/// plain difference where a zero or negative base leaves no percentage.
pub fn change_text(computation: &Computation, formatter: &Formatter<'_>, value: Decimal, base: Decimal) -> String {
    let change = change(computation, formatter, value, base);
    match change.main {
        Some((_, text)) => signed(&text, change.sign),
        None => signed(&change.diff_text, change.sign),
    }
}

pub(crate) fn direction(sign: i8) -> &'static str {
    match sign {
        1 => "up",
        -1 => "down",
        _ => "flat",
    }
}

pub(crate) fn judgement(sign: i8, better: Better) -> &'static str {
    match (sign, better) {
        (0, _) | (_, Better::Neutral) => "neutral",
        (1, Better::Higher) | (-1, Better::Lower) => "better",
        _ => "worse",
    }
}

/// The judgement a sentence words (`change.verdict`): `improved` or `worsened` where the metric says
/// `better = "lower"` — the one case where the verb alone points the wrong way (缩短, fell) — and the change reads
/// up or down; `None` otherwise, and always for metrics where higher is better by default or neutral, whose verb
/// already says it.
pub(crate) fn verdict(computation: &Computation, change: &Change) -> Option<&'static str> {
    if computation.metric.better != Better::Lower {
        return None;
    }
    match change.reads() {
        -1 => Some("improved"),
        1 => Some("worsened"),
        _ => None,
    }
}

/// Against a target or standard: `over`/`within` where lower is better, else `above`/`below`; `equal`.
pub(crate) fn relation(sign: i8, better: Better) -> &'static str {
    match (sign, better) {
        (0, _) => "equal",
        (1, Better::Lower) => "over",
        (-1, Better::Lower) => "within",
        (1, _) => "above",
        _ => "below",
    }
}

/// Whether a value reads as a loss (亏损 / a loss of): a negative amount of money for a metric where more is
/// better — a profit, not a cost — that does not show as zero.
pub(crate) fn is_loss(computation: &Computation, formatter: &Formatter<'_>, value: Decimal) -> bool {
    computation.value_unit() == Unit::Currency
        && computation.metric.better != Better::Lower
        && value < Decimal::ZERO
        && !same_figure(&formatter.short(computation, value.abs()), &formatter.short(computation, Decimal::ZERO))
}

/// How a change without a percentage reads (`change.special`): from a zero base the value is not compared with
/// it (`from_zero`); between losses the loss `narrowed` (减亏) or `widened` (增亏); from a loss to a profit
/// `turned_profit` (扭亏为盈). `None` for a change read as an ordinary rise or fall, and for a loss that came
/// to nothing (a value that shows as zero).
pub(crate) fn special_change(
    computation: &Computation,
    formatter: &Formatter<'_>,
    change: &Change,
    value: Decimal,
    base: Decimal,
) -> Option<&'static str> {
    if change.main.is_some() || change.reads() == 0 {
        return None;
    }
    if base.is_zero() {
        return Some("from_zero");
    }
    if !is_loss(computation, formatter, base) {
        return None;
    }
    if is_loss(computation, formatter, value) {
        Some(if value > base { "narrowed" } else { "widened" })
    } else if value > Decimal::ZERO && is_loss(computation, formatter, -value) {
        Some("turned_profit")
    } else {
        // Broken even (a value that shows as zero): the plain difference says it.
        None
    }
}

/// How large a percentage change is, from the figure as shown (`change.size`, `change.doubled`): `large` from
/// 30% up (大幅, a sharp), `small` under 5% (小幅, a modest); `doubled` is `exactly` at 100% (翻了一番,
/// doubling) and `more` from just over 100% to under 200% (翻了一番多, more than doubling). Only for amounts,
/// counts and numbers measured in percent; `None` for a change that reads as flat.
pub(crate) fn change_size(computation: &Computation, change: &Change) -> (Option<&'static str>, Option<&'static str>) {
    let pct_measured = matches!(computation.value_unit(), Unit::Currency | Unit::Count | Unit::Number);
    let Some((measure, _)) = change.main.as_ref().filter(|_| pct_measured && change.reads() != 0) else {
        return (None, None);
    };
    let shown = round(*measure, computation.precision).abs();
    let size = if shown >= Decimal::from(30) {
        Some("large")
    } else if shown < Decimal::from(5) {
        Some("small")
    } else {
        None
    };
    let doubled = if *measure < Decimal::ZERO {
        None
    } else if shown == Decimal::ONE_HUNDRED {
        Some("exactly")
    } else if shown > Decimal::ONE_HUNDRED && shown < Decimal::from(200) {
        Some("more")
    } else {
        None
    };
    (size, doubled)
}

/// Whether a target is a ceiling (`base.ceiling`): a target where lower is better, so that going over it is
/// 高于目标上限 / above the target ceiling, never 超出目标, which reads as beaten.
pub(crate) fn is_ceiling(computation: &Computation, kind: BaseKind) -> bool {
    kind == BaseKind::Target && computation.metric.better == Better::Lower
}

/// Whether a duration under its target or standard reads as time saved (`change.faster`): days where lower is
/// better, within the mark — 比标准快2天 / 2 days faster than the standard, not 低于标准 (under).
pub(crate) fn reads_faster(computation: &Computation, kind: BaseKind, change: &Change) -> bool {
    matches!(kind, BaseKind::Target | BaseKind::Standard)
        && computation.value_unit() == Unit::Days
        && computation.metric.better == Better::Lower
        && relation(change.reads(), computation.metric.better) == "within"
}

/// Whether a target reads as a completion rate ("目标完成率105%"): amounts and counts against a positive target.
pub(crate) fn reads_as_completion(computation: &Computation, base: Decimal) -> bool {
    matches!(computation.value_unit(), Unit::Currency | Unit::Count | Unit::Number)
        && computation.metric.better != Better::Lower
        && base > Decimal::ZERO
}

/// `change.text` (signed, as the change reads) and `change.abs_text` (unsigned; `None` without a percentage or
/// point measure).
pub fn change_texts(computation: &Computation, change: &Change) -> (String, Option<String>) {
    match &change.main {
        Some((measure, text)) => (signed(text, sign_of(round(*measure, computation.precision))), Some(text.clone())),
        None => (signed(&change.diff_text, sign_of(change.diff)), None),
    }
}

/// The value as a percentage of a positive base (`105%`): the raw ratio and its text. `None` for a zero or
/// negative base, and for a ratio too large to state in percent (beyond decimal range).
pub fn ratio(formatter: &Formatter<'_>, value: Decimal, base: Decimal) -> Option<(Decimal, String)> {
    let ratio = (base > Decimal::ZERO).then(|| value.checked_div(base)).flatten()?;
    let percent = ratio.checked_mul(Decimal::ONE_HUNDRED)?;
    Some((ratio, formatter.percent.percent(percent)))
}

/// The verbs that fit the metric's unit, one choice everywhere: amounts and counts 增长/下降 (grew/fell), rates and
/// shares 上升/下降 (rose/fell), durations 延长/缩短 (lengthened/shortened); `up_to`/`down_to` for "from A to B";
/// `amount_up`/`amount_down` before a plain amount (较Q1增加60万元). A metric's own `verbs` win over all of them.
pub struct Verbs<'a> {
    pub up: &'a str,
    pub down: &'a str,
    pub up_to: &'a str,
    pub down_to: &'a str,
    pub amount_up: &'a str,
    pub amount_down: &'a str,
}

pub fn verbs(computation: &Computation) -> Verbs<'_> {
    let (up, down, up_to, down_to) = match (computation.locale, computation.value_unit()) {
        (Locale::ZhCn, Unit::Percent | Unit::Ratio) => ("上升", "下降", "升至", "降至"),
        (Locale::ZhCn, Unit::Days) => ("延长", "缩短", "延长至", "缩短至"),
        (Locale::ZhCn, _) => ("增长", "下降", "增至", "降至"),
        (Locale::En, Unit::Percent | Unit::Ratio) => ("rose", "fell", "to", "to"),
        (Locale::En, Unit::Days) => ("lengthened", "shortened", "to", "to"),
        (Locale::En, _) => ("grew", "fell", "to", "to"),
    };
    let (amount_up, amount_down) = match computation.locale {
        Locale::ZhCn => ("增加", "减少"),
        Locale::En => ("up", "down"),
    };
    // A share's verbs are a rate's whatever the metric: the metric's own verbs are for its own figures.
    let own = |index: usize, default: &'static str| -> &str {
        match &computation.metric.verbs[index] {
            Some(verb) if !computation.share => verb,
            _ => default,
        }
    };
    let zh = computation.locale == Locale::ZhCn;
    Verbs {
        up: own(0, up),
        down: own(1, down),
        up_to: own(2, up_to),
        down_to: own(3, down_to),
        // English says a plain amount's direction with up/down, which are not verbs.
        amount_up: if zh { own(0, amount_up) } else { amount_up },
        amount_down: if zh { own(1, amount_down) } else { amount_down },
    }
}

fn change_json(computation: &Computation, change: &Change, special: Option<&'static str>) -> Value {
    let (text, abs_text) = change_texts(computation, change);
    json!({
        "special": special,
        "raw": raw(change.diff),
        "text": text,
        "abs_text": abs_text,
        "pct": change.pct.map(raw),
        "pct_text": change.pct_text,
        "pp": change.pp.map(raw),
        "pp_text": change.pp_text,
        "diff_text": change.diff_text,
        "direction": direction(change.reads()),
        "judgement": judgement(change.reads(), computation.metric.better),
        "relation": relation(change.reads(), computation.metric.better),
        "roughly_flat": change.roughly_flat,
        "verdict": verdict(computation, change),
    })
}

/// The members a drivers sentence names, and how it reads:
/// - `rise` / `fall`: the total moved and no member moved the other way; `named` are the `top` members that
///   moved most in its direction;
/// - `mixed`: members moved both ways (or the total reads as flat); `rises` and `falls` are the largest of each,
///   `top` shared between them (the total's direction gets the larger half);
/// - `none`: no member moved;
/// - `target`: against targets, `named` are the `top` members, best first.
pub struct Selection<'a> {
    pub pattern: &'static str,
    pub named: Vec<&'a Driver>,
    pub rises: Vec<&'a Driver>,
    pub falls: Vec<&'a Driver>,
}

/// Chooses the drivers to name, given how the total's change reads (-1, 0, 1; 0 within the flat band).
pub fn select_drivers(drivers: &Drivers, reads: i8) -> Selection<'_> {
    let top = drivers.top;
    let mut selection = Selection { pattern: "none", named: Vec::new(), rises: Vec::new(), falls: Vec::new() };
    if drivers.against_target {
        selection.pattern = "target";
        selection.named = drivers.members.iter().take(top).collect();
        return selection;
    }
    // Members are sorted by change, largest rise first: the largest falls are at the end.
    let rises: Vec<&Driver> = drivers.members.iter().filter(|d| d.diff > Decimal::ZERO).collect();
    let falls: Vec<&Driver> = drivers.members.iter().rev().filter(|d| d.diff < Decimal::ZERO).collect();
    match (reads, rises.is_empty(), falls.is_empty()) {
        (_, true, true) => {}
        (1, false, true) => {
            selection.pattern = "rise";
            selection.named = rises.into_iter().take(top).collect();
        }
        (-1, true, false) => {
            selection.pattern = "fall";
            selection.named = falls.into_iter().take(top).collect();
        }
        _ => {
            selection.pattern = "mixed";
            let leading = top.div_ceil(2);
            let (rise_count, fall_count) = if reads < 0 { (top - leading, leading) } else { (leading, top - leading) };
            selection.rises = rises.into_iter().take(rise_count).collect();
            selection.falls = falls.into_iter().take(fall_count).collect();
            if selection.rises.is_empty() && selection.falls.is_empty() {
                selection.pattern = "none";
            }
        }
    }
    selection
}

/// A member's own change, signed as displayed: `+3232万元`, `-1.2个百分点`, `+3天`.
pub fn member_change_text(
    computation: &Computation,
    formatter: &Formatter<'_>,
    value: Decimal,
    base: Decimal,
) -> String {
    let change = change(computation, formatter, value, base);
    let zero = match change.pp {
        Some(_) => formatter.value.points(Decimal::ZERO),
        None => formatter.value.value(Decimal::ZERO),
    };
    let sign = if same_figure(&change.diff_text, &zero) { 0 } else { sign_of(change.diff) };
    signed(&change.diff_text, sign)
}

/// A member against its own target, as a completion rate (`112.3%`) where the target reads as one.
pub fn driver_completion(
    computation: &Computation,
    formatter: &Formatter<'_>,
    driver: &Driver,
) -> Option<(Decimal, String)> {
    (driver.base > Decimal::ZERO && reads_as_completion(computation, driver.base))
        .then(|| ratio(formatter, driver.value, driver.base))
        .flatten()
}

/// Whether a drivers sentence states shares of the change: members add up and all moved the total's way.
pub fn states_shares(selection: &Selection<'_>) -> bool {
    matches!(selection.pattern, "rise" | "fall") && selection.named.iter().all(|driver| driver.contribution.is_some())
}

/// The total's signed amount next to its percentage change (`增长21.6%(+5066万元)`), where the main measure is
/// a percentage.
pub fn drivers_diff_text(computation: &Computation, formatter: &Formatter<'_>, change: &Change) -> Option<String> {
    match (computation.value_unit(), change.pct) {
        (Unit::Count, Some(_)) if computation.locale == Locale::En => count_comparative(computation, formatter, change),
        (Unit::Currency | Unit::Count | Unit::Number, Some(_)) => Some(signed(&change.diff_text, sign_of(change.diff))),
        _ => None,
    }
}

/// Whether a change is given with its amount before its percentage (`with=amount`: 增长500万元（16.1%） / up
/// RMB 5M (16.1%)): a change in percent, of an amount, count or number (`change.with_amount`).
pub fn with_amount(computation: &Computation, change: &Change) -> bool {
    computation.with_amount
        && change.pct.is_some()
        && matches!(computation.value_unit(), Unit::Currency | Unit::Count | Unit::Number)
}

/// An English count's difference as English says it — `17 fewer customers`, not `-17 customers` or "customers
/// fell by 17" (`change.count_text`); `None` for other units and locales, and for a difference that shows as 0.
pub fn count_comparative(computation: &Computation, formatter: &Formatter<'_>, change: &Change) -> Option<String> {
    if computation.locale != Locale::En || computation.value_unit() != Unit::Count {
        return None;
    }
    let number = formatter.value.bare(change.diff.abs());
    if same_figure(&number, &formatter.value.bare(Decimal::ZERO)) {
        return None;
    }
    let comparative = if change.diff.is_sign_negative() { "fewer" } else { "more" };
    Some(formatter.value.count_comparative(change.diff, comparative))
}

fn driver_json(computation: &Computation, formatter: &Formatter<'_>, driver: &Driver, shares: bool) -> Value {
    let completion = driver_completion(computation, formatter, driver);
    let change_text = member_change_text(computation, formatter, driver.value, driver.base);
    let completion_text = completion.as_ref().map(|(_, text)| text.clone());
    json!({
        "member": driver.member,
        "label": driver.label,
        "raw": raw(driver.value),
        "text": formatter.value.value(driver.value),
        "base": raw(driver.base),
        "base_text": formatter.value.value(driver.base),
        "diff": raw(driver.diff),
        "change_text": change_text,
        "direction": direction(sign_of(driver.diff)),
        "contribution": driver.contribution.map(raw),
        "contribution_text": driver.contribution.map(|c| formatter.percent.percent(c)),
        "stated_share": driver.contribution.filter(|_| shares).map(|c| formatter.percent.percent(c)),
        "completion": completion.as_ref().map(|(r, _)| raw(*r)),
        "completion_text": completion_text.clone(),
        "target_text": completion_text.unwrap_or(change_text),
    })
}

/// The `drivers` object of the context (`null` without `vs … by`).
fn drivers_json(computation: &Computation, formatter: &Formatter<'_>, change: Option<&Change>) -> Value {
    let (Some(drivers), Some(change)) = (&computation.drivers, change) else { return Value::Null };
    let selection = select_drivers(drivers, change.reads());
    let shares = states_shares(&selection);
    let list = |drivers: &[&Driver]| -> Vec<Value> {
        drivers.iter().map(|driver| driver_json(computation, formatter, driver, shares)).collect()
    };
    let diff_text = drivers_diff_text(computation, formatter, change);
    json!({
        "pattern": selection.pattern,
        "dimension": computation.by_dimension,
        "dimension_label": computation.by_label,
        "shares": shares,
        "diff_text": diff_text,
        "top": drivers.top.min(drivers.members.len()),
        "named": list(&selection.named),
        "rises": list(&selection.rises),
        "falls": list(&selection.falls),
        "rises_plural": selection.rises.len() > 1,
        "falls_plural": selection.falls.len() > 1,
        "members": drivers.members.iter().map(|driver| driver_json(computation, formatter, driver, false)).collect::<Vec<_>>(),
    })
}

/// A breakdown item's share of the total's change in percent (`vs … by` on a metric that adds up).
pub fn item_contribution(computation: &Computation, value: Decimal, base: Option<Decimal>) -> Option<Decimal> {
    let total_base = computation.base.as_ref()?;
    let over_time = matches!(total_base.kind, BaseKind::Prev | BaseKind::YearAgo | BaseKind::Period);
    if computation.kind != SentenceKind::Breakdown || !computation.metric.additive || !over_time {
        return None;
    }
    let total_diff = computation.total?.checked_sub(total_base.value)?;
    if total_diff.is_zero() {
        return None;
    }
    value.checked_sub(base?)?.checked_div(total_diff)?.checked_mul(Decimal::ONE_HUNDRED)
}

pub fn build(computation: &Computation) -> Value {
    let formatter = Formatter::sentence(computation);
    let locale = computation.locale;
    let value = computation.value;
    let total_change = computation.base.as_ref().map(|base| change(computation, &formatter, value, base.value));
    let drivers = drivers_json(computation, &formatter, total_change.as_ref());
    let (base, change_value, ratio, completion) = match &computation.base {
        Some(base) => {
            let change = change(computation, &formatter, value, base.value);
            let ratio = ratio(&formatter, value, base.value).map(|(r, text)| json!({"raw": raw(r), "text": text}));
            let completion = base.kind == BaseKind::Target && reads_as_completion(computation, base.value);
            let base_json = json!({
                "kind": base.kind.id(),
                "raw": raw(base.value),
                "text": formatter.value.value(base.value),
                "short": formatter.short(computation, base.value),
                "loss": is_loss(computation, &formatter, base.value),
                "ceiling": is_ceiling(computation, base.kind),
                "abs_short": formatter.short(computation, base.value.abs()),
                "adjective": formatter.value.adjective(base.value),
                "label": base.label,
                "period": base.period.map(|p| p.to_string()),
            });
            let special = special_change(computation, &formatter, &change, value, base.value);
            let mut change_value = change_json(computation, &change, special);
            change_value["count_text"] = json!(count_comparative(computation, &formatter, &change));
            change_value["with_amount"] = json!(with_amount(computation, &change));
            change_value["faster"] = Value::Bool(reads_faster(computation, base.kind, &change));
            let (size, doubled) = change_size(computation, &change);
            change_value["size"] = json!(size);
            change_value["doubled"] = json!(doubled);
            (base_json, change_value, ratio.unwrap_or(Value::Null), completion)
        }
        None => (Value::Null, Value::Null, Value::Null, false),
    };
    let items: Vec<Value> = if computation.kind == SentenceKind::Trend {
        computation
            .points
            .iter()
            .map(|p| json!({"period": p.period.to_string(), "label": p.label, "raw": raw(p.value), "text": formatter.value.value(p.value)}))
            .collect()
    } else {
        computation
            .items
            .iter()
            .map(|item| {
                json!({
                    "member": item.member,
                    "label": item.label,
                    "raw": raw(item.value),
                    "text": formatter.value.value(item.value),
                    "short": formatter.short(computation, item.value),
                    "preposition": computation.by_preposition,
                    "share": item.share.map(raw),
                    "share_text": item.share.map(|s| formatter.percent.percent(s)),
                    "base": item.base.map(raw),
                    "base_text": item.base.map(|b| formatter.value.value(b)),
                    "change_text": item.base.map(|b| change_text(computation, &formatter, item.value, b)),
                    "contribution": item_contribution(computation, item.value, item.base).map(raw),
                    "contribution_text": item_contribution(computation, item.value, item.base)
                        .map(|c| formatter.percent.percent(c)),
                })
            })
            .collect()
    };
    let verb_words = {
        let verbs = verbs(computation);
        json!({
            "up": verbs.up, "down": verbs.down, "up_to": verbs.up_to, "down_to": verbs.down_to,
            "amount_up": verbs.amount_up, "amount_down": verbs.amount_down,
        })
    };
    json!({
        "kind": computation.template(),
        "locale": locale.id(),
        "metric": {
            "id": computation.metric.id,
            "label": computation.metric.label,
            "unit": computation.metric.unit,
            "better": computation.metric.better,
            "plural": computation.metric.plural,
            "flat_within": raw(computation.metric.flat_within),
        },
        "filters": computation.filters.iter().map(|f| json!({
            "dimension": f.dimension, "dimension_label": f.dimension_label, "member": f.member, "label": f.label,
        })).collect::<Vec<_>>(),
        "subject": computation.subject,
        "period": {
            "id": computation.period.to_string(),
            "label": computation.period_label,
            "year_label": computation.year_label,
            "year_implied": computation.year_label.is_some(),
        },
        "value": {
            "raw": raw(value),
            "text": formatter.value.value(value),
            "short": formatter.short(computation, value),
            "loss": is_loss(computation, &formatter, value),
            "abs_short": formatter.short(computation, value.abs()),
        },
        "base": base,
        "change": change_value,
        "ratio": ratio,
        "completion": completion,
        "items": items,
        "total": computation.total.map(|t| json!({"raw": raw(t), "text": formatter.value.value(t), "short": formatter.short(computation, t)})),
        "by": computation.by_label,
        "by_preposition": computation.by_preposition,
        "trend": trend_json(computation, &formatter),
        "verbs": verb_words,
        "drivers": drivers,
        "style": {
            "punctuation": computation.style.punctuation.id(),
            "points": computation.style.points.id(),
            "currency_sign": computation.style.currency_sign.id(),
            "report_year": computation.style.report_year.id(),
        },
    })
}

/// The shape of a trend: its pattern, number of steps, and the first highest and lowest points.
pub struct TrendShape {
    pub pattern: &'static str,
    /// The extreme the sentence names (`trend.turn`): `high` when the highest point is above both ends, else
    /// `low` when the lowest is below both (a dip in a rising series, a rebound in a falling one); `None` when
    /// the ends are the extremes, which the sentence already gives.
    pub turn: Option<&'static str>,
    /// Steps from the named extreme to the end when every one of them moved away from it, two or more
    /// (`trend.since_turn`: 此后连续2个季度增长 / then grew for 2 consecutive quarters); 0 otherwise.
    pub since_turn: usize,
    pub steps: usize,
    pub max: usize,
    pub min: usize,
    /// `high` when the last point is above every other point, `low` when below every other (`trend.record`:
    /// 创全年新高 / ending at a high for the year), only in a series that did not move one way throughout — there
    /// "grew for 3 consecutive quarters" already says the end is the highest.
    pub record: Option<&'static str>,
}

/// `None` without points.
pub fn trend_shape(points: &[Point]) -> Option<TrendShape> {
    if points.is_empty() {
        return None;
    }
    let steps: Vec<std::cmp::Ordering> = points.windows(2).map(|w| w[1].value.cmp(&w[0].value)).collect();
    let pattern = if steps.iter().all(|s| s.is_gt()) {
        "rising"
    } else if steps.iter().all(|s| s.is_lt()) {
        "falling"
    } else if steps.iter().all(|s| s.is_eq()) {
        "flat"
    } else {
        "mixed"
    };
    let max = (0..points.len()).fold(0, |best, i| if points[i].value > points[best].value { i } else { best });
    let min = (0..points.len()).fold(0, |best, i| if points[i].value < points[best].value { i } else { best });
    let (first, last) = (points[0].value, points[points.len() - 1].value);
    let turn = if points[max].value > first.max(last) {
        Some("high")
    } else if points[min].value < first.min(last) {
        Some("low")
    } else {
        None
    };
    let turn_at = match turn {
        Some("high") => Some(max),
        Some(_) => Some(min),
        None => None,
    };
    let since_turn = turn_at
        .map(|at| {
            let away = if turn == Some("high") { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater };
            let after = &steps[at..];
            if after.len() >= 2 && after.iter().all(|s| *s == away) { after.len() } else { 0 }
        })
        .unwrap_or(0);
    let others = &points[..points.len() - 1];
    let record = if pattern != "mixed" {
        None
    } else if others.iter().all(|p| p.value < last) {
        Some("high")
    } else if others.iter().all(|p| p.value > last) {
        Some("low")
    } else {
        None
    };
    Some(TrendShape { pattern, turn, since_turn, steps: steps.len(), max, min, record })
}

/// What a record is measured over (`trend.record_scope`): `year` when the points are one whole calendar year
/// (Q1 to Q4, January to December), so that it is a record for the year (创全年新高); else `range`, a record since
/// the first point (创Q2以来新高 / its highest since Q2).
pub fn record_scope(points: &[Point]) -> &'static str {
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return "range" };
    let per_year = match first.period.granularity() {
        crate::data::Granularity::Half => 2,
        crate::data::Granularity::Quarter => 4,
        crate::data::Granularity::Month => 12,
        crate::data::Granularity::Year => 0,
    };
    let whole_year =
        points.len() == per_year && first.period.start_month() == 1 && first.period.year() == last.period.year();
    if whole_year { "year" } else { "range" }
}

/// The change from the first point to the last a trend states (`trend.overall`: 累计增长44% / up 44%), unsigned,
/// in the metric's measure (percent, percentage points, days). `None` where the sentence says no more than its
/// ends: a steady or flat series, an end that reads as unchanged, and a first point of zero or below (no
/// percentage to give).
pub fn trend_overall(computation: &Computation, shape: &TrendShape, change: &Change) -> Option<String> {
    if shape.pattern == "flat" || change.reads() == 0 || trend_steady(computation, shape) {
        return None;
    }
    change.main.as_ref().map(|(_, text)| text.clone())
}

/// Whether a trend that moved held steady (`trend.steady`): every step within the metric's `flat-within` band,
/// measured as a comparison's is (percentage points, days, the count, else percent).
pub fn trend_steady(computation: &Computation, shape: &TrendShape) -> bool {
    shape.pattern != "flat"
        && computation.points.windows(2).all(|w| {
            let (before, after) = (w[0].value, w[1].value);
            let diff = after.checked_sub(before).unwrap_or(Decimal::MAX);
            let pct = (before > Decimal::ZERO)
                .then(|| diff.checked_div(before).and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED)))
                .flatten();
            let pp = match computation.value_unit() {
                Unit::Percent => Some(diff),
                Unit::Ratio => diff.checked_mul(Decimal::ONE_HUNDRED),
                _ => None,
            };
            within_band(computation, diff, pct, pp)
        })
}

fn trend_json(computation: &Computation, formatter: &Formatter<'_>) -> Value {
    if computation.kind != SentenceKind::Trend {
        return Value::Null;
    }
    let points = &computation.points;
    let Some(shape) = trend_shape(points) else {
        return Value::Null;
    };
    let point = |index: usize| {
        let p = &points[index];
        json!({"label": p.label, "text": formatter.value.value(p.value), "raw": raw(p.value), "period": p.period.to_string()})
    };
    let steady = trend_steady(computation, &shape);
    let overall = computation
        .base
        .as_ref()
        .map(|base| change(computation, formatter, computation.value, base.value))
        .and_then(|change| trend_overall(computation, &shape, &change));
    let (min, mut max) = (point(shape.min), point(shape.max));
    // Two points that read the same are one figure to a template that compares them (`eq min.text max.text`).
    if let (Some(low), Some(high)) = (min["text"].as_str(), max["text"].as_str())
        && same_figure(low, high)
    {
        max["text"] = min["text"].clone();
    }
    json!({
        "pattern": shape.pattern,
        "overall": overall,
        "record": shape.record.filter(|_| !steady),
        "record_scope": record_scope(points),
        "turn": shape.turn,
        "steady": steady,
        "since_turn": shape.since_turn,
        "since_turn_unit": granularity_unit(computation.period.granularity(), shape.since_turn, computation.locale),
        "high_word": extreme_words(computation).0,
        "low_word": extreme_words(computation).1,
        "steps": shape.steps,
        "unit": granularity_unit(computation.period.granularity(), shape.steps, computation.locale),
        "first": point(0),
        "last": point(points.len() - 1),
        "max": max,
        "min": min,
    })
}

/// How a trend names its inner high and low (`trend.high_word`, `trend.low_word`): 最高/最低, but 最长/最短 for a
/// duration in days (交付周期其间Q2最长); `high`/`low` in English, where "a high of 23 days" reads well.
pub fn extreme_words(computation: &Computation) -> (&'static str, &'static str) {
    match (computation.locale, computation.value_unit()) {
        (Locale::ZhCn, Unit::Days) => ("最长", "最短"),
        (Locale::ZhCn, _) => ("最高", "最低"),
        (Locale::En, _) => ("high", "low"),
    }
}

/// The context with its figures' marks taken away, as `mdbook-kpi eval --json` prints it.
pub fn unmarked(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::String(text) => *text = super::precision::strip(text),
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(fields) => fields.values_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

//! Directives over the generated data: values, comparisons with the previous period, a year ago, the target and
//! the standard, breakdowns, shares, member comparisons and ranges — every one answerable from the data.

use crate::model::{DIMENSIONS, METRICS, MetricDef, Shape};
use crate::rng::Rng;

/// Single periods, relative to the report year 2024 or absolute; each has a previous period and a year-ago
/// period inside the data (2022-01 … 2024-12).
const PERIODS: [&str; 16] = [
    "2024", "fy", "2023", "q1", "q2", "q3", "q4", "h1", "h2", "2024-q3", "2023-q4", "2023-h2", "2024-06", "2024-11",
    "2023-03", "2024-q1",
];
const PREV: [&str; 5] = ["vs prev", "vs qoq", "环比", "qoq", "vs 环比"];
const YOY: [&str; 4] = ["yoy", "vs yoy", "同比", "vs 同比"];
const TARGET_YEARS: [&str; 3] = ["2024", "fy", "2023"];
const EXPLICIT: [&str; 6] = ["q4 vs q3", "q4 vs q2", "h2 vs h1", "2024 vs 2023", "2024-q2 vs 2023-q4", "q3 vs q1"];
const RANGES: [&str; 6] =
    ["q1..q4", "h1..h2", "2023-q1..2023-q4", "2024-01..2024-06", "2023-07..2023-12", "2022..2024"];

fn additive(rng: &mut Rng) -> &'static MetricDef {
    loop {
        let metric = rng.pick(&METRICS);
        if metric.shape == Shape::Additive {
            return metric;
        }
    }
}

fn member(rng: &mut Rng) -> (&'static str, &'static str) {
    let dimension = rng.pick(&DIMENSIONS);
    (dimension.id, rng.pick(dimension.members).0)
}

/// The body of an inline directive (no `<<#kpi`, no `>>`): a number or a sentence clause.
pub fn inline(rng: &mut Rng) -> String {
    let metric = rng.pick(&METRICS);
    let id = metric.id;
    let body = match (metric.shape, rng.below(10)) {
        (_, 0) => format!("{id} {}", rng.pick(&PERIODS)),
        (_, 1) => format!("{id} {} {}", rng.pick(&PERIODS), rng.pick(&PREV)),
        (Shape::Formula, 2 | 3) => format!("{id} {}", rng.pick(&EXPLICIT)),
        (_, 2) => format!("{id} {} {}", rng.pick(&PERIODS), rng.pick(&YOY)),
        (_, 3) => format!("{id} {}", rng.pick(&EXPLICIT)),
        (Shape::Formula, _) => format!("{id} {} {}", rng.pick(&["2024", "2023", "fy"]), rng.pick(&YOY)),
        (_, 4) => format!("{id} {} vs {}", rng.pick(&TARGET_YEARS), rng.pick(&["target", "目标"])),
        (_, 5) => format!("{id} {} vs target as ratio", rng.pick(&TARGET_YEARS)),
        (_, 6) => format!("{id} {} {} as delta", rng.pick(&PERIODS), rng.pick(&PREV)),
        (Shape::Averaged, 7) if metric.standard.is_some() => {
            format!("{id} {} vs {}", rng.pick(&PERIODS), rng.pick(&["standard", "标准"]))
        }
        (Shape::Averaged | Shape::Stock, _) => format!("{id} {}", rng.pick(&RANGES)),
        (Shape::Additive, 7) => {
            let (dimension, _) = member(rng);
            let top = if rng.chance(0.5) { " top 2".to_string() } else { String::new() };
            format!("{id} {} by {dimension}{top}", rng.pick(&PERIODS))
        }
        (Shape::Additive, 8) => {
            let (dimension, member) = member(rng);
            match rng.below(3) {
                0 => format!("share {id} {dimension}={member} {}", rng.pick(&EXPLICIT)),
                1 => format!("share {id} {dimension}={member} {}", rng.pick(&PERIODS)),
                _ => {
                    let others = DIMENSIONS.iter().find(|d| d.id == dimension).map(|d| d.members).unwrap_or(&[]);
                    let other = others.iter().map(|m| m.0).find(|m| *m != member).unwrap_or(member);
                    format!("{id} {dimension}={member} {} vs {dimension}={other}", rng.pick(&PERIODS))
                }
            }
        }
        (Shape::Additive, _) => {
            let (dimension, member) = member(rng);
            if rng.chance(0.5) {
                format!("{id} {}", rng.pick(&RANGES))
            } else {
                format!("{id} {dimension}={member} {} {}", rng.pick(&PERIODS), rng.pick(&YOY))
            }
        }
    };
    if rng.chance(0.1) { format!("{body} precision=0") } else { body }
}

/// The body of a block directive (`as table` or `as chart`), which stands alone on its line.
pub fn block(rng: &mut Rng) -> String {
    let form = if rng.chance(0.7) { "table" } else { "chart" };
    let metric = if rng.chance(0.75) { additive(rng) } else { rng.pick(&METRICS) };
    if metric.shape == Shape::Additive && rng.chance(0.6) {
        let dimension = rng.pick(&DIMENSIONS).id;
        format!("{} {} by {dimension} as {form}", metric.id, rng.pick(&PERIODS))
    } else if metric.shape == Shape::Formula {
        format!("{} q1..q4 as {form}", metric.id)
    } else {
        format!("{} {} as {form}", metric.id, rng.pick(&RANGES))
    }
}

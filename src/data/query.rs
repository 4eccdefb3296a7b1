//! Asking the data set for one number, deriving it where the data allows (SPEC 3.3).

use rust_decimal::Decimal;

use super::{DataSet, Kind, Period, Slice};

/// One number to find: a metric's actual, target or standard value for a period and a slice.
#[derive(Clone, Copy, Debug)]
pub struct Query<'a> {
    pub metric: &'a str,
    pub period: Period,
    pub slice: &'a Slice,
    pub kind: Kind,
}

/// Why a number is not to be had. Each variant's message says which metric, period and slice; `hint` says
/// what the data does have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unknown metric `{0}`")]
    UnknownMetric(String),
    #[error("no {what} in the data")]
    NoData { what: String, hint: Option<String> },
    #[error("{what} cannot be rolled up: missing {missing}")]
    PartialRollup { what: String, missing: String },
    #[error("{what}: division by zero in `{formula}`")]
    DivisionByZero { what: String, formula: String },
}

impl QueryError {
    /// The rule id a directive reports this under.
    pub fn rule(&self) -> &'static str {
        match self {
            QueryError::UnknownMetric(_) => "kpi/unknown-metric",
            _ => "kpi/no-data",
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            QueryError::NoData { hint, .. } => hint.clone(),
            QueryError::PartialRollup { .. } => Some("add the missing periods to the data, or give the total itself".into()),
            QueryError::DivisionByZero { .. } => Some("the formula's divisor is zero for this period".into()),
            QueryError::UnknownMetric(_) => None,
        }
    }
}

impl DataSet {
    /// The value of a query: a given fact, else a roll-up of finer periods, else a total over dimension
    /// members, else a formula over other metrics.
    pub fn value(&self, query: Query<'_>) -> Result<Decimal, QueryError> {
        let _ = query;
        todo!("data: query engine")
    }
}

//! Reporting periods: `YYYY`, `YYYY-H1`/`H2`, `YYYY-Q1`…`Q4`, `YYYY-MM`.

use std::fmt;

/// A calendar period. The derived order sorts by year first, then by granularity, then by index; use
/// [`Period::start_month`] to order periods of different granularity in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Half(i32, u8),
    Quarter(i32, u8),
    Month(i32, u8),
}

/// How long a period is; comparisons like `prev` and ranges stay within one granularity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Granularity {
    Year,
    Half,
    Quarter,
    Month,
}

impl Period {
    /// Parses a period id as data files and directives write it, case-insensitively:
    /// `2023`, `2023-h1`, `2023-Q4`, `2023-12` (also `2023-1`). Years run from 1000 to 9999.
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        let (year, rest) = match text.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (text, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        if year < 1000 {
            return None;
        }
        let Some(rest) = rest else {
            return Some(Period::Year(year));
        };
        let index = |digits: &str| -> Option<u8> {
            if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()
        };
        let period = match rest.as_bytes().first()? {
            b'h' | b'H' => Period::Half(year, index(&rest[1..])?),
            b'q' | b'Q' => Period::Quarter(year, index(&rest[1..])?),
            _ => Period::Month(year, index(rest)?),
        };
        period.is_valid().then_some(period)
    }

    fn is_valid(self) -> bool {
        match self {
            Period::Year(_) => true,
            Period::Half(_, i) => (1..=2).contains(&i),
            Period::Quarter(_, i) => (1..=4).contains(&i),
            Period::Month(_, i) => (1..=12).contains(&i),
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Half(y, _) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    pub fn granularity(self) -> Granularity {
        match self {
            Period::Year(_) => Granularity::Year,
            Period::Half(..) => Granularity::Half,
            Period::Quarter(..) => Granularity::Quarter,
            Period::Month(..) => Granularity::Month,
        }
    }

    /// Index within the year (1-based); 1 for a year.
    pub fn index(self) -> u8 {
        match self {
            Period::Year(_) => 1,
            Period::Half(_, i) | Period::Quarter(_, i) | Period::Month(_, i) => i,
        }
    }

    fn per_year(granularity: Granularity) -> i32 {
        match granularity {
            Granularity::Year => 1,
            Granularity::Half => 2,
            Granularity::Quarter => 4,
            Granularity::Month => 12,
        }
    }

    /// A linear number for the period within its granularity (consecutive periods differ by one).
    pub fn ordinal(self) -> i64 {
        let per_year = Self::per_year(self.granularity()) as i64;
        self.year() as i64 * per_year + (self.index() as i64 - 1)
    }

    fn from_ordinal(granularity: Granularity, ordinal: i64) -> Option<Period> {
        let per_year = Self::per_year(granularity) as i64;
        let year = i32::try_from(ordinal.div_euclid(per_year)).ok()?;
        let index = (ordinal.rem_euclid(per_year) + 1) as u8;
        if !(1000..=9999).contains(&year) {
            return None;
        }
        Some(match granularity {
            Granularity::Year => Period::Year(year),
            Granularity::Half => Period::Half(year, index),
            Granularity::Quarter => Period::Quarter(year, index),
            Granularity::Month => Period::Month(year, index),
        })
    }

    /// The preceding period of the same length (`prev`, `qoq`, `环比`).
    pub fn prev(self) -> Option<Period> {
        Self::from_ordinal(self.granularity(), self.ordinal() - 1)
    }

    /// The same period a year earlier (`yoy`, `同比`).
    pub fn year_ago(self) -> Option<Period> {
        let per_year = Self::per_year(self.granularity()) as i64;
        Self::from_ordinal(self.granularity(), self.ordinal() - per_year)
    }

    /// The periods from `self` to `end` inclusive, when both have the same granularity and `end` is not earlier.
    pub fn range_to(self, end: Period) -> Option<Vec<Period>> {
        if self.granularity() != end.granularity() || end.ordinal() < self.ordinal() {
            return None;
        }
        (self.ordinal()..=end.ordinal()).map(|o| Self::from_ordinal(self.granularity(), o)).collect()
    }

    /// The first calendar month (1–12) the period covers.
    pub fn start_month(self) -> u8 {
        match self {
            Period::Year(_) => 1,
            Period::Half(_, i) => (i - 1) * 6 + 1,
            Period::Quarter(_, i) => (i - 1) * 3 + 1,
            Period::Month(_, i) => i,
        }
    }

    /// Ways to split the period into the next finer periods, finest-first preference is the caller's:
    /// a year into 4 quarters or 2 halves (and 12 months), a half into 2 quarters, a quarter into 3 months.
    pub fn splits(self) -> Vec<Vec<Period>> {
        let y = self.year();
        match self {
            Period::Year(_) => vec![
                (1..=4).map(|q| Period::Quarter(y, q)).collect(),
                (1..=2).map(|h| Period::Half(y, h)).collect(),
                (1..=12).map(|m| Period::Month(y, m)).collect(),
            ],
            Period::Half(_, h) => vec![
                vec![Period::Quarter(y, h * 2 - 1), Period::Quarter(y, h * 2)],
                (1..=6).map(|m| Period::Month(y, (h - 1) * 6 + m)).collect(),
            ],
            Period::Quarter(_, q) => vec![(1..=3).map(|m| Period::Month(y, (q - 1) * 3 + m)).collect()],
            Period::Month(..) => vec![],
        }
    }
}

impl fmt::Display for Period {
    /// The canonical id: `2023`, `2023-H1`, `2023-Q4`, `2023-07`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Half(y, i) => write!(f, "{y}-H{i}"),
            Period::Quarter(y, i) => write!(f, "{y}-Q{i}"),
            Period::Month(y, i) => write!(f, "{y}-{i:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(Period::parse("2023"), Some(Period::Year(2023)));
        assert_eq!(Period::parse("2023-h2"), Some(Period::Half(2023, 2)));
        assert_eq!(Period::parse("2023-Q4"), Some(Period::Quarter(2023, 4)));
        assert_eq!(Period::parse("2023-07"), Some(Period::Month(2023, 7)));
        assert_eq!(Period::parse("2023-7"), Some(Period::Month(2023, 7)));
        for bad in ["", "23", "2023-Q5", "2023-13", "2023-00", "2023-H3", "20234", "2023-", "2023-Qx", "q4"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn neighbours() {
        assert_eq!(Period::Quarter(2023, 1).prev(), Some(Period::Quarter(2022, 4)));
        assert_eq!(Period::Month(2023, 3).year_ago(), Some(Period::Month(2022, 3)));
        assert_eq!(Period::Year(2023).prev(), Some(Period::Year(2022)));
        let range = Period::Quarter(2023, 1).range_to(Period::Quarter(2023, 4)).unwrap();
        assert_eq!(range.len(), 4);
        assert_eq!(Period::Quarter(2023, 4).to_string(), "2023-Q4");
        assert_eq!(Period::Month(2023, 7).to_string(), "2023-07");
    }
}

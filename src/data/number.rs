//! Plain decimal numbers as data files write them (`-1234.5`, `.5`, `1.2e7`), parsed exactly into [`Decimal`]
//! without a detour through binary floating point.

use rust_decimal::Decimal;

/// Why a number text is not a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not a plain decimal number (thousands separators, currency signs, `%`, empty, NaN, infinity, …).
    Syntax,
    /// A well-formed number beyond what a decimal can hold (about ±7.9 × 10²⁸).
    OutOfRange,
}

/// The largest mantissa a [`Decimal`] holds (96 bits).
const MAX_MANTISSA: u128 = (1 << 96) - 1;
/// Beyond this many decimals a value is rounded (the decimal type's maximum scale).
const MAX_SCALE: i64 = 28;
/// Digits past this mantissa size cannot matter for a 96-bit value; they are dropped (fraction) or make the
/// number too large (integer part).
const MANTISSA_CAP: u128 = 10u128.pow(36);

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` (also `.5` and `5.`) exactly. Surrounding ASCII spaces are
/// allowed; anything else is [`NumberError::Syntax`].
#[inline]
pub fn parse_decimal(text: &[u8]) -> Result<Decimal, NumberError> {
    let text = text.trim_ascii();
    // The common short form inlined where numbers are read a million times; the rest out of line.
    match parse_short(text) {
        Some(value) => Ok(value),
        None => parse_general(text),
    }
}

#[inline(never)]
fn parse_general(text: &[u8]) -> Result<Decimal, NumberError> {
    let mut pos = 0;
    let negative = match text.first() {
        Some(b'-') => {
            pos += 1;
            true
        }
        Some(b'+') => {
            pos += 1;
            false
        }
        _ => false,
    };
    let mut mantissa: u128 = 0;
    let mut scale: i64 = 0;
    let mut digits = 0usize;
    let mut too_large = false;
    // Integer part.
    while let Some(&b) = text.get(pos).filter(|b| b.is_ascii_digit()) {
        digits += 1;
        if mantissa < MANTISSA_CAP {
            mantissa = mantissa * 10 + u128::from(b - b'0');
        } else {
            // An integer part this long only fits when the digits beyond the cap are all shifted out by a
            // negative exponent; keep its size as a negative scale.
            scale -= 1;
            too_large |= b != b'0';
        }
        pos += 1;
    }
    if text.get(pos) == Some(&b'.') {
        pos += 1;
        while let Some(&b) = text.get(pos).filter(|b| b.is_ascii_digit()) {
            digits += 1;
            if mantissa < MANTISSA_CAP {
                mantissa = mantissa * 10 + u128::from(b - b'0');
                scale += 1;
            }
            pos += 1;
        }
    }
    if digits == 0 {
        return Err(NumberError::Syntax);
    }
    if matches!(text.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        let exponent_negative = match text.get(pos) {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let start = pos;
        let mut exponent: i64 = 0;
        while let Some(&b) = text.get(pos).filter(|b| b.is_ascii_digit()) {
            // Saturate: any exponent beyond a million is out of range either way.
            exponent = (exponent * 10 + i64::from(b - b'0')).min(1_000_000);
            pos += 1;
        }
        if pos == start {
            return Err(NumberError::Syntax);
        }
        scale += if exponent_negative { exponent } else { -exponent };
    }
    if pos != text.len() {
        return Err(NumberError::Syntax);
    }
    if mantissa == 0 {
        return Ok(Decimal::ZERO);
    }
    if too_large && scale <= 0 {
        return Err(NumberError::OutOfRange);
    }
    build(negative, mantissa, scale)
}

/// The common case, fast: `[-]digits[.digits]` with at most 18 digits (the mantissa fits a `u64`, so no
/// 128-bit arithmetic). Anything else is left to the general parser.
#[inline(always)]
fn parse_short(text: &[u8]) -> Option<Decimal> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut scale = 0u32;
    let mut seen_point = false;
    for &byte in digits {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                scale += u32::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    // A lone `.` or a trailing `.` with no digits is for the general parser to judge.
    if digits.len() == usize::from(seen_point) {
        return None;
    }
    // At most 19 digits: the mantissa fits 64 of the 96 bits, the scale is at most 19.
    Some(Decimal::from_parts(mantissa as u32, (mantissa >> 32) as u32, 0, negative && mantissa != 0, scale))
}

/// `±mantissa × 10^-scale` as a decimal: trailing zeros and excess decimals are shed (rounding half to even
/// only where the value has more than 28 decimals), and a value too large is an error.
fn build(negative: bool, mut mantissa: u128, mut scale: i64) -> Result<Decimal, NumberError> {
    while scale < 0 {
        mantissa = mantissa.checked_mul(10).filter(|m| *m <= MAX_MANTISSA).ok_or(NumberError::OutOfRange)?;
        scale += 1;
    }
    while scale > 0 && (scale > MAX_SCALE || mantissa > MAX_MANTISSA) {
        if scale > MAX_SCALE + 40 {
            // Far below the smallest representable step: the value rounds to zero.
            return Ok(Decimal::ZERO);
        }
        mantissa = divide_by_ten_half_even(mantissa);
        scale -= 1;
    }
    if mantissa > MAX_MANTISSA {
        return Err(NumberError::OutOfRange);
    }
    let signed = if negative { -(mantissa as i128) } else { mantissa as i128 };
    // Both bounds were checked above; the fallible constructor keeps a mistake from panicking.
    Decimal::try_from_i128_with_scale(signed, scale as u32).map_err(|_| NumberError::OutOfRange)
}

fn divide_by_ten_half_even(value: u128) -> u128 {
    let (quotient, remainder) = (value / 10, value % 10);
    if remainder > 5 || (remainder == 5 && quotient % 2 == 1) { quotient + 1 } else { quotient }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn plain_numbers_are_exact() {
        assert_eq!(parse_decimal(b"9800000"), Ok(dec("9800000")));
        assert_eq!(parse_decimal(b"-12.25"), Ok(dec("-12.25")));
        assert_eq!(parse_decimal(b".5"), Ok(dec("0.5")));
        assert_eq!(parse_decimal(b"5."), Ok(dec("5")));
        assert_eq!(parse_decimal(b"+0.1"), Ok(dec("0.1")));
        assert_eq!(parse_decimal(b" 42 "), Ok(dec("42")));
        assert_eq!(parse_decimal(b"0.30000000000000004"), Ok(dec("0.30000000000000004")));
    }

    #[test]
    fn short_and_general_paths_agree() {
        for text in
            ["0", "-0", "12.50", "-.5", "5.", "999999999999999999", "1234567890.12345678", "-0.00000000000000001"]
        {
            let short = parse_short(text.as_bytes());
            let general = build_general(text);
            assert_eq!(short.map(|d| (d, d.scale())), Some((general, general.scale())), "{text}");
        }
        for text in ["", "-", ".", "1.2.3", "1e5", "+1", "12345678901234567890"] {
            assert_eq!(parse_short(text.as_bytes()), None, "{text}");
        }
    }

    fn build_general(text: &str) -> Decimal {
        Decimal::from_str(text.trim_end_matches('.').replace("-.", "-0.").as_str()).unwrap()
    }

    #[test]
    fn exponents() {
        assert_eq!(parse_decimal(b"1.2e7"), Ok(dec("12000000")));
        assert_eq!(parse_decimal(b"1E-3"), Ok(dec("0.001")));
        assert_eq!(parse_decimal(b"25e+0"), Ok(dec("25")));
        assert_eq!(parse_decimal(b"100e-30"), Ok(dec("0.0000000000000000000000000001")));
        assert_eq!(parse_decimal(b"0e999999999999"), Ok(Decimal::ZERO));
        assert_eq!(parse_decimal(b"1e-999999999"), Ok(Decimal::ZERO));
    }

    #[test]
    fn not_plain_numbers() {
        for bad in
            ["", "-", ".", "1,000", "¥100", "$5", "5%", "NaN", "inf", "-Infinity", "1e", "1e+", "1..2", "0x10", "1 2"]
        {
            assert_eq!(parse_decimal(bad.as_bytes()), Err(NumberError::Syntax), "{bad}");
        }
    }

    #[test]
    fn out_of_range() {
        assert_eq!(parse_decimal(b"1e29"), Err(NumberError::OutOfRange));
        assert_eq!(parse_decimal(b"99999999999999999999999999999999999999999999"), Err(NumberError::OutOfRange));
        assert_eq!(parse_decimal(b"1e999999999"), Err(NumberError::OutOfRange));
        assert_eq!(parse_decimal(b"79228162514264337593543950335"), Ok(Decimal::MAX));
        assert_eq!(parse_decimal(b"79228162514264337593543950336"), Err(NumberError::OutOfRange));
    }

    #[test]
    fn long_fractions_round_half_even() {
        let parsed = parse_decimal(b"0.12345678901234567890123456785").unwrap();
        assert_eq!(parsed, dec("0.1234567890123456789012345678"));
        let long_integer = format!("1{}e-20", "0".repeat(39));
        assert_eq!(parse_decimal(long_integer.as_bytes()), Ok(dec("10000000000000000000")));
    }
}

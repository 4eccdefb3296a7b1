//! `formula = "revenue / headcount"`: + - * / and parentheses over metric ids.
//!
//! Metric ids may contain `-` (`smart-cs`), so subtraction needs spaces around it: `revenue - cost`.

use std::fmt;

use rust_decimal::Decimal;

use super::number::parse_decimal;

/// A parsed formula.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Number(Decimal),
    Metric(String),
    Neg(Box<Expr>),
    Binary(Box<Expr>, Op, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// How deep parentheses and unary minus may nest, and how many tokens a formula may have: evaluation, display
/// and drop recurse over the tree, so hostile input must not make it arbitrarily deep.
const MAX_DEPTH: usize = 64;
const MAX_TOKENS: usize = 256;

/// A formula that does not parse: the message and the character column (1-based) within the formula text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormulaError {
    pub message: String,
    pub column: usize,
}

/// Why a formula has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError<E> {
    /// An operand's own error (no data for it, …).
    Operand(E),
    DivisionByZero,
    /// The result is beyond the decimal range.
    Overflow,
}

impl Expr {
    /// Parses a formula text.
    pub fn parse(text: &str) -> Result<Expr, FormulaError> {
        let tokens = tokenize(text)?;
        if tokens.len() > MAX_TOKENS {
            return Err(FormulaError {
                message: format!("longer than {MAX_TOKENS} names, numbers and operators"),
                column: 1,
            });
        }
        let mut parser = Parser { tokens: &tokens, pos: 0, end_column: text.chars().count() + 1 };
        let expr = parser.sum(0)?;
        if let Some(token) = parser.tokens.get(parser.pos) {
            return Err(FormulaError {
                message: format!("unexpected {}", token.kind.describe()),
                column: token.column,
            });
        }
        Ok(expr)
    }

    /// The metric ids the formula reads, in order of first appearance.
    pub fn metrics(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_metrics(&mut out);
        out
    }

    fn collect_metrics<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Number(_) => {}
            Expr::Metric(id) => {
                if !out.contains(&id.as_str()) {
                    out.push(id);
                }
            }
            Expr::Neg(inner) => inner.collect_metrics(out),
            Expr::Binary(left, _, right) => {
                left.collect_metrics(out);
                right.collect_metrics(out);
            }
        }
    }

    /// Evaluates the formula with exact, overflow-checked decimal arithmetic; `operand` gives each metric's
    /// value.
    pub fn eval<E>(&self, operand: &mut impl FnMut(&str) -> Result<Decimal, E>) -> Result<Decimal, EvalError<E>> {
        match self {
            Expr::Number(value) => Ok(*value),
            Expr::Metric(id) => operand(id).map_err(EvalError::Operand),
            Expr::Neg(inner) => Ok(-inner.eval(operand)?),
            Expr::Binary(left, op, right) => {
                let left = left.eval(operand)?;
                let right = right.eval(operand)?;
                match op {
                    Op::Add => left.checked_add(right).ok_or(EvalError::Overflow),
                    Op::Sub => left.checked_sub(right).ok_or(EvalError::Overflow),
                    Op::Mul => left.checked_mul(right).ok_or(EvalError::Overflow),
                    Op::Div if right.is_zero() => Err(EvalError::DivisionByZero),
                    Op::Div => left.checked_div(right).ok_or(EvalError::Overflow),
                }
            }
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(_, Op::Add | Op::Sub, _) => 1,
            Expr::Binary(_, Op::Mul | Op::Div, _) => 2,
            Expr::Neg(_) => 3,
            Expr::Number(_) | Expr::Metric(_) => 4,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
        })
    }
}

impl fmt::Display for Expr {
    /// The formula in canonical form, with only the parentheses it needs: `revenue / headcount`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrapped = |f: &mut fmt::Formatter<'_>, expr: &Expr, parens: bool| {
            if parens { write!(f, "({expr})") } else { write!(f, "{expr}") }
        };
        match self {
            Expr::Number(value) => write!(f, "{value}"),
            Expr::Metric(id) => f.write_str(id),
            Expr::Neg(inner) => {
                f.write_str("-")?;
                wrapped(f, inner, inner.precedence() < 3)
            }
            Expr::Binary(left, op, right) => {
                let own = self.precedence();
                wrapped(f, left, left.precedence() < own)?;
                write!(f, " {op} ")?;
                // Left-associative: a right operand of the same precedence needs parentheses (a - (b - c)).
                wrapped(f, right, right.precedence() <= own)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum TokenKind {
    Number(Decimal),
    Ident(String),
    Op(Op),
    Open,
    Close,
}

impl TokenKind {
    fn describe(&self) -> String {
        match self {
            TokenKind::Number(value) => format!("number `{value}`"),
            TokenKind::Ident(id) => format!("name `{id}`"),
            TokenKind::Op(op) => format!("`{op}`"),
            TokenKind::Open => "`(`".into(),
            TokenKind::Close => "`)`".into(),
        }
    }
}

struct Token {
    kind: TokenKind,
    column: usize,
}

fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn tokenize(text: &str) -> Result<Vec<Token>, FormulaError> {
    let mut tokens = Vec::new();
    let all: Vec<char> = text.chars().collect();
    let mut chars = all.iter().copied().enumerate().peekable();
    while let Some((index, c)) = chars.next() {
        let column = index + 1;
        let kind = match c {
            c if c.is_whitespace() => continue,
            '+' => TokenKind::Op(Op::Add),
            '-' => TokenKind::Op(Op::Sub),
            '*' => TokenKind::Op(Op::Mul),
            '/' => TokenKind::Op(Op::Div),
            '(' => TokenKind::Open,
            ')' => TokenKind::Close,
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = String::from(c);
                while let Some(&(next_index, next)) = chars.peek() {
                    // A dot belongs to a number; anything id-like continues the word, but a `-` only when a
                    // letter or digit follows it (`a-(b)` is a subtraction).
                    let after = all.get(next_index + 1).copied();
                    let dash_continues = next != '-' || after.is_some_and(|a| a.is_alphanumeric() || a == '_');
                    if (is_id_char(next) || next == '.') && dash_continues {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                word_token(word, column)?
            }
            other => {
                return Err(FormulaError { message: format!("unexpected character `{other}`"), column });
            }
        };
        tokens.push(Token { kind, column });
    }
    Ok(tokens)
}

fn word_token(word: String, column: usize) -> Result<TokenKind, FormulaError> {
    let starts_numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if starts_numeric && let Ok(value) = parse_decimal(word.as_bytes()) {
        return Ok(TokenKind::Number(value));
    }
    if word.contains('.') {
        return Err(FormulaError { message: format!("`{word}` is neither a number nor a metric id"), column });
    }
    Ok(TokenKind::Ident(word))
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    end_column: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.pos).map(|t| &t.kind)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end_column, |t| t.column)
    }

    fn too_deep(&self, depth: usize) -> Result<(), FormulaError> {
        if depth > MAX_DEPTH {
            return Err(FormulaError {
                message: format!("nested more than {MAX_DEPTH} levels deep"),
                column: self.column(),
            });
        }
        Ok(())
    }

    fn sum(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        self.too_deep(depth)?;
        let mut left = self.product(depth)?;
        while let Some(TokenKind::Op(op @ (Op::Add | Op::Sub))) = self.peek() {
            let op = *op;
            self.pos += 1;
            let right = self.product(depth)?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        let mut left = self.factor(depth)?;
        while let Some(TokenKind::Op(op @ (Op::Mul | Op::Div))) = self.peek() {
            let op = *op;
            self.pos += 1;
            let right = self.factor(depth)?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn factor(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        self.too_deep(depth)?;
        let column = self.column();
        let Some(kind) = self.peek().cloned() else {
            return Err(FormulaError {
                message: "the formula ends where a metric or number is expected".into(),
                column,
            });
        };
        self.pos += 1;
        match kind {
            TokenKind::Number(value) => Ok(Expr::Number(value)),
            TokenKind::Ident(id) => Ok(Expr::Metric(id)),
            TokenKind::Op(Op::Sub) => Ok(Expr::Neg(Box::new(self.factor(depth + 1)?))),
            TokenKind::Open => {
                let inner = self.sum(depth + 1)?;
                if self.peek() != Some(&TokenKind::Close) {
                    return Err(FormulaError { message: "missing `)`".into(), column: self.column() });
                }
                self.pos += 1;
                Ok(inner)
            }
            other => Err(FormulaError { message: format!("unexpected {}", other.describe()), column }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, values: &[(&str, i64)]) -> Result<Decimal, EvalError<String>> {
        let expr = Expr::parse(text).unwrap();
        expr.eval(&mut |id: &str| {
            values.iter().find(|(k, _)| *k == id).map(|(_, v)| Decimal::from(*v)).ok_or_else(|| id.to_string())
        })
    }

    #[test]
    fn parses_and_evaluates_with_precedence() {
        assert_eq!(eval("revenue / headcount", &[("revenue", 120), ("headcount", 80)]), Ok(Decimal::new(15, 1)));
        assert_eq!(eval("a + b * 2", &[("a", 1), ("b", 3)]), Ok(Decimal::from(7)));
        assert_eq!(eval("(a + b) * 2", &[("a", 1), ("b", 3)]), Ok(Decimal::from(8)));
        assert_eq!(eval("a - b - c", &[("a", 10), ("b", 3), ("c", 2)]), Ok(Decimal::from(5)));
        assert_eq!(eval("-a * 1.5", &[("a", 2)]), Ok(Decimal::from(-3)));
        assert_eq!(eval("smart-cs + 营收", &[("smart-cs", 2), ("营收", 3)]), Ok(Decimal::from(5)));
    }

    #[test]
    fn evaluation_errors() {
        assert_eq!(eval("a / (b - b)", &[("a", 1), ("b", 3)]), Err(EvalError::DivisionByZero));
        assert_eq!(eval("a / b", &[("a", 1)]), Err(EvalError::Operand("b".into())));
        let huge = Expr::parse("79228162514264337593543950335 * 2").unwrap();
        assert_eq!(huge.eval(&mut |_: &str| Err::<Decimal, ()>(())), Err(EvalError::Overflow));
    }

    #[test]
    fn display_is_canonical() {
        for (text, shown) in [
            ("revenue/headcount", "revenue / headcount"),
            ("(a+b)*c", "(a + b) * c"),
            ("a-(b - c)", "a - (b - c)"),
            ("b-c", "b-c"),
            ("a - b - c", "a - b - c"),
            ("-(a+b)", "-(a + b)"),
        ] {
            assert_eq!(Expr::parse(text).unwrap().to_string(), shown);
        }
    }

    #[test]
    fn syntax_errors_have_columns() {
        for (text, column) in
            [("revenue /", 10), ("(a + b", 7), ("a $ b", 3), ("a b", 3), ("", 1), ("1.2.3", 1), (")", 1)]
        {
            let error = Expr::parse(text).unwrap_err();
            assert_eq!(error.column, column, "{text}: {error:?}");
        }
        let deep = "(".repeat(100) + "a" + &")".repeat(100);
        assert!(Expr::parse(&deep).unwrap_err().message.contains("nested"));
        assert_eq!(Expr::parse("a + b").unwrap().metrics(), ["a", "b"]);
    }
}

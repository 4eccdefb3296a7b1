//! `formula = "revenue / headcount"`: + - * / and parentheses over metric ids.

use rust_decimal::Decimal;

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

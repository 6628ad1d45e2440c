//! Unary elementwise operations.

use super::op_stream;
use crate::array::Array;
use crate::error::Result;
use crate::primitives::unary::{Unary, UnaryOp};

fn unary_op(func: &str, op: UnaryOp, a: &Array) -> Result<Array> {
    let s = op_stream(func)?;
    Ok(Array::from_op(a.shape().to_vec(), a.dtype(), s, Unary(op), vec![a.clone()]))
}

/// Elementwise absolute value.
pub fn abs(a: &Array) -> Result<Array> {
    unary_op("abs", UnaryOp::Abs, a)
}

/// Elementwise exponential.
pub fn exp(a: &Array) -> Result<Array> {
    unary_op("exp", UnaryOp::Exp, a)
}

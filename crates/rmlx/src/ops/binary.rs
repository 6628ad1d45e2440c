//! Binary elementwise operations.

use super::op_stream;
use crate::array::Array;
use crate::dtype::promote_types;
use crate::error::Result;
use crate::primitives::binary::{Binary, BinaryOp};

/// Promotes and broadcasts two operands, then builds the node.
fn binary_op(func: &str, op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    let a = super::astype(a, dt)?;
    let b = super::astype(b, dt)?;
    // The kernel broadcasts; no Broadcast nodes are needed.
    let shape = crate::shape::broadcast_shapes(a.shape(), b.shape())?;
    let s = op_stream(func)?;
    Ok(Array::from_op(shape, dt, s, Binary(op), vec![a, b]))
}

/// `a + b` with broadcasting and promotion.
pub fn add(a: &Array, b: &Array) -> Result<Array> {
    binary_op("add", BinaryOp::Add, a, b)
}

/// `a * b` with broadcasting and promotion.
pub fn multiply(a: &Array, b: &Array) -> Result<Array> {
    binary_op("multiply", BinaryOp::Multiply, a, b)
}

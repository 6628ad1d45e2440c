//! Rules of the binary elementwise primitives. The op layer promotes both inputs to one
//! dtype; the kernel broadcasts their shapes, so a cotangent is summed back to its input's
//! shape.

use super::batching::align_broadcasting;
use super::shape::sum_to;
use super::{cast_like, k};
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::binary::BinaryOp;
use crate::primitives::VmapResult;

/// `∂out/∂input[arg] · v` (for both the vjp and the jvp: the Jacobian is diagonal).
pub(crate) fn partial_times(
    op: BinaryOp,
    a: &Array,
    b: &Array,
    out: &Array,
    arg: usize,
    v: &Array,
) -> Result<Array> {
    use BinaryOp::*;
    let m = ops::multiply;
    let x = if arg == 0 { a } else { b };
    let r = match (op, arg) {
        (Add, _) | (Subtract, 0) => v.clone(),
        (Subtract, _) => ops::negative(v)?,
        (Multiply, 0) => m(v, b)?,
        (Multiply, _) => m(v, a)?,
        (Divide, 0) => ops::divide(v, b)?,
        // d/db a/b = -a/b² = -out/b
        (Divide, _) => ops::negative(&m(v, &ops::divide(out, b)?)?)?,
        // Ties send the whole gradient to `a` (never to both).
        (Maximum, 0) => masked(v, &ops::greater_equal(a, b)?)?,
        (Maximum, _) => masked(v, &ops::less(a, b)?)?,
        (Minimum, 0) => masked(v, &ops::less_equal(a, b)?)?,
        (Minimum, _) => masked(v, &ops::greater(a, b)?)?,
        // d/da a^b = b · a^(b-1)
        (Power, 0) => m(v, &m(b, &ops::power(a, &ops::subtract(b, &k(1.0, b)?)?)?)?)?,
        // d/db a^b = log(a) · a^b
        (Power, _) => m(v, &m(&ops::log(a)?, out)?)?,
        (LogAddExp, 0) => m(v, &ops::sigmoid(&ops::subtract(a, b)?)?)?,
        (LogAddExp, _) => m(v, &ops::sigmoid(&ops::subtract(b, a)?)?)?,
        // arctan2(a, b) = atan(a / b): d/da = b / (a² + b²), d/db = -a / (a² + b²)
        (ArcTan2, 0) => m(
            v,
            &ops::divide(b, &ops::add(&ops::square(a)?, &ops::square(b)?)?)?,
        )?,
        (ArcTan2, _) => m(
            v,
            &ops::divide(
                &ops::negative(a)?,
                &ops::add(&ops::square(a)?, &ops::square(b)?)?,
            )?,
        )?,
        // a mod b = a - b·floor(a / b)
        (Remainder, 0) => v.clone(),
        (Remainder, _) => ops::negative(&m(v, &ops::floor(&ops::divide(a, b)?)?)?)?,
        // Integer-valued or boolean results: zero derivative.
        (
            FloorDivide | Equal | NotEqual | Greater | GreaterEqual | Less | LessEqual | LogicalAnd
            | LogicalOr | BitwiseAnd | BitwiseOr | BitwiseXor | LeftShift | RightShift,
            _,
        ) => return ops::zeros_like(x),
    };
    cast_like(&r, x)
}

/// `v` where `mask`, 0 elsewhere.
fn masked(v: &Array, mask: &Array) -> Result<Array> {
    ops::where_(mask, v, &ops::zeros_like(v)?)
}

pub(crate) fn vjp(
    op: BinaryOp,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    argnums
        .iter()
        .map(|&i| {
            sum_to(
                &partial_times(op, &p[0], &p[1], &o[0], i, &c[0])?,
                p[i].shape(),
            )
        })
        .collect()
}

pub(crate) fn jvp(
    op: BinaryOp,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    let out = &o[0];
    let mut acc: Option<Array> = None;
    for (&i, t) in argnums.iter().zip(t) {
        let term = cast_like(&partial_times(op, &p[0], &p[1], out, i, t)?, out)?;
        let term = ops::broadcast_to(&term, out.shape())?;
        acc = Some(match acc {
            Some(s) => ops::add(&s, &term)?,
            None => term,
        });
    }
    Ok(vec![match acc {
        Some(s) => s,
        None => ops::zeros_like(out)?,
    }])
}

/// Applies `op` through its op function.
pub(crate) fn apply(op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    use BinaryOp::*;
    let f = match op {
        Add => ops::add,
        Subtract => ops::subtract,
        Multiply => ops::multiply,
        Divide => ops::divide,
        FloorDivide => ops::floor_divide,
        Remainder => ops::remainder,
        Power => ops::power,
        Maximum => ops::maximum,
        Minimum => ops::minimum,
        LogAddExp => ops::logaddexp,
        ArcTan2 => ops::arctan2,
        Equal => ops::equal,
        NotEqual => ops::not_equal,
        Greater => ops::greater,
        GreaterEqual => ops::greater_equal,
        Less => ops::less,
        LessEqual => ops::less_equal,
        LogicalAnd => ops::logical_and,
        LogicalOr => ops::logical_or,
        BitwiseAnd => ops::bitwise_and,
        BitwiseOr => ops::bitwise_or,
        BitwiseXor => ops::bitwise_xor,
        LeftShift => ops::left_shift,
        RightShift => ops::right_shift,
    };
    f(a, b)
}

pub(crate) fn vmap(
    op: BinaryOp,
    inputs: &[Array],
    axes: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let x = align_broadcasting(inputs, axes, o[0].ndim())?;
    Ok((vec![apply(op, &x[0], &x[1])?], vec![Some(0)]))
}

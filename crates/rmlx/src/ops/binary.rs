//! Binary elementwise operations: arithmetic, comparisons, logical and bitwise ops.
//!
//! Each op promotes its operands with [`promote_types`], broadcasts them NumPy-style and
//! builds one node. To combine an array with a Rust number the way MLX combines it with a
//! Python scalar, wrap the number with [`scalar_like`](super::scalar_like) first.

use super::op_stream;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{Error, Result};
use crate::primitives::binary::{Binary, BinaryOp};

/// Casts both operands to `dt`, broadcasts them and builds the node with output `out_dt`.
fn build(
    func: &str,
    op: BinaryOp,
    a: &Array,
    b: &Array,
    dt: Dtype,
    out_dt: Dtype,
) -> Result<Array> {
    let a = super::astype(a, dt)?;
    let b = super::astype(b, dt)?;
    // The kernel broadcasts; no Broadcast nodes are needed.
    let shape = crate::shape::broadcast_shapes(a.shape(), b.shape())?;
    let s = op_stream(func)?;
    Ok(Array::from_op(shape, out_dt, s, Binary(op), vec![a, b]))
}

/// An op computed in the promoted dtype, with a result of that dtype.
fn promoted(func: &str, op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    build(func, op, a, b, dt, dt)
}

/// An op whose integer and bool inputs are lifted to float32 (divide, logaddexp, ...).
fn inexact(func: &str, op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype()).to_inexact();
    build(func, op, a, b, dt, dt)
}

/// A comparison in the promoted dtype, with a bool result.
fn compare(func: &str, op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    build(func, op, a, b, dt, Dtype::Bool)
}

/// `a + b` with broadcasting and promotion (bool: logical or).
pub fn add(a: &Array, b: &Array) -> Result<Array> {
    promoted("add", BinaryOp::Add, a, b)
}

/// `a - b` (integers wrap; bool: exclusive or).
pub fn subtract(a: &Array, b: &Array) -> Result<Array> {
    promoted("subtract", BinaryOp::Subtract, a, b)
}

/// `a * b` (integers wrap; bool: logical and).
pub fn multiply(a: &Array, b: &Array) -> Result<Array> {
    promoted("multiply", BinaryOp::Multiply, a, b)
}

/// True division `a / b`; integer and bool inputs give float32.
pub fn divide(a: &Array, b: &Array) -> Result<Array> {
    inexact("divide", BinaryOp::Divide, a, b)
}

/// Floor division `a // b` in the promoted dtype. Integers round toward negative infinity;
/// an integer division by zero gives 0 (MLX's CPU traps there) and `MIN // -1` wraps to
/// `MIN`. Complex inputs are divided without flooring, as in MLX.
pub fn floor_divide(a: &Array, b: &Array) -> Result<Array> {
    promoted("floor_divide", BinaryOp::FloorDivide, a, b)
}

/// Remainder with the sign of the divisor (Python's `%`). An integer remainder by zero gives
/// `a`, as MLX's CPU does. Complex inputs are a `ValueError`.
pub fn remainder(a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    if dt.is_complex() {
        return Err(Error::InvalidArgument(
            "[remainder] Complex type not supported.".into(),
        ));
    }
    build("remainder", BinaryOp::Remainder, a, b, dt, dt)
}

/// `a ** b` in the promoted dtype. Integer powers wrap; a negative integer exponent gives 0
/// (MLX's rule); float powers of negative bases with fractional exponents are NaN.
pub fn power(a: &Array, b: &Array) -> Result<Array> {
    promoted("power", BinaryOp::Power, a, b)
}

/// Elementwise maximum; a NaN in either operand gives NaN.
pub fn maximum(a: &Array, b: &Array) -> Result<Array> {
    promoted("maximum", BinaryOp::Maximum, a, b)
}

/// Elementwise minimum; a NaN in either operand gives NaN.
pub fn minimum(a: &Array, b: &Array) -> Result<Array> {
    promoted("minimum", BinaryOp::Minimum, a, b)
}

/// `log(exp(a) + exp(b))`, computed stably; integers and bool give float32.
pub fn logaddexp(a: &Array, b: &Array) -> Result<Array> {
    inexact("logaddexp", BinaryOp::LogAddExp, a, b)
}

/// The angle of the point `(b, a)`: `atan2(a, b)`; integers and bool give float32.
pub fn arctan2(a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype()).to_inexact();
    if dt.is_complex() {
        return Err(Error::InvalidArgument(format!(
            "[arctan2] Not supported for {dt}."
        )));
    }
    build("arctan2", BinaryOp::ArcTan2, a, b, dt, dt)
}

/// `a == b` (NaN is unequal to everything).
pub fn equal(a: &Array, b: &Array) -> Result<Array> {
    compare("equal", BinaryOp::Equal, a, b)
}

/// `a != b`.
pub fn not_equal(a: &Array, b: &Array) -> Result<Array> {
    compare("not_equal", BinaryOp::NotEqual, a, b)
}

/// `a > b` (complex numbers compare by real part, then imaginary part).
pub fn greater(a: &Array, b: &Array) -> Result<Array> {
    compare("greater", BinaryOp::Greater, a, b)
}

/// `a >= b`.
pub fn greater_equal(a: &Array, b: &Array) -> Result<Array> {
    compare("greater_equal", BinaryOp::GreaterEqual, a, b)
}

/// `a < b`.
pub fn less(a: &Array, b: &Array) -> Result<Array> {
    compare("less", BinaryOp::Less, a, b)
}

/// `a <= b`.
pub fn less_equal(a: &Array, b: &Array) -> Result<Array> {
    compare("less_equal", BinaryOp::LessEqual, a, b)
}

/// Logical and of the operands' truth values (nonzero is true); bool result.
pub fn logical_and(a: &Array, b: &Array) -> Result<Array> {
    build(
        "logical_and",
        BinaryOp::LogicalAnd,
        a,
        b,
        Dtype::Bool,
        Dtype::Bool,
    )
}

/// Logical or of the operands' truth values; bool result.
pub fn logical_or(a: &Array, b: &Array) -> Result<Array> {
    build(
        "logical_or",
        BinaryOp::LogicalOr,
        a,
        b,
        Dtype::Bool,
        Dtype::Bool,
    )
}

/// Logical exclusive or: `astype(a, bool) != astype(b, bool)`, as MLX builds it.
pub fn logical_xor(a: &Array, b: &Array) -> Result<Array> {
    let a = super::astype(a, Dtype::Bool)?;
    let b = super::astype(b, Dtype::Bool)?;
    not_equal(&a, &b)
}

/// MLX's check for the bitwise ops (a `RuntimeError`), naming the dtypes as MLX does.
fn bitwise(func: &str, op: BinaryOp, a: &Array, b: &Array) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    let ok = |d: Dtype| d == Dtype::Bool || d.is_integer();
    if !ok(a.dtype()) || !ok(b.dtype()) || !ok(dt) {
        // MLX's right_shift checks after promotion, so it names the promoted dtype twice.
        let (x, y) = if op == BinaryOp::RightShift {
            (dt, dt)
        } else {
            (a.dtype(), b.dtype())
        };
        return Err(Error::Runtime(format!(
            "[{func}] Only allowed on integer or boolean types but got types {x} and {y}."
        )));
    }
    // Shifting bools shifts them as uint8.
    let dt = if dt == Dtype::Bool && matches!(op, BinaryOp::LeftShift | BinaryOp::RightShift) {
        Dtype::Uint8
    } else {
        dt
    };
    build(func, op, a, b, dt, dt)
}

/// Bitwise and of integers or bools.
pub fn bitwise_and(a: &Array, b: &Array) -> Result<Array> {
    bitwise("bitwise_and", BinaryOp::BitwiseAnd, a, b)
}

/// Bitwise or of integers or bools.
pub fn bitwise_or(a: &Array, b: &Array) -> Result<Array> {
    bitwise("bitwise_or", BinaryOp::BitwiseOr, a, b)
}

/// Bitwise exclusive or of integers or bools.
pub fn bitwise_xor(a: &Array, b: &Array) -> Result<Array> {
    bitwise("bitwise_xor", BinaryOp::BitwiseXor, a, b)
}

/// `a << b` for integers (bools shift as uint8). As in C, 8- and 16-bit values shift as
/// 32-bit ones and the count is taken modulo the (promoted) width.
pub fn left_shift(a: &Array, b: &Array) -> Result<Array> {
    bitwise("left_shift", BinaryOp::LeftShift, a, b)
}

/// `a >> b` for integers (arithmetic for signed types; bools shift as uint8).
pub fn right_shift(a: &Array, b: &Array) -> Result<Array> {
    bitwise("right_shift", BinaryOp::RightShift, a, b)
}

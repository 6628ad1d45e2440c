//! Rust operators on arrays: `+ - * / % & | ^ << >>`, unary `-` and `!`.
//!
//! Every combination of `Array` / `&Array` with `Array` / `&Array` works, and so does an
//! array with a Rust scalar on either side: any [`ops::WeakScalar`] (every integer and float
//! type, `bool`, `Complex32`) on the right, and `f32`, `f64`, `i32`, `i64`, `bool` on the
//! left. Unsuffixed literals work on the right (`&a * 2.0`, `&a + 1`); on the left Rust
//! cannot choose between the impls before the result is used, so write `2.0f32 * &a` (or
//! bind the result with a type: `let b: Array = 2.0 * &a;`). Scalars are
//! weakly typed like MLX's Python scalars (see [`ops::scalar_like`]): `a + 1` keeps an integer
//! or float array's dtype (int32 for bool arrays) and `a * 0.5` keeps a floating array's
//! dtype, else gives float32.
//!
//! | operator | op |
//! |---|---|
//! | `+ - *` | [`ops::add`], [`ops::subtract`], [`ops::multiply`] |
//! | `/` `%` | [`ops::divide`] (true division), [`ops::remainder`] |
//! | `& \| ^` | [`ops::bitwise_and`], [`ops::bitwise_or`], [`ops::bitwise_xor`] |
//! | `<< >>` | [`ops::left_shift`], [`ops::right_shift`] |
//! | `-a` | negation (a `ValueError` for bool, as MLX's `negative`) |
//! | `!a` | MLX's `~`: logical not for bool, bitwise not for integers |
//!
//! # Panics
//! Operators cannot return a `Result`: where the function form returns an `Err` (shapes
//! that do not broadcast, a float operand of `&`, an integer scalar that overflows the
//! array's dtype, ...), the operator panics with exactly that error's message. Call the
//! `ops` function to handle the error instead.
//!
//! ```
//! use rmlx::{Array, Dtype};
//! let a = Array::from_slice(&[1i32, 2, 3], &[3]).unwrap();
//! let b = &a * 2 + 1;
//! assert_eq!(b.to_vec::<i32>().unwrap(), vec![3, 5, 7]);
//! assert_eq!((&a / 2).dtype(), Dtype::Float32);
//! assert_eq!((1.5f32 - &a).to_vec::<f32>().unwrap(), vec![0.5, -0.5, -1.5]);
//! ```

use super::Array;
use crate::dtype::Scalar;
use crate::error::Result;
use crate::ops;
use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Neg, Not, Rem, Shl, Shr, Sub};

/// Unwraps an operator's result, panicking with the error's own message.
fn expect(r: Result<Array>) -> Array {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// `f(a, scalar)` with the scalar weakly typed next to `a`.
fn with_rhs(a: &Array, s: Scalar, f: fn(&Array, &Array) -> Result<Array>) -> Array {
    expect(ops::scalar_like(s, a).and_then(|b| f(a, &b)))
}

/// `f(scalar, b)` with the scalar weakly typed next to `b`.
fn with_lhs(s: Scalar, b: &Array, f: fn(&Array, &Array) -> Result<Array>) -> Array {
    expect(ops::scalar_like(s, b).and_then(|a| f(&a, b)))
}

macro_rules! array_ops {
    ($Trait:ident, $method:ident, $func:path) => {
        impl $Trait<&Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                expect($func(self, rhs))
            }
        }
        impl $Trait<Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                expect($func(self, &rhs))
            }
        }
        impl $Trait<&Array> for Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                expect($func(&self, rhs))
            }
        }
        impl $Trait<Array> for Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                expect($func(&self, &rhs))
            }
        }
        // Any weak scalar on the right (generic, so unsuffixed literals infer: `&a * 2.0`).
        impl<S: ops::WeakScalar> $Trait<S> for &Array {
            type Output = Array;
            fn $method(self, rhs: S) -> Array {
                with_rhs(self, rhs.to_scalar(), $func)
            }
        }
        impl<S: ops::WeakScalar> $Trait<S> for Array {
            type Output = Array;
            fn $method(self, rhs: S) -> Array {
                with_rhs(&self, rhs.to_scalar(), $func)
            }
        }
        array_ops!(@left $Trait, $method, $func; f32 f64 i32 i64 bool);
    };
    // Scalars on the left: one impl per type (coherence forbids a generic one).
    (@left $Trait:ident, $method:ident, $func:path; $($s:ty)*) => {$(
        impl $Trait<&Array> for $s {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                with_lhs(ops::WeakScalar::to_scalar(self), rhs, $func)
            }
        }
        impl $Trait<Array> for $s {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                with_lhs(ops::WeakScalar::to_scalar(self), &rhs, $func)
            }
        }
    )*};
}

array_ops!(Add, add, ops::add);
array_ops!(Sub, sub, ops::subtract);
array_ops!(Mul, mul, ops::multiply);
array_ops!(Div, div, ops::divide);
array_ops!(Rem, rem, ops::remainder);
array_ops!(BitAnd, bitand, ops::bitwise_and);
array_ops!(BitOr, bitor, ops::bitwise_or);
array_ops!(BitXor, bitxor, ops::bitwise_xor);
array_ops!(Shl, shl, ops::left_shift);
array_ops!(Shr, shr, ops::right_shift);

/// `-a`: MLX's `negative`.
fn negate(a: &Array) -> Result<Array> {
    ops::negative(a)
}

/// `!a`: MLX's `~` (`bitwise_invert`): logical not for bool, all bits flipped for integers.
fn invert(a: &Array) -> Result<Array> {
    ops::bitwise_invert(a)
}

impl Neg for &Array {
    type Output = Array;
    fn neg(self) -> Array {
        expect(negate(self))
    }
}
impl Neg for Array {
    type Output = Array;
    fn neg(self) -> Array {
        expect(negate(&self))
    }
}
impl Not for &Array {
    type Output = Array;
    fn not(self) -> Array {
        expect(invert(self))
    }
}
impl Not for Array {
    type Output = Array;
    fn not(self) -> Array {
        expect(invert(&self))
    }
}

/// Method forms of common binary ops (each returns the `ops` function's `Result`).
impl Array {
    /// [`ops::maximum`].
    pub fn maximum(&self, other: &Array) -> Result<Array> {
        ops::maximum(self, other)
    }
    /// [`ops::minimum`].
    pub fn minimum(&self, other: &Array) -> Result<Array> {
        ops::minimum(self, other)
    }
    /// [`ops::power`].
    pub fn pow(&self, exponent: &Array) -> Result<Array> {
        ops::power(self, exponent)
    }
    /// [`ops::matmul`].
    pub fn matmul(&self, other: &Array) -> Result<Array> {
        ops::matmul(self, other)
    }
}

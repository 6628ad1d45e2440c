//! Weakly typed scalars: Rust numbers used as operands the way MLX uses Python scalars.
//!
//! A Python `int` next to an array takes the array's dtype (int32 next to bool), a Python
//! `float` takes the array's dtype when that is floating and float32 otherwise, and a `bool`
//! takes the array's dtype. [`scalar_like`] applies these rules to a Rust value (`i32`/`i64`
//! and the other integers are weak ints, `f32`/`f64` weak floats) and returns a 0-d array
//! that, combined with the array, yields MLX's result dtype:
//!
//! ```
//! use rmlx::{ops, Array, Dtype};
//! let a = Array::from_slice(&[1i8, 2], &[2]).unwrap();
//! let b = ops::add(&a, &ops::scalar_like(1, &a).unwrap()).unwrap();
//! assert_eq!(b.dtype(), Dtype::Int8);
//! let c = ops::add(&a, &ops::scalar_like(0.5, &a).unwrap()).unwrap();
//! assert_eq!(c.dtype(), Dtype::Float32);
//! ```

use crate::array::Array;
use crate::backend::cpu::dispatch::dispatch_all;
use crate::dtype::{Dtype, Element, Scalar};
use crate::error::{Error, Result};
use num_complex::Complex32;

/// A Rust value usable as a weakly typed scalar operand.
pub trait WeakScalar: Copy {
    /// The value as a dynamic scalar (its kind selects the weak-typing rule).
    fn to_scalar(self) -> Scalar;
}

macro_rules! weak {
    ($($t:ty => $v:ident as $w:ty),*) => {$(
        impl WeakScalar for $t {
            fn to_scalar(self) -> Scalar {
                Scalar::$v(self as $w)
            }
        }
    )*};
}
weak!(i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64,
      u8 => Uint as u64, u16 => Uint as u64, u32 => Uint as u64, u64 => Uint as u64,
      f32 => Float as f64, f64 => Float as f64);

impl WeakScalar for bool {
    fn to_scalar(self) -> Scalar {
        Scalar::Bool(self)
    }
}

impl WeakScalar for Complex32 {
    fn to_scalar(self) -> Scalar {
        Scalar::Complex(self.re, self.im)
    }
}

impl WeakScalar for Scalar {
    fn to_scalar(self) -> Scalar {
        self
    }
}

/// The dtype MLX gives a Python scalar of `value`'s kind next to an array of dtype `like`:
/// a bool takes the array's dtype, an int too (int32 next to bool), a float the array's
/// dtype if that is a real float and float32 otherwise (also next to complex64, which the
/// promotion then restores), a complex number complex64.
pub fn weak_dtype(value: Scalar, like: Dtype) -> Dtype {
    match value {
        Scalar::Bool(_) => like,
        Scalar::Int(_) | Scalar::Uint(_) if like == Dtype::Bool => Dtype::Int32,
        Scalar::Int(_) | Scalar::Uint(_) => like,
        Scalar::Float(_) if like.is_floating() => like,
        Scalar::Float(_) => Dtype::Float32,
        Scalar::Complex(..) => Dtype::Complex64,
    }
}

/// True when the integer `value` fits in the integer dtype `dt`.
fn int_fits(value: Scalar, dt: Dtype) -> bool {
    let (lo, hi): (i128, i128) = match dt {
        Dtype::Uint8 => (0, u8::MAX as i128),
        Dtype::Uint16 => (0, u16::MAX as i128),
        Dtype::Uint32 => (0, u32::MAX as i128),
        Dtype::Uint64 => (0, u64::MAX as i128),
        Dtype::Int8 => (i8::MIN as i128, i8::MAX as i128),
        Dtype::Int16 => (i16::MIN as i128, i16::MAX as i128),
        Dtype::Int32 => (i32::MIN as i128, i32::MAX as i128),
        Dtype::Int64 => (i64::MIN as i128, i64::MAX as i128),
        _ => return true,
    };
    let v = match value {
        Scalar::Int(i) => i as i128,
        Scalar::Uint(u) => u as i128,
        _ => return true,
    };
    (lo..=hi).contains(&v)
}

/// A 0-d array holding `value` with MLX's weak-scalar dtype next to an array like `like`.
///
/// Integers that do not fit an integer array's dtype are a `ValueError`
/// (`Converting 1000 to int8 would result in overflow.`), as in MLX; next to a bool array an
/// integer becomes int32 (wrapping), next to a float array it is rounded to that dtype.
pub fn scalar_like<S: WeakScalar>(value: S, like: &Array) -> Result<Array> {
    let s = value.to_scalar();
    let dt = weak_dtype(s, like.dtype());
    // MLX lets a negative int wrap into uint64 (only the narrower unsigned types refuse it).
    let wraps = dt == Dtype::Uint64 && matches!(s, Scalar::Int(_));
    if like.dtype().is_integer() && !wraps && !int_fits(s, dt) {
        let shown = match s {
            Scalar::Int(i) => i.to_string(),
            Scalar::Uint(u) => u.to_string(),
            other => format!("{other:?}"),
        };
        return Err(Error::InvalidArgument(format!(
            "Converting {shown} to {dt} would result in overflow."
        )));
    }
    Ok(scalar_of(s, dt))
}

/// A 0-d array of `dtype` holding `value` (C-style conversion).
pub(crate) fn scalar_of(value: Scalar, dtype: Dtype) -> Array {
    dispatch_all!(dtype, T => Array::scalar(<T as Element>::from_scalar(value)))
}

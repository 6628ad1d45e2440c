//! Element-level rules of reductions: accumulator types, NaN-aware comparisons, branch-free
//! half-precision widening and a vectorizable `exp`.
//!
//! Everything here is `#[inline(always)]` and branch-free (selects, not jumps) so the loops
//! of `reduce.rs` vectorize.

use crate::dtype::Element;
use half::{bf16, f16};
use num_complex::Complex32;

/// f16 bits to f32 without a table or a call, so it vectorizes (the `half` crate picks an
/// implementation at run time, which blocks vectorization).
#[inline(always)]
pub(crate) fn f16_to_f32(h: f16) -> f32 {
    let h = h.to_bits() as u32;
    let sign = (h & 0x8000) << 16;
    let em = (h & 0x7fff) << 13; // exponent and mantissa moved to f32 positions
    let exp = em & 0x0f80_0000;
    // Normal numbers: rebias the exponent (127 - 15).
    let normal = em + (112 << 23);
    // Inf and NaN: exponent all ones.
    let special = em | 0x7f80_0000;
    // Subnormals: let the FPU normalise, 2^-14 * 0.m = (2^-14 * 1.m) - 2^-14.
    let sub = (f32::from_bits(em + (113 << 23)) - f32::from_bits(113 << 23)).to_bits();
    let bits = if exp == 0x0f80_0000 {
        special
    } else if exp == 0 {
        sub
    } else {
        normal
    };
    f32::from_bits(bits | sign)
}

/// bf16 is the upper half of an f32.
#[inline(always)]
pub(crate) fn bf16_to_f32(h: bf16) -> f32 {
    f32::from_bits((h.to_bits() as u32) << 16)
}

/// Integer arithmetic that wraps, as MLX's (C++) integer sums and products do.
pub(crate) trait Arith: Element {
    const ZERO: Self;
    const ONE: Self;
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// The value as f64 (real part), for means.
    fn real(self) -> f64;
}

macro_rules! arith_int {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)] fn real(self) -> f64 { self as f64 }
        }
    )*};
}
arith_int!(i32, u32, i64, u64);

macro_rules! arith_float {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)] fn add(self, o: Self) -> Self { self + o }
            #[inline(always)] fn mul(self, o: Self) -> Self { self * o }
            #[inline(always)] fn real(self) -> f64 { self as f64 }
        }
    )*};
}
arith_float!(f32, f64);

impl Arith for Complex32 {
    const ZERO: Self = Complex32::new(0.0, 0.0);
    const ONE: Self = Complex32::new(1.0, 0.0);
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    fn real(self) -> f64 {
        self.re as f64
    }
}

/// The accumulator of sums and products and the output types of sum/prod and mean, as in
/// MLX: small integers sum in (u)int32, f16 and bf16 accumulate in f32 and round once at
/// the end, means of integers are float32.
pub(crate) trait Accumulate: Element {
    type Acc: Arith;
    type Out: Element;
    type MeanOut: Element;
    fn acc(self) -> Self::Acc;
    fn out(a: Self::Acc) -> Self::Out;
    fn mean(a: Self::Acc, inv_n: f64) -> Self::MeanOut;
}

macro_rules! accumulate {
    ($($t:ty => $a:ty, $m:ty);*) => {$(
        impl Accumulate for $t {
            type Acc = $a;
            type Out = $a;
            type MeanOut = $m;
            #[inline(always)] fn acc(self) -> $a { self as $a }
            #[inline(always)] fn out(a: $a) -> $a { a }
            #[inline(always)] fn mean(a: $a, inv_n: f64) -> $m { (a as f64 * inv_n) as $m }
        }
    )*};
}
accumulate!(bool => i32, f32; u8 => u32, f32; u16 => u32, f32; u32 => u32, f32;
    u64 => u64, f32; i8 => i32, f32; i16 => i32, f32; i32 => i32, f32; i64 => i64, f32;
    f32 => f32, f32; f64 => f64, f64);

macro_rules! accumulate_half {
    ($($t:ty => $widen:ident);*) => {$(
        impl Accumulate for $t {
            type Acc = f32;
            type Out = $t;
            type MeanOut = $t;
            #[inline(always)] fn acc(self) -> f32 { $widen(self) }
            #[inline(always)] fn out(a: f32) -> $t { <$t>::from_f32(a) }
            #[inline(always)] fn mean(a: f32, inv_n: f64) -> $t { <$t>::from_f64(a as f64 * inv_n) }
        }
    )*};
}
accumulate_half!(f16 => f16_to_f32; bf16 => bf16_to_f32);

impl Accumulate for Complex32 {
    type Acc = Complex32;
    type Out = Complex32;
    type MeanOut = Complex32;
    #[inline(always)]
    fn acc(self) -> Complex32 {
        self
    }
    fn out(a: Complex32) -> Complex32 {
        a
    }
    fn mean(a: Complex32, inv_n: f64) -> Complex32 {
        a * inv_n as f32
    }
}

/// Ordered values for max, min, argmax and argmin. Floats propagate NaN (a NaN beats
/// everything, as in MLX and NumPy); complex numbers compare by real part, then imaginary.
pub(crate) trait Ordered: Copy + Send + Sync + 'static {
    const LOWEST: Self;
    const HIGHEST: Self;
    /// True when `a` should replace `b` as the maximum: `a > b`, or `a` is a NaN.
    fn gt(a: Self, b: Self) -> bool;
    /// True when `a` should replace `b` as the minimum: `a < b`, or `a` is a NaN.
    fn lt(a: Self, b: Self) -> bool;
    #[inline(always)]
    fn max(a: Self, b: Self) -> Self {
        // `b` wins only when it beats `a`, so a NaN already in `a` stays.
        if Self::gt(b, a) {
            b
        } else {
            a
        }
    }
    #[inline(always)]
    fn min(a: Self, b: Self) -> Self {
        if Self::lt(b, a) {
            b
        } else {
            a
        }
    }
}

macro_rules! ordered_int {
    ($($t:ty),*) => {$(
        impl Ordered for $t {
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            #[inline(always)] fn gt(a: Self, b: Self) -> bool { a > b }
            #[inline(always)] fn lt(a: Self, b: Self) -> bool { a < b }
            #[inline(always)] fn max(a: Self, b: Self) -> Self { Ord::max(a, b) }
            #[inline(always)] fn min(a: Self, b: Self) -> Self { Ord::min(a, b) }
        }
    )*};
}
ordered_int!(u8, u16, u32, u64, i8, i16, i32, i64);

impl Ordered for bool {
    const LOWEST: Self = false;
    const HIGHEST: Self = true;
    #[inline(always)]
    fn gt(a: Self, b: Self) -> bool {
        a & !b
    }
    #[inline(always)]
    fn lt(a: Self, b: Self) -> bool {
        !a & b
    }
    #[inline(always)]
    fn max(a: Self, b: Self) -> Self {
        a | b
    }
    #[inline(always)]
    fn min(a: Self, b: Self) -> Self {
        a & b
    }
}

macro_rules! ordered_float {
    ($($t:ty),*) => {$(
        impl Ordered for $t {
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            // Non-short-circuit `|` keeps these as masks (selects), not branches.
            #[inline(always)] fn gt(a: Self, b: Self) -> bool { (a > b) | (a != a) & (b == b) }
            #[inline(always)] fn lt(a: Self, b: Self) -> bool { (a < b) | (a != a) & (b == b) }
        }
    )*};
}
ordered_float!(f32, f64);

impl Ordered for Complex32 {
    const LOWEST: Self = Complex32::new(f32::NEG_INFINITY, f32::NEG_INFINITY);
    const HIGHEST: Self = Complex32::new(f32::INFINITY, f32::INFINITY);
    #[inline(always)]
    fn gt(a: Self, b: Self) -> bool {
        a.re > b.re || (a.re == b.re && a.im > b.im)
    }
    #[inline(always)]
    fn lt(a: Self, b: Self) -> bool {
        a.re < b.re || (a.re == b.re && a.im < b.im)
    }
}

/// Element types with an ordered compute type (halves compare as f32, exactly).
pub(crate) trait Compare: Element {
    type Cmp: Ordered;
    fn cmp(self) -> Self::Cmp;
    fn from_cmp(c: Self::Cmp) -> Self;
}

macro_rules! compare_self {
    ($($t:ty),*) => {$(
        impl Compare for $t {
            type Cmp = $t;
            #[inline(always)] fn cmp(self) -> $t { self }
            #[inline(always)] fn from_cmp(c: $t) -> Self { c }
        }
    )*};
}
compare_self!(bool, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, Complex32);

impl Compare for f16 {
    type Cmp = f32;
    #[inline(always)]
    fn cmp(self) -> f32 {
        f16_to_f32(self)
    }
    fn from_cmp(c: f32) -> Self {
        // Exact: the value came from an f16.
        f16::from_f32(c)
    }
}
impl Compare for bf16 {
    type Cmp = f32;
    #[inline(always)]
    fn cmp(self) -> f32 {
        bf16_to_f32(self)
    }
    fn from_cmp(c: f32) -> Self {
        bf16::from_f32(c)
    }
}

/// The float types that reductions compute in (f32 for f16/bf16/f32, f64 for f64).
pub(crate) trait FloatAcc:
    Ordered + Arith + PartialOrd + std::ops::Sub<Output = Self>
{
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn from_f64(v: f64) -> Self;
    fn is_infinite(self) -> bool;
}

impl FloatAcc for f32 {
    #[inline(always)]
    fn exp(self) -> f32 {
        super::vmath::exp_f32(self)
    }
    fn ln(self) -> f32 {
        f32::ln(self)
    }
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
    fn is_infinite(self) -> bool {
        f32::is_infinite(self)
    }
}

impl FloatAcc for f64 {
    #[inline(always)]
    fn exp(self) -> f64 {
        f64::exp(self)
    }
    fn ln(self) -> f64 {
        f64::ln(self)
    }
    fn from_f64(v: f64) -> f64 {
        v
    }
    fn is_infinite(self) -> bool {
        f64::is_infinite(self)
    }
}

/// Float element types and their compute type.
pub(crate) trait FloatElem: Element {
    type F: FloatAcc;
    fn widen(self) -> Self::F;
    fn narrow(v: Self::F) -> Self;
}

impl FloatElem for f32 {
    type F = f32;
    #[inline(always)]
    fn widen(self) -> f32 {
        self
    }
    #[inline(always)]
    fn narrow(v: f32) -> f32 {
        v
    }
}
impl FloatElem for f64 {
    type F = f64;
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
    #[inline(always)]
    fn narrow(v: f64) -> f64 {
        v
    }
}
impl FloatElem for f16 {
    type F = f32;
    #[inline(always)]
    fn widen(self) -> f32 {
        f16_to_f32(self)
    }
    fn narrow(v: f32) -> f16 {
        f16::from_f32(v)
    }
}
impl FloatElem for bf16 {
    type F = f32;
    #[inline(always)]
    fn widen(self) -> f32 {
        bf16_to_f32(self)
    }
    fn narrow(v: f32) -> bf16 {
        bf16::from_f32(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_widening_is_exact() {
        for bits in 0..=u16::MAX {
            let h = f16::from_bits(bits);
            let (a, b) = (f16_to_f32(h), h.to_f32());
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{bits:#x}"
            );
            let h = bf16::from_bits(bits);
            let (a, b) = (bf16_to_f32(h), h.to_f32());
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{bits:#x}"
            );
        }
    }
}

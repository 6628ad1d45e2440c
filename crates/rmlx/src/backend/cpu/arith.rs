//! Element functions of the binary operations, one impl per element type, with MLX's
//! semantics where C++ leaves them open.
//!
//! Each op family is its own trait so that a kernel is instantiated only for the types the
//! op accepts. Integer arithmetic wraps and never panics: division and remainder by zero
//! give 0 and `x` (MLX traps or returns `x` there), `MIN / -1` wraps to `MIN`, and shifts
//! follow C's promotion (8- and 16-bit operands shift as 32-bit, the count is masked).
//! float16 and bfloat16 compute in f32 and round once. Functions are `#[inline(always)]`
//! and branch-light so the `multiversion!` loops vectorize them.

use half::{bf16, f16};
use num_complex::Complex32;

use super::complex_math;

/// Arithmetic, ordering and extrema, defined for every dtype.
pub(crate) trait Arith: Copy {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// `x ** y`; integers with a negative exponent give 0, as MLX.
    fn pow(self, o: Self) -> Self;
    /// Floor division (`floor(x / y)` for floats; plain division for complex, as MLX).
    fn floor_div(self, o: Self) -> Self;
    /// Maximum that propagates a NaN in either operand.
    fn max(self, o: Self) -> Self;
    /// Minimum that propagates a NaN in either operand.
    fn min(self, o: Self) -> Self;
    /// `x < y` (complex numbers compare lexicographically, as MLX).
    fn lt(self, o: Self) -> bool;
    /// `x <= y`.
    fn le(self, o: Self) -> bool;
    /// `x == y`.
    fn eq(self, o: Self) -> bool;
    /// `x != y`.
    fn ne(self, o: Self) -> bool;
}

/// Python-style remainder (the sign of the divisor), for every real dtype.
pub(crate) trait Rem: Copy {
    fn rem(self, o: Self) -> Self;
}

/// Bitwise and, or, xor: integers and bool.
pub(crate) trait Logic: Copy {
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
}

/// Shifts: integers only (bool is promoted to uint8 before).
pub(crate) trait Shift: Copy {
    fn shl(self, o: Self) -> Self;
    fn shr(self, o: Self) -> Self;
}

/// True division and log-add-exp: floats and complex.
pub(crate) trait Inexact: Copy {
    fn div(self, o: Self) -> Self;
    fn logaddexp(self, o: Self) -> Self;
}

/// `atan2`: real floats.
pub(crate) trait Atan2: Copy {
    fn atan2(self, o: Self) -> Self;
}

/// `lt`/`le`/`eq`/`ne` through the type's own operators (integers and native floats).
macro_rules! native_compare {
    () => {
        #[inline(always)]
        fn lt(self, o: Self) -> bool {
            self < o
        }
        #[inline(always)]
        fn le(self, o: Self) -> bool {
            self <= o
        }
        #[inline(always)]
        fn eq(self, o: Self) -> bool {
            self == o
        }
        #[inline(always)]
        fn ne(self, o: Self) -> bool {
            self != o
        }
    };
}

macro_rules! int_common {
    ($t:ty) => {
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            self.wrapping_add(o)
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            self.wrapping_sub(o)
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            self.wrapping_mul(o)
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            if self > o {
                self
            } else {
                o
            }
        }
        #[inline(always)]
        fn min(self, o: Self) -> Self {
            if self < o {
                self
            } else {
                o
            }
        }
        native_compare!();
    };
}

/// Exponentiation by squaring with wrapping products; a negative exponent gives 0 (MLX).
macro_rules! int_pow {
    ($t:ty) => {
        #[inline(always)]
        fn pow(self, o: Self) -> Self {
            #[allow(unused_comparisons)]
            if o < 0 {
                return 0;
            }
            let (mut base, mut e, mut acc): ($t, $t, $t) = (self, o, 1);
            while e > 0 {
                if e & 1 == 1 {
                    acc = acc.wrapping_mul(base);
                }
                base = base.wrapping_mul(base);
                e >>= 1;
            }
            acc
        }
    };
}

macro_rules! int_bits {
    ($t:ty, $wide:ty) => {
        impl Logic for $t {
            #[inline(always)]
            fn and(self, o: Self) -> Self {
                self & o
            }
            #[inline(always)]
            fn or(self, o: Self) -> Self {
                self | o
            }
            #[inline(always)]
            fn xor(self, o: Self) -> Self {
                self ^ o
            }
        }
        impl Shift for $t {
            // C promotes narrow operands to 32 bits and x86 masks the count to the operand
            // width; MLX's results follow from that, so do these.
            #[inline(always)]
            fn shl(self, o: Self) -> Self {
                (self as $wide).wrapping_shl(o as u32) as $t
            }
            #[inline(always)]
            fn shr(self, o: Self) -> Self {
                (self as $wide).wrapping_shr(o as u32) as $t
            }
        }
    };
}

macro_rules! signed_int {
    ($t:ty, $wide:ty) => {
        impl Arith for $t {
            int_common!($t);
            int_pow!($t);
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                let safe = if o == 0 { 1 } else { o };
                let q = self.wrapping_div(safe);
                let r = self.wrapping_rem(safe);
                let q = if r != 0 && ((r < 0) != (o < 0)) {
                    q.wrapping_sub(1)
                } else {
                    q
                };
                if o == 0 {
                    0
                } else {
                    q
                }
            }
        }
        impl Rem for $t {
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                let safe = if o == 0 { 1 } else { o };
                let r = self.wrapping_rem(safe);
                let r = if r != 0 && ((r < 0) != (o < 0)) {
                    r.wrapping_add(o)
                } else {
                    r
                };
                if o == 0 {
                    self
                } else {
                    r
                }
            }
        }
        int_bits!($t, $wide);
    };
}

macro_rules! unsigned_int {
    ($t:ty, $wide:ty) => {
        impl Arith for $t {
            int_common!($t);
            int_pow!($t);
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                let safe = if o == 0 { 1 } else { o };
                if o == 0 {
                    0
                } else {
                    self / safe
                }
            }
        }
        impl Rem for $t {
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                let safe = if o == 0 { 1 } else { o };
                if o == 0 {
                    self
                } else {
                    self % safe
                }
            }
        }
        int_bits!($t, $wide);
    };
}

signed_int!(i8, i32);
signed_int!(i16, i32);
signed_int!(i32, i32);
signed_int!(i64, i64);
unsigned_int!(u8, u32);
unsigned_int!(u16, u32);
unsigned_int!(u32, u32);
unsigned_int!(u64, u64);

// bool behaves as C++ arithmetic on 0/1 converted back to bool.
impl Arith for bool {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self ^ o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn pow(self, o: Self) -> Self {
        self | !o
    }
    #[inline(always)]
    fn floor_div(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn lt(self, o: Self) -> bool {
        !self & o
    }
    #[inline(always)]
    fn le(self, o: Self) -> bool {
        !self | o
    }
    #[inline(always)]
    fn eq(self, o: Self) -> bool {
        self == o
    }
    #[inline(always)]
    fn ne(self, o: Self) -> bool {
        self != o
    }
}

impl Rem for bool {
    #[inline(always)]
    fn rem(self, o: Self) -> Self {
        self & !o
    }
}

impl Logic for bool {
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        self ^ o
    }
}

macro_rules! float_impl {
    ($t:ty) => {
        impl Arith for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                (self / o).floor()
            }
            #[inline(always)]
            fn max(self, o: Self) -> Self {
                if self.is_nan() || self > o {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn min(self, o: Self) -> Self {
                if self.is_nan() || self < o {
                    self
                } else {
                    o
                }
            }
            native_compare!();
        }
        impl Rem for $t {
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                let r = self % o;
                if r != 0.0 && ((r < 0.0) != (o < 0.0)) {
                    r + o
                } else {
                    r
                }
            }
        }
        impl Inexact for $t {
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                self / o
            }
            #[inline(always)]
            fn logaddexp(self, o: Self) -> Self {
                let hi = Arith::max(self, o);
                let lo = Arith::min(self, o);
                if lo == <$t>::NEG_INFINITY || hi == <$t>::INFINITY {
                    hi
                } else {
                    hi + (lo - hi).exp().ln_1p()
                }
            }
        }
        impl Atan2 for $t {
            #[inline(always)]
            fn atan2(self, o: Self) -> Self {
                <$t>::atan2(self, o)
            }
        }
    };
}
float_impl!(f32);
float_impl!(f64);

macro_rules! half_impl {
    ($t:ty) => {
        impl Arith for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                <$t>::from_f32(self.to_f32() + o.to_f32())
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                <$t>::from_f32(self.to_f32() - o.to_f32())
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                <$t>::from_f32(self.to_f32() * o.to_f32())
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                <$t>::from_f32(self.to_f32().powf(o.to_f32()))
            }
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                <$t>::from_f32(Arith::floor_div(self.to_f32(), o.to_f32()))
            }
            #[inline(always)]
            fn max(self, o: Self) -> Self {
                let (x, y) = (self.to_f32(), o.to_f32());
                if x.is_nan() || x > y {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn min(self, o: Self) -> Self {
                let (x, y) = (self.to_f32(), o.to_f32());
                if x.is_nan() || x < y {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn lt(self, o: Self) -> bool {
                self.to_f32() < o.to_f32()
            }
            #[inline(always)]
            fn le(self, o: Self) -> bool {
                self.to_f32() <= o.to_f32()
            }
            #[inline(always)]
            fn eq(self, o: Self) -> bool {
                self.to_f32() == o.to_f32()
            }
            #[inline(always)]
            fn ne(self, o: Self) -> bool {
                self.to_f32() != o.to_f32()
            }
        }
        impl Rem for $t {
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                <$t>::from_f32(Rem::rem(self.to_f32(), o.to_f32()))
            }
        }
        impl Inexact for $t {
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                <$t>::from_f32(self.to_f32() / o.to_f32())
            }
            #[inline(always)]
            fn logaddexp(self, o: Self) -> Self {
                <$t>::from_f32(Inexact::logaddexp(self.to_f32(), o.to_f32()))
            }
        }
        impl Atan2 for $t {
            #[inline(always)]
            fn atan2(self, o: Self) -> Self {
                <$t>::from_f32(self.to_f32().atan2(o.to_f32()))
            }
        }
    };
}
half_impl!(f16);
half_impl!(bf16);

/// MLX orders complex numbers by real part, then imaginary part.
#[inline(always)]
fn c_lt(x: Complex32, y: Complex32) -> bool {
    x.re < y.re || (x.re == y.re && x.im < y.im)
}

#[inline(always)]
fn c_isnan(x: Complex32) -> bool {
    x.re.is_nan() || x.im.is_nan()
}

impl Arith for Complex32 {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self - o
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        complex_math::mul(self, o)
    }
    #[inline(always)]
    fn pow(self, o: Self) -> Self {
        // C's cpow: exp(o * log(self)) with Annex G's product and exponential, which also
        // gives its results at zero (0 for a positive real exponent, inf + iNaN for a
        // negative one, NaN otherwise).
        complex_math::exp(complex_math::mul(o, complex_math::ln(self)))
    }
    #[inline(always)]
    fn floor_div(self, o: Self) -> Self {
        Inexact::div(self, o)
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        if c_isnan(self) || c_lt(o, self) {
            self
        } else {
            o
        }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        if c_isnan(self) || c_lt(self, o) {
            self
        } else {
            o
        }
    }
    #[inline(always)]
    fn lt(self, o: Self) -> bool {
        c_lt(self, o)
    }
    #[inline(always)]
    fn le(self, o: Self) -> bool {
        c_lt(self, o) || self == o
    }
    #[inline(always)]
    fn eq(self, o: Self) -> bool {
        self == o
    }
    #[inline(always)]
    fn ne(self, o: Self) -> bool {
        self != o
    }
}

impl Inexact for Complex32 {
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        complex_math::div(self, o)
    }
    #[inline(always)]
    fn logaddexp(self, o: Self) -> Self {
        // MLX: the larger and smaller operand (lexicographic, a NaN first operand winning
        // both); the larger when the smaller equals -inf + 0i or the larger +inf + 0i;
        // otherwise max + log1p(exp(min - max)) in complex arithmetic.
        let hi = Arith::max(self, o);
        let lo = Arith::min(self, o);
        if (lo.re == f32::NEG_INFINITY && lo.im == 0.0) || (hi.re == f32::INFINITY && hi.im == 0.0)
        {
            hi
        } else {
            hi + complex_math::log1p(complex_math::exp(lo - hi))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_edge_cases_do_not_panic() {
        assert_eq!(Arith::floor_div(i32::MIN, -1), i32::MIN);
        assert_eq!(Rem::rem(i32::MIN, -1), 0);
        assert_eq!(Arith::floor_div(7i32, 0), 0);
        assert_eq!(Rem::rem(7i32, 0), 7);
        assert_eq!(Arith::floor_div(-7i32, 2), -4);
        assert_eq!(Rem::rem(-7i32, 2), 1);
        assert_eq!(Rem::rem(7i32, -2), -1);
        assert_eq!(Arith::floor_div(7u8, 0), 0);
        assert_eq!(Arith::pow(2i32, 31), i32::MIN);
        assert_eq!(Arith::pow(1i32, -2), 0);
        assert_eq!(Shift::shl(3i32, -1), i32::MIN);
        assert_eq!(Shift::shl(1i8, 10), 0);
        assert_eq!(Shift::shr(5i64, 34), 0);
        assert_eq!(Shift::shr(3i64, 64), 3);
    }

    #[test]
    fn float_remainder_and_extrema() {
        assert_eq!(Rem::rem(5.5f32, -2.0), -0.5);
        assert_eq!(Rem::rem(-3.0f32, f32::INFINITY), f32::INFINITY);
        assert!(Arith::max(1.0f32, f32::NAN).is_nan());
        assert!(Arith::min(f32::NAN, 1.0f32).is_nan());
        assert_eq!(
            Inexact::logaddexp(f32::NEG_INFINITY, f32::NEG_INFINITY),
            f32::NEG_INFINITY
        );
    }
}

//! The 14 dtypes, MLX's promotion table and the Rust element types behind them.

use half::{bf16, f16};
use num_complex::Complex32;
use std::fmt;

/// An array element type. The order of variants follows MLX's `Dtype::Val`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Dtype {
    /// 1-byte boolean.
    Bool,
    /// Unsigned 8-bit integer.
    Uint8,
    /// Unsigned 16-bit integer.
    Uint16,
    /// Unsigned 32-bit integer.
    Uint32,
    /// Unsigned 64-bit integer.
    Uint64,
    /// Signed 8-bit integer.
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// IEEE half precision.
    Float16,
    /// IEEE single precision.
    Float32,
    /// IEEE double precision (CPU only).
    Float64,
    /// Brain floating point.
    Bfloat16,
    /// Complex of two f32.
    Complex64,
}

/// MLX's dtype categories, for `issubdtype`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DtypeCategory {
    /// complex64
    ComplexFloating,
    /// f16, f32, f64, bf16
    Floating,
    /// floating or complex
    Inexact,
    /// signed integers
    SignedInteger,
    /// unsigned integers
    UnsignedInteger,
    /// all integers
    Integer,
    /// integers and inexact
    Number,
    /// everything
    Generic,
}

/// Every dtype, in MLX's order.
pub const ALL_DTYPES: [Dtype; 14] = [
    Dtype::Bool,
    Dtype::Uint8,
    Dtype::Uint16,
    Dtype::Uint32,
    Dtype::Uint64,
    Dtype::Int8,
    Dtype::Int16,
    Dtype::Int32,
    Dtype::Int64,
    Dtype::Float16,
    Dtype::Float32,
    Dtype::Float64,
    Dtype::Bfloat16,
    Dtype::Complex64,
];

impl Dtype {
    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::Uint8 | Dtype::Int8 => 1,
            Dtype::Uint16 | Dtype::Int16 | Dtype::Float16 | Dtype::Bfloat16 => 2,
            Dtype::Uint32 | Dtype::Int32 | Dtype::Float32 => 4,
            Dtype::Uint64 | Dtype::Int64 | Dtype::Float64 | Dtype::Complex64 => 8,
        }
    }

    /// MLX's name (`float32`, `bool`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::Bool => "bool",
            Dtype::Uint8 => "uint8",
            Dtype::Uint16 => "uint16",
            Dtype::Uint32 => "uint32",
            Dtype::Uint64 => "uint64",
            Dtype::Int8 => "int8",
            Dtype::Int16 => "int16",
            Dtype::Int32 => "int32",
            Dtype::Int64 => "int64",
            Dtype::Float16 => "float16",
            Dtype::Float32 => "float32",
            Dtype::Float64 => "float64",
            Dtype::Bfloat16 => "bfloat16",
            Dtype::Complex64 => "complex64",
        }
    }

    /// True for the four real floating types.
    pub const fn is_floating(self) -> bool {
        matches!(
            self,
            Dtype::Float16 | Dtype::Float32 | Dtype::Float64 | Dtype::Bfloat16
        )
    }

    /// True for floating and complex types.
    pub const fn is_inexact(self) -> bool {
        self.is_floating() || matches!(self, Dtype::Complex64)
    }

    /// True for complex64.
    pub const fn is_complex(self) -> bool {
        matches!(self, Dtype::Complex64)
    }

    /// True for the signed and unsigned integers (not bool).
    pub const fn is_integer(self) -> bool {
        self.is_signed_integer() || self.is_unsigned_integer()
    }

    /// True for int8..int64.
    pub const fn is_signed_integer(self) -> bool {
        matches!(
            self,
            Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64
        )
    }

    /// True for uint8..uint64.
    pub const fn is_unsigned_integer(self) -> bool {
        matches!(
            self,
            Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64
        )
    }

    /// True when `self` belongs to `category` (MLX's `issubdtype`).
    pub fn is_subdtype(self, category: DtypeCategory) -> bool {
        match category {
            DtypeCategory::ComplexFloating => self.is_complex(),
            DtypeCategory::Floating => self.is_floating(),
            DtypeCategory::Inexact => self.is_inexact(),
            DtypeCategory::SignedInteger => self.is_signed_integer(),
            DtypeCategory::UnsignedInteger => self.is_unsigned_integer(),
            DtypeCategory::Integer => self.is_integer(),
            DtypeCategory::Number => self.is_integer() || self.is_inexact(),
            DtypeCategory::Generic => true,
        }
    }

    /// The float type that integer and bool inputs are lifted to by divide, sqrt, mean, ...
    pub const fn to_inexact(self) -> Dtype {
        if self.is_inexact() {
            self
        } else {
            Dtype::Float32
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// MLX's (JAX's) type promotion: the dtype of a binary op on `a` and `b`.
pub fn promote_types(a: Dtype, b: Dtype) -> Dtype {
    use Dtype::*;
    if a == b {
        return a;
    }
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    match (lo, hi) {
        (_, Complex64) => Complex64,
        (Bool, x) => x,
        // Two floats: f64 wins over reals; f16 with bf16 meets at f32; otherwise the wider.
        (Float16, Bfloat16) => Float32,
        (Float32 | Float64, Bfloat16) => lo,
        (x, y) if x.is_floating() && y.is_floating() => hi,
        // An integer with a float gives the float.
        (_, y) if y.is_floating() => y,
        // Same signedness: the wider one (variants are ordered by width within each kind).
        (x, y) if x.is_unsigned_integer() && y.is_unsigned_integer() => y,
        (x, y) if x.is_signed_integer() && y.is_signed_integer() => y,
        // Unsigned `lo` with signed `hi`.
        (Uint64, _) => Float32,
        (u, i) => {
            if i.size() > u.size() {
                i
            } else {
                match u.size() {
                    1 => Int16,
                    2 => Int32,
                    _ => Int64,
                }
            }
        }
    }
}

/// A Rust type that stores one element of a dtype.
///
/// # Safety
/// `Self` must have the size and bit layout of `Self::DTYPE`, and every bit pattern that the
/// crate's kernels write for that dtype must be a valid `Self` (bool holds only 0 or 1).
pub unsafe trait Element: Copy + Send + Sync + PartialEq + fmt::Debug + 'static {
    /// The dtype stored by this type.
    const DTYPE: Dtype;
    /// Converts to the crate's dynamic scalar.
    fn to_scalar(self) -> Scalar;
    /// Converts from a scalar with C-like casting rules.
    fn from_scalar(s: Scalar) -> Self;
}

/// A dynamically typed scalar: the widest value of each kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// bool
    Bool(bool),
    /// any signed integer
    Int(i64),
    /// any unsigned integer
    Uint(u64),
    /// any real float
    Float(f64),
    /// complex
    Complex(f32, f32),
}

impl Scalar {
    /// The value as f64 (real part for complex).
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Uint(u) => u as f64,
            Scalar::Float(f) => f,
            Scalar::Complex(re, _) => re as f64,
        }
    }
    /// The value as i64 (truncating floats, C-style).
    pub fn as_i64(self) -> i64 {
        match self {
            Scalar::Bool(b) => b as i64,
            Scalar::Int(i) => i,
            Scalar::Uint(u) => u as i64,
            Scalar::Float(f) => f as i64,
            Scalar::Complex(re, _) => re as i64,
        }
    }
    /// The value as u64 (wrapping negative integers, C-style).
    pub fn as_u64(self) -> u64 {
        match self {
            Scalar::Bool(b) => b as u64,
            Scalar::Int(i) => i as u64,
            Scalar::Uint(u) => u,
            Scalar::Float(f) => f as u64,
            Scalar::Complex(re, _) => re as u64,
        }
    }
    /// Truthiness.
    pub fn as_bool(self) -> bool {
        match self {
            Scalar::Bool(b) => b,
            Scalar::Int(i) => i != 0,
            Scalar::Uint(u) => u != 0,
            Scalar::Float(f) => f != 0.0,
            Scalar::Complex(re, im) => re != 0.0 || im != 0.0,
        }
    }
}

macro_rules! int_element {
    ($t:ty, $d:ident, $variant:ident, $conv:ident) => {
        // SAFETY: a primitive integer has exactly the layout of its dtype.
        unsafe impl Element for $t {
            const DTYPE: Dtype = Dtype::$d;
            fn to_scalar(self) -> Scalar {
                Scalar::$variant(self as _)
            }
            fn from_scalar(s: Scalar) -> Self {
                s.$conv() as $t
            }
        }
    };
}
int_element!(u8, Uint8, Uint, as_u64);
int_element!(u16, Uint16, Uint, as_u64);
int_element!(u32, Uint32, Uint, as_u64);
int_element!(u64, Uint64, Uint, as_u64);
int_element!(i8, Int8, Int, as_i64);
int_element!(i16, Int16, Int, as_i64);
int_element!(i32, Int32, Int, as_i64);
int_element!(i64, Int64, Int, as_i64);

// SAFETY: Rust's bool is one byte holding 0 or 1, which is MLX's bool layout.
unsafe impl Element for bool {
    const DTYPE: Dtype = Dtype::Bool;
    fn to_scalar(self) -> Scalar {
        Scalar::Bool(self)
    }
    fn from_scalar(s: Scalar) -> Self {
        s.as_bool()
    }
}
// SAFETY: f32 is IEEE binary32.
unsafe impl Element for f32 {
    const DTYPE: Dtype = Dtype::Float32;
    fn to_scalar(self) -> Scalar {
        Scalar::Float(self as f64)
    }
    fn from_scalar(s: Scalar) -> Self {
        s.as_f64() as f32
    }
}
// SAFETY: f64 is IEEE binary64.
unsafe impl Element for f64 {
    const DTYPE: Dtype = Dtype::Float64;
    fn to_scalar(self) -> Scalar {
        Scalar::Float(self)
    }
    fn from_scalar(s: Scalar) -> Self {
        s.as_f64()
    }
}
// SAFETY: half::f16 is a transparent u16 holding IEEE binary16 bits.
unsafe impl Element for f16 {
    const DTYPE: Dtype = Dtype::Float16;
    fn to_scalar(self) -> Scalar {
        Scalar::Float(self.to_f64())
    }
    fn from_scalar(s: Scalar) -> Self {
        f16::from_f64(s.as_f64())
    }
}
// SAFETY: half::bf16 is a transparent u16 holding bfloat16 bits.
unsafe impl Element for bf16 {
    const DTYPE: Dtype = Dtype::Bfloat16;
    fn to_scalar(self) -> Scalar {
        Scalar::Float(self.to_f64())
    }
    fn from_scalar(s: Scalar) -> Self {
        bf16::from_f64(s.as_f64())
    }
}
// SAFETY: Complex<f32> is repr(C) {re, im}, MLX's complex64 layout.
unsafe impl Element for Complex32 {
    const DTYPE: Dtype = Dtype::Complex64;
    fn to_scalar(self) -> Scalar {
        Scalar::Complex(self.re, self.im)
    }
    fn from_scalar(s: Scalar) -> Self {
        match s {
            Scalar::Complex(re, im) => Complex32::new(re, im),
            other => Complex32::new(other.as_f64() as f32, 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_matches_mlx_table() {
        use Dtype::*;
        assert_eq!(promote_types(Uint8, Int8), Int16);
        assert_eq!(promote_types(Uint16, Int16), Int32);
        assert_eq!(promote_types(Uint32, Int32), Int64);
        assert_eq!(promote_types(Uint32, Int64), Int64);
        assert_eq!(promote_types(Uint8, Int32), Int32);
        assert_eq!(promote_types(Uint64, Int8), Float32);
        assert_eq!(promote_types(Float16, Bfloat16), Float32);
        assert_eq!(promote_types(Float64, Bfloat16), Float64);
        assert_eq!(promote_types(Int64, Bfloat16), Bfloat16);
        assert_eq!(promote_types(Float64, Complex64), Complex64);
        assert_eq!(promote_types(Bool, Uint16), Uint16);
        assert_eq!(promote_types(Int8, Float16), Float16);
    }
}

//! The element types the quantization kernels read and write, with the roundings MLX applies.
//!
//! MLX evaluates half-precision arithmetic in float32 and rounds each result back to the
//! half type; `round` reproduces that step, so a chain of `round(a op b)` gives MLX's
//! values. float64 computes in float64 (an rmlx extension where MLX's CPU kernels refuse it).

use half::{bf16, f16};

/// A floating storage type of the quantization kernels.
pub(crate) trait QElem: Copy + Send + Sync + 'static {
    /// True for float64, which computes in float64 instead of float32.
    const WIDE: bool = false;
    fn to_f32(self) -> f32;
    fn from_f32(x: f32) -> Self;
    fn to_f64(self) -> f64;
    fn from_f64(x: f64) -> Self;
    /// `x` rounded to this type and back (the rounding of one MLX op on this type).
    #[inline(always)]
    fn round(x: f32) -> f32 {
        Self::from_f32(x).to_f32()
    }
}

impl QElem for f32 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn round(x: f32) -> f32 {
        x
    }
}

impl QElem for f64 {
    const WIDE: bool = true;
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        x as f64
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn round(x: f32) -> f32 {
        x
    }
}

impl QElem for f16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        f16::from_f32(x)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f16::to_f64(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        f16::from_f64(x)
    }
}

impl QElem for bf16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    #[inline(always)]
    fn from_f32(x: f32) -> Self {
        bf16::from_f32(x)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        bf16::to_f64(self)
    }
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        bf16::from_f64(x)
    }
}

/// Runs `$body` with `$t` bound to the element type of a floating dtype (float16, bfloat16,
/// float32, float64); other dtypes run `$other`.
macro_rules! with_qelem {
    ($dt:expr, $t:ident => $body:expr, _ => $other:expr) => {
        match $dt {
            $crate::dtype::Dtype::Float32 => {
                type $t = f32;
                $body
            }
            $crate::dtype::Dtype::Float64 => {
                type $t = f64;
                $body
            }
            $crate::dtype::Dtype::Float16 => {
                type $t = half::f16;
                $body
            }
            $crate::dtype::Dtype::Bfloat16 => {
                type $t = half::bf16;
                $body
            }
            _ => $other,
        }
    };
}
pub(crate) use with_qelem;

//! nvfp4 with a global scale (`quantize` / `dequantize(..., global_scale=g)`), composed of
//! ops as MLX 0.32.4's CPU build composes it, so every rounding step matches bit for bit.
//!
//! With `f = (448·6) / g` (float32; 448 and 6 are the largest E4M3 and E2M1 magnitudes):
//! - quantize: per group of 16, `s = max|w| / 6` in `w`'s dtype; the scale byte is
//!   `to_fp8(s · f)` (float32 product); elements are `y = (w / from_fp8(byte)) · f` (the
//!   quotient in `w`'s dtype, the product in float32) and take the first E2M1 code at the
//!   least float32 distance;
//! - dequantize: `value · (from_fp8(byte) · (g / 2688))` in float32; the output dtype is
//!   the requested one promoted with float32.
//!
//! The global scale must be float32 with a single element (MLX's checks and messages).

use super::*;
use crate::array::Array;
use crate::backend::cpu::quantized::formats::FP4_LUT;
use crate::dtype::{promote_types, Dtype, Scalar};
use crate::error::{bail, Result};
use crate::shape::fmt_shape;

/// E4M3 max · E2M1 max: the global scale that leaves the per-group scales unchanged.
const FP8_TIMES_FP4: f64 = 448.0 * 6.0;

/// MLX's checks of a global scale passed to `func`.
pub(crate) fn check_global_scale(func: &str, g: &Array) -> Result<()> {
    if g.dtype() != Dtype::Float32 {
        bail!(
            "[{func}] Global scale must have dtype float32 but got {}.",
            g.dtype()
        );
    }
    if g.size() != 1 {
        bail!(
            "[{func}] Global scale must be a scalar but got shape {}.",
            fmt_shape(g.shape())
        );
    }
    Ok(())
}

fn f32_scalar(v: f64) -> Array {
    Array::from_scalar(Scalar::Float(v), Dtype::Float32)
}

/// `(448·6) / g` as a float32 scalar.
fn encode_factor(g: &Array) -> Result<Array> {
    divide(&f32_scalar(FP8_TIMES_FP4), &reshape(g, &[])?)
}

/// nvfp4 quantization of `w` (validated by the caller: float dtype, ≥ 2 dims, last axis a
/// multiple of 32) with the global scale `g`: `[packed words, scale bytes]`.
pub(crate) fn quantize_nvfp4_global(w: &Array, g: &Array) -> Result<Vec<Array>> {
    let dt = w.dtype();
    let shape = w.shape().to_vec();
    let nd = shape.len();
    let k = shape[nd - 1];
    let f = encode_factor(g)?;
    let groups = reshape(w, &[-1, 16])?;
    let amax = max(&abs(&groups)?, &[-1], true)?;
    let s = divide(&amax, &Array::from_scalar(Scalar::Float(6.0), dt))?;
    let bytes = to_fp8(&multiply(&s, &f)?)?;
    let y = multiply(&divide(&groups, &from_fp8(&bytes, dt)?)?, &f)?;
    let lut = Array::from_slice(&FP4_LUT, &[16])?;
    let dist = abs(&subtract(&expand_dims(&y, &[-1])?, &lut)?)?;
    let codes = astype(&argmin(&dist, Some(-1), false)?, Dtype::Uint32)?;
    // Eight codes per word, the first in the lowest bits.
    let shifts: Vec<u32> = (0..8).map(|i| 1u32 << (4 * i)).collect();
    let shifts = Array::from_slice(&shifts, &[8])?;
    let words = sum(
        &multiply(&reshape(&codes, &[-1, 8])?, &shifts)?,
        &[-1],
        false,
    )?;
    let mut wq_shape = shape.clone();
    wq_shape[nd - 1] = k / 8;
    let mut s_shape = shape;
    s_shape[nd - 1] = k / 16;
    Ok(vec![
        reshape(&words, &wq_shape)?,
        reshape(&bytes, &s_shape)?,
    ])
}

/// nvfp4 dequantization of `w` (validated by the caller) with the global scale `g`;
/// `out` is the requested output dtype (promoted with float32).
pub(crate) fn dequantize_nvfp4_global(
    w: &Array,
    scales: &Array,
    g: &Array,
    out: Dtype,
) -> Result<Array> {
    // The E2M1 values alone: every group scaled by the E4M3 byte of 1.0.
    let one = full(scales.shape(), 0x38u8)?;
    let values = dequantize(
        w,
        &one,
        None,
        Some(16),
        Some(4),
        "nvfp4",
        None,
        Some(Dtype::Float32),
    )?;
    let q = divide(&reshape(g, &[])?, &f32_scalar(FP8_TIMES_FP4))?;
    let sq = multiply(&from_fp8(scales, Dtype::Float32)?, &q)?;
    let vshape = values.shape().to_vec();
    let nd = vshape.len();
    let mut grouped = vshape.clone();
    grouped[nd - 1] = vshape[nd - 1] / 16;
    grouped.push(16);
    let v = multiply(&reshape(&values, &grouped)?, &expand_dims(&sq, &[-1])?)?;
    astype(&reshape(&v, &vshape)?, promote_types(out, Dtype::Float32))
}

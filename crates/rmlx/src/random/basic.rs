//! Keys, raw bits, `split` and `uniform`: the layer every distribution is built on.

use super::state::resolve;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::ops::{self, op_stream};
use crate::primitives::random_bits::RandomBits;
use crate::shape::{broadcast_shapes, fmt_shape};

/// The key for `seed`: its high and low 32-bit halves, as a uint32 array of shape (2,).
pub fn key(seed: u64) -> Array {
    let words = [(seed >> 32) as u32, seed as u32];
    Array::from_slice(&words, &[2]).expect("two words fill shape (2,)")
}

/// Checks a key as MLX's `bits` does: uint32, shape exactly (2,).
fn check_key(key: &Array) -> Result<()> {
    if key.dtype() != Dtype::Uint32 {
        bail!(
            "[bits] Expected key type uint32 but received {}.",
            key.dtype()
        );
    }
    if key.shape() != [2] {
        bail!(
            "[bits] Expected key shape (2) but received {}.",
            fmt_shape(key.shape())
        );
    }
    Ok(())
}

/// Random bits of `shape`, `width` bytes per element (uint8, uint16 or uint32).
pub fn bits(shape: &[i32], width: usize, key: Option<&Array>) -> Result<Array> {
    let dtype = match width {
        1 => Dtype::Uint8,
        2 => Dtype::Uint16,
        4 => Dtype::Uint32,
        _ => bail!("[bits] Bit width must be in {{1, 2, 4}} but got {width}."),
    };
    if shape.iter().any(|&d| d < 0) {
        bail!("[bits] Negative dimensions not allowed.");
    }
    let key = resolve(key)?;
    check_key(&key)?;
    let s = op_stream("bits")?;
    Ok(Array::from_op(
        shape.to_vec(),
        dtype,
        s,
        RandomBits,
        vec![key],
    ))
}

/// `num` new keys from `key`, as a (num, 2) uint32 array.
pub fn split(key: &Array, num: i32) -> Result<Array> {
    bits(&[num, 2], 4, Some(key))
}

/// The largest value below one in `dtype` (uniform samples are clamped to it).
fn below_one(dtype: Dtype) -> Result<Array> {
    let v = match dtype {
        Dtype::Float32 => f64::from(f32::from_bits(1.0f32.to_bits() - 1)),
        Dtype::Float16 => 1.0 - 2f64.powi(-11),
        Dtype::Bfloat16 => 1.0 - 2f64.powi(-8),
        _ => return Err(Error::Runtime("[uniform] Unsupported type.".into())),
    };
    ops::astype(&Array::scalar(v as f32), dtype)
}

/// Samples from `[low, high)` of `shape` and floating `dtype` (float32, float16 or
/// bfloat16). `low` and `high` are cast to `dtype` and must broadcast to `shape`.
///
/// MLX's transform: 32 random bits divided by 2^32 - 1 in float32, cast to `dtype`, clamped
/// below one, then `(high - low) * u + low` in `dtype`.
pub fn uniform(
    low: &Array,
    high: &Array,
    shape: &[i32],
    dtype: Dtype,
    key: Option<&Array>,
) -> Result<Array> {
    if !dtype.is_floating() {
        bail!("[uniform] Can only generate uniform numbers with real floating point type.");
    }
    let lo = ops::astype(low, dtype)?;
    let hi = ops::astype(high, dtype)?;
    let range = ops::subtract(&hi, &lo)?;
    let out_shape = broadcast_shapes(shape, range.shape())?;
    if out_shape != shape {
        bail!(
            "[uniform] Cannot generate random values of shape {} from broadcasted shape {}.",
            fmt_shape(shape),
            fmt_shape(&out_shape)
        );
    }
    let below = below_one(dtype)?;
    let raw = bits(shape, 4, key)?;
    let max = Array::scalar(u32::MAX as f32);
    let u = ops::divide(&ops::astype(&raw, Dtype::Float32)?, &max)?;
    let u = ops::minimum(&ops::astype(&u, dtype)?, &below)?;
    ops::add(&ops::multiply(&range, &u)?, &lo)
}

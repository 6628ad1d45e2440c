//! `hadamard_transform`: the Walsh–Hadamard transform along the last axis.

use super::op_stream;
use crate::array::Array;
use crate::backend::cpu::hadamard::hadamard_factor;
use crate::dtype::Dtype;
use crate::error::{bail, Result};
use crate::primitives::hadamard::Hadamard;

/// `(H_n @ x) * scale` for every row `x` of the last axis, `H_n` a Hadamard matrix of order
/// `n = m · 2^k` with `m` in {1, 12, 20, 28} (MLX's matrices). The default scale is
/// `1 / sqrt(n)` (an orthonormal transform). float16, bfloat16 and float32 keep their dtype;
/// integers, bool and complex64 (its real part) are transformed as float32; float64 is an
/// error (as in MLX). A length of 1 (or a 0-d input) is a plain scaling that keeps the
/// dtype rules of `multiply` (without a scale, the input is returned).
pub fn hadamard_transform(a: &Array, scale: Option<f64>) -> Result<Array> {
    if a.size() == 0 {
        bail!("[hadamard_transform] Does not support empty arrays.");
    }
    let n = a.shape().last().copied().unwrap_or(1) as usize;
    if n == 1 {
        return match scale {
            None => Ok(a.clone()),
            Some(s) => super::multiply(a, &super::scalar_like(s, a)?),
        };
    }
    let Some(m) = hadamard_factor(n) else {
        bail!("[hadamard] Only supports n = m*2^k where m in (1, 12, 20, 28).");
    };
    let dt = match a.dtype() {
        Dtype::Float64 => bail!("[hadamard] Unsupported type."),
        d @ (Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32) => d,
        _ => Dtype::Float32,
    };
    let x = super::astype(a, dt)?;
    let scale = scale.unwrap_or(1.0 / (n as f64).sqrt()) as f32;
    let s = op_stream("hadamard_transform")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        dt,
        s,
        Hadamard { m, scale },
        vec![x],
    ))
}

//! `qqmm` in affine mode, as MLX 0.32.4's CPU build evaluates it.
//!
//! MLX's CPU `QQMatmul` handles a pre-quantized `w` with one row of `x` and never looks at
//! the mode: it quantizes `x` on the fly with the microscaling rules chosen by the bits and
//! group size (scale divisor 6 for 4 bits else 448; E4M3 scales for groups of 16 else E8M0;
//! E4M3 elements for 8 bits else E2M1), then runs its microscaling product kernel, picked
//! by `bits == 8` (mxfp8: groups of 32, E4M3 codes), else `group_size == 32` (mxfp4), else
//! nvfp4 (groups of 16, E4M3 scales). That kernel reads the affine words as E2M1 / E4M3
//! codes and the bytes of the floating-point scales as scale bytes (the biases are not
//! inputs). The values are meaningless, but deterministic whenever every byte it reads lies
//! inside the weights and scales: then this module rebuilds the same byte streams with
//! `view`/`slice` and evaluates the microscaling product on them.
//!
//! The other affine cases (2 or 3 bits; scales too narrow for the kernel's group) make
//! MLX read past its buffers, so their results are not reproducible; rmlx fails them with a
//! RuntimeError naming the case.

use super::*;
use crate::array::Array;
use crate::backend::cpu::quantized::Mode;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::primitives::quantized_mm::QSpec;

/// The microscaling product MLX's CPU kernel runs for affine `bits` / `group`.
pub(crate) fn kernel_spec(group: i32, bits: i32) -> QSpec {
    let mode = if bits == 8 {
        Mode::Mxfp8
    } else if group == 32 {
        Mode::Mxfp4
    } else {
        Mode::Nvfp4
    };
    QSpec {
        mode,
        group: mode.group_size(),
        bits: mode.bits(),
        transpose: true,
    }
}

/// The first `n` bytes of `a` (row-major), as a flat uint8 array.
fn leading_bytes(a: &Array, n: i32) -> Result<Array> {
    let bytes = reshape(&view(&contiguous(a, false)?, Dtype::Uint8)?, &[-1])?;
    slice(&bytes, &[0], &[n], &[1])
}

/// The weights and scale bytes MLX's kernel reads for an affine `w` (`n × k` after
/// expansion) and its `scales`, as a microscaling (`spec`) pair; a RuntimeError where MLX
/// reads past a buffer.
pub(crate) fn reinterpret(
    w: &Array,
    scales: &Array,
    n: i32,
    k: i32,
    group: i32,
    bits: i32,
) -> Result<(QSpec, Array, Array)> {
    let spec = kernel_spec(group, bits);
    let (eb, eg) = (spec.bits as i64, spec.group as i64);
    let (n64, k64) = (n as i64, k as i64);
    let w_bytes = w.size() as i64 * 4;
    let s_bytes = scales.size() as i64 * scales.dtype().size() as i64;
    let need_w = n64 * k64 * eb / 8;
    let need_s = n64 * k64 / eg;
    if w.ndim() != 2 || need_w > w_bytes || need_s > s_bytes {
        return Err(Error::Runtime(format!(
            "[QQMatmul] Affine mode with bits={bits}, group_size={group}, {} scales and a \
             weight of shape {} is not supported: MLX's CPU kernel reads it as {} and past \
             the end of its buffers there.",
            scales.dtype(),
            crate::shape::fmt_shape(w.shape()),
            spec.mode.name()
        )));
    }
    let words = view(
        &reshape(
            &leading_bytes(w, need_w as i32)?,
            &[n, (k64 * eb / 8) as i32],
        )?,
        Dtype::Uint32,
    )?;
    let sbytes = reshape(
        &leading_bytes(scales, need_s as i32)?,
        &[n, (k64 / eg) as i32],
    )?;
    Ok((spec, words, sbytes))
}

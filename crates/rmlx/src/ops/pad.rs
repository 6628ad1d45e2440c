//! `pad`: widen every axis by a border in one of MLX's modes (constant, edge, reflect,
//! symmetric), in one pass over the output (`primitives::axis_gather::Pad`).

use super::op_stream;
use crate::array::Array;
use crate::error::{bail, Result};
use crate::primitives::axis_gather::Pad;
pub use crate::primitives::axis_gather::PadMode;

impl std::str::FromStr for PadMode {
    type Err = crate::error::Error;
    /// MLX's mode names; anything else is MLX's ValueError.
    fn from_str(s: &str) -> Result<PadMode> {
        Ok(match s {
            "constant" => PadMode::Constant,
            "edge" => PadMode::Edge,
            "reflect" => PadMode::Reflect,
            "symmetric" => PadMode::Symmetric,
            _ => bail!("[pad] Invalid padding mode ({s}) passed to pad"),
        })
    }
}

/// Pads axis `i` of `a` with `widths[i] = (before, after)` elements; a single pair applies
/// to every axis. `constant` gives the fill of `PadMode::Constant` (converted to `a`'s
/// dtype; its first element is used, 0 when it is empty, as MLX reads element 0); the other
/// modes ignore it and reject padding an empty axis.
pub fn pad(a: &Array, widths: &[(i32, i32)], constant: &Array, mode: PadMode) -> Result<Array> {
    let nd = a.ndim();
    let widths: Vec<(i32, i32)> = match widths.len() {
        1 => vec![widths[0]; nd],
        n if n == nd => widths.to_vec(),
        _ => bail!("[pad] Invalid number of padding sizes passed to pad with axes of size {nd}"),
    };
    let mut shape = a.shape().to_vec();
    for (ax, &(lo, hi)) in widths.iter().enumerate() {
        for (side, w) in [("low", lo), ("high", hi)] {
            if w < 0 {
                bail!(
                    "[pad] Invalid {side} padding size ({w}) passed to pad for axis {ax}. \
                     Padding sizes must be non-negative"
                );
            }
        }
        if mode != PadMode::Constant && shape[ax] == 0 && lo + hi > 0 {
            bail!(
                "[pad] Cannot pad empty axis {ax} using mode '{}'.",
                mode.name()
            );
        }
        shape[ax] += lo + hi;
    }
    if widths.iter().all(|&w| w == (0, 0)) {
        return Ok(a.clone());
    }
    let mut inputs = vec![a.clone()];
    if mode == PadMode::Constant {
        let v = super::astype(constant, a.dtype())?;
        let v = if v.size() == 0 {
            super::zeros(&[], a.dtype())?
        } else {
            super::reshape(
                &super::slice(&super::reshape(&v, &[-1])?, &[0], &[1], &[1])?,
                &[],
            )?
        };
        inputs.push(v);
    }
    let s = op_stream("pad")?;
    let (low, high) = widths.into_iter().unzip();
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        Pad { low, high, mode },
        inputs,
    ))
}

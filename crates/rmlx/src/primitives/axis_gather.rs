//! `Pad` and `Roll`: outputs whose every axis reads its input through a table of positions
//! (`backend::cpu::axis_gather`), in one pass.
//!
//! MLX builds edge/reflect/symmetric padding and `roll` out of slices and concatenations
//! (one copy per piece); here each is one primitive and one copy. `Pad` keeps MLX's name;
//! `Roll` has no MLX counterpart (MLX's graph shows its Slice/Concatenate nodes instead).

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::axis_gather::axis_gather;
use crate::error::Result;
use crate::transforms::rules::structure as rules;

/// How `pad` fills the border of an axis (MLX's `mode` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadMode {
    /// A constant value.
    Constant,
    /// The edge element repeated.
    Edge,
    /// Mirrored without repeating the edge (`[c, b | a, b, c | b, a]`).
    Reflect,
    /// Mirrored with the edge repeated (`[b, a | a, b, c | c, b]`).
    Symmetric,
}

impl PadMode {
    /// MLX's name for the mode.
    pub fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Edge => "edge",
            PadMode::Reflect => "reflect",
            PadMode::Symmetric => "symmetric",
        }
    }

    /// The source position of padded position `k` (relative to the first input element)
    /// on an axis of `n >= 1` elements; `None` for the constant fill.
    fn source(self, k: i64, n: i64) -> Option<i64> {
        if (0..n).contains(&k) {
            return Some(k);
        }
        match self {
            PadMode::Constant => None,
            PadMode::Edge => Some(k.clamp(0, n - 1)),
            // Periodic with period 2(n-1): n-1 steps out, n-1 steps back.
            PadMode::Reflect if n == 1 => Some(0),
            PadMode::Reflect => {
                let m = k.rem_euclid(2 * n - 2);
                Some(if m >= n { 2 * n - 2 - m } else { m })
            }
            // Periodic with period 2n: the axis, then the axis reversed.
            PadMode::Symmetric => {
                let m = k.rem_euclid(2 * n);
                Some(if m >= n { 2 * n - 1 - m } else { m })
            }
        }
    }
}

/// The fill bits of input 1 (a 0-d array of the output's dtype), or 0 without one.
fn fill_bits(ctx: &KernelCtx<'_>, elem: usize) -> u64 {
    if ctx.inputs.len() < 2 {
        return 0;
    }
    let v = ctx.input(1);
    // SAFETY: input 1 is a 0-d array (one element of `elem` bytes at its pointer).
    unsafe {
        match elem {
            1 => *v.ptr::<u8>() as u64,
            2 => *v.ptr::<u16>() as u64,
            4 => *v.ptr::<u32>() as u64,
            _ => *v.ptr::<u64>(),
        }
    }
}

/// Runs the gather of input 0 through `tables` into a fresh output.
fn gather(ctx: &KernelCtx<'_>, tables: &[Vec<Option<i64>>]) -> Result<Vec<ArrayData>> {
    let out_arr = ctx.output(0);
    let out = ArrayData::alloc(out_arr.shape(), out_arr.dtype(), ctx.device)?;
    let elem = out_arr.itemsize();
    axis_gather(
        ctx.input(0),
        ctx.inputs[0].shape(),
        tables,
        fill_bits(ctx, elem),
        &out,
        elem,
    );
    Ok(vec![out])
}

/// Pads every axis by `low[i]` elements before and `high[i]` after. Inputs: the array and,
/// in constant mode, the fill value (0-d, of the array's dtype). The op has checked that
/// no padded axis is empty in the other modes.
#[derive(Debug, Clone)]
pub(crate) struct Pad {
    pub low: Vec<i32>,
    pub high: Vec<i32>,
    pub mode: PadMode,
}

impl Primitive for Pad {
    fn name(&self) -> String {
        "Pad".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::pad_vjp(&self.low, &self.high, self.mode, p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::pad_jvp(&self.low, &self.high, self.mode, p, t, argnums)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::pad_vmap(&self.low, &self.high, self.mode, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let in_shape = ctx.inputs[0].shape();
        let tables: Vec<Vec<Option<i64>>> = in_shape
            .iter()
            .enumerate()
            .map(|(ax, &n)| {
                let (lo, hi, n) = (self.low[ax] as i64, self.high[ax] as i64, n as i64);
                (0..lo + n + hi)
                    .map(|i| {
                        if n == 0 {
                            None
                        } else {
                            self.mode.source(i - lo, n)
                        }
                    })
                    .collect()
            })
            .collect();
        gather(ctx, &tables)
    }
}

/// Rotates each axis by its shift (already reduced into `0..n`): output position `i` reads
/// input position `(i - shift) mod n`.
#[derive(Debug, Clone)]
pub(crate) struct Roll {
    pub shifts: Vec<i64>,
}

impl Primitive for Roll {
    fn name(&self) -> String {
        "Roll".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::roll_by(&self.shifts, -1, &c[0], 0)?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::roll_by(&self.shifts, 1, &t[0], 0)?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::roll_vmap(&self.shifts, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let tables: Vec<Vec<Option<i64>>> = ctx.inputs[0]
            .shape()
            .iter()
            .zip(&self.shifts)
            .map(|(&n, &s)| {
                let n = n as i64;
                (0..n).map(|i| Some((i - s).rem_euclid(n))).collect()
            })
            .collect();
        gather(ctx, &tables)
    }
}

#[cfg(test)]
mod tests {
    use super::PadMode;

    fn row(mode: PadMode, n: i64, lo: i64, hi: i64) -> Vec<Option<i64>> {
        (-lo..n + hi).map(|k| mode.source(k, n)).collect()
    }

    #[test]
    fn modes_match_numpy() {
        let s = |v: &[i64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        // np.pad(np.arange(3), 2, mode) gives these positions.
        assert_eq!(row(PadMode::Reflect, 3, 2, 2), s(&[2, 1, 0, 1, 2, 1, 0]));
        assert_eq!(row(PadMode::Symmetric, 3, 2, 2), s(&[1, 0, 0, 1, 2, 2, 1]));
        assert_eq!(row(PadMode::Edge, 3, 2, 2), s(&[0, 0, 0, 1, 2, 2, 2]));
        assert_eq!(row(PadMode::Reflect, 1, 2, 1), s(&[0, 0, 0, 0]));
        assert_eq!(
            row(PadMode::Symmetric, 2, 3, 3),
            s(&[1, 1, 0, 0, 1, 1, 0, 0])
        );
        assert_eq!(
            row(PadMode::Constant, 2, 1, 1),
            vec![None, Some(0), Some(1), None]
        );
    }
}

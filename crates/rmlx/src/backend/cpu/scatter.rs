//! The scatter kernel: the output starts as a copy of the destination array (or is the
//! donated destination itself); then, for every position of the index shape `I` in
//! row-major order, one slice of the updates is combined into the output where the indices
//! point.
//!
//! Positions are applied in order on one thread, so repeated indices behave as MLX's CPU
//! backend: with plain assignment the last update wins, the accumulating modes combine all
//! of them. An index that is out of range after negative wrapping drops its update
//! (`index_cursor::Resolve::Drop`): no index value writes outside the output buffer.
//! Assignment moves bits and is instantiated per element size; the accumulating modes are
//! instantiated per dtype.

use super::arith::Arith;
use super::dispatch::dispatch_all;
use super::index_cursor::{IndexCursor, IndexOperand, Resolve};
use super::strided::{collapse, for_each_row};
use crate::array::ArrayData;
use crate::dtype::Dtype;
use crate::shape::size_of;

/// How an update combines with the value already in place (MLX's `scatter`,
/// `scatter_add`, `scatter_prod`, `scatter_max`, `scatter_min`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScatterMode {
    /// Replace the value (repeated indices: the last update wins).
    None,
    /// Add the update.
    Add,
    /// Multiply by the update.
    Prod,
    /// Keep the larger (`d > u ? d : u`; a NaN update replaces the value, a NaN in place is
    /// replaced by the next update, as MLX's CPU backend).
    Max,
    /// Keep the smaller (`d < u ? d : u`).
    Min,
}

impl ScatterMode {
    /// MLX's primitive-level name of the mode.
    pub(crate) fn op_name(self) -> &'static str {
        match self {
            ScatterMode::None => "scatter",
            ScatterMode::Add => "scatter_add",
            ScatterMode::Prod => "scatter_prod",
            ScatterMode::Max => "scatter_max",
            ScatterMode::Min => "scatter_min",
        }
    }
}

/// What a scatter reads and writes, independent of the element type.
pub(crate) struct ScatterPlan<'a> {
    /// The output: a fresh copy of the destination or the donated destination, with its
    /// own strides (dense, not necessarily row-major).
    pub out: &'a ArrayData,
    /// The updates (dtype of the output), viewed with shape `I ++ slice`.
    pub updates: &'a ArrayData,
    /// The index arrays, broadcast to `index_shape`, with the output's axis strides.
    pub indices: &'a [IndexOperand],
    /// The broadcast index shape `I`.
    pub index_shape: &'a [i32],
    /// The slice each index position writes, one size per output axis.
    pub slice_sizes: &'a [i32],
}

/// Runs the scatter for `dtype` elements in `mode`.
pub(crate) fn scatter(plan: &ScatterPlan<'_>, dtype: Dtype, mode: ScatterMode) {
    match mode {
        ScatterMode::None => match dtype.size() {
            1 => apply::<u8>(plan, |_, u| u),
            2 => apply::<u16>(plan, |_, u| u),
            4 => apply::<u32>(plan, |_, u| u),
            8 => apply::<u64>(plan, |_, u| u),
            other => unreachable!("no dtype has {other}-byte elements"),
        },
        ScatterMode::Add => dispatch_all!(dtype, T => apply::<T>(plan, |d, u| d.add(u))),
        ScatterMode::Prod => dispatch_all!(dtype, T => apply::<T>(plan, |d, u| d.mul(u))),
        ScatterMode::Max => {
            dispatch_all!(dtype, T => apply::<T>(plan, |d, u| if u.lt(d) { d } else { u }))
        }
        ScatterMode::Min => {
            dispatch_all!(dtype, T => apply::<T>(plan, |d, u| if d.lt(u) { d } else { u }))
        }
    }
}

fn apply<T: Copy>(plan: &ScatterPlan<'_>, f: impl Fn(T, T) -> T) {
    let n_index = size_of(plan.index_shape);
    if n_index == 0 || size_of(plan.slice_sizes) == 0 {
        return;
    }
    let k = plan.index_shape.len();
    // The updates' strides split into the index part and the slice part.
    let upd_index_strides = vec![plan.updates.strides[..k].to_vec()];
    let upd_slice_strides = &plan.updates.strides[k..];
    let (cshape, cstrides) = collapse(plan.slice_sizes, [upd_slice_strides, &plan.out.strides]);
    let index_shape: Vec<i64> = plan.index_shape.iter().map(|&d| d as i64).collect();
    let upd = plan.updates.ptr::<T>();
    let out = plan.out.ptr_mut::<T>();
    let mut cur = IndexCursor::new(&index_shape, plan.indices, &upd_index_strides, 0);
    for _ in 0..n_index {
        if let Some(base) = cur.target_offset(Resolve::Drop) {
            let ubase = cur.extra(0);
            for_each_row(&cshape, &cstrides, |[uo, oo], len, [us, os]| {
                for j in 0..len as i64 {
                    // SAFETY: `base` starts a slice that fits the output's axes (out-of-range
                    // positions were dropped), so `base + oo + j*os` is an output element;
                    // the update offset follows the updates' own shape and strides. The
                    // output is exclusively this kernel's (fresh or donated).
                    unsafe {
                        let d = out.offset((base + oo + j * os) as isize);
                        let u = *upd.offset((ubase + uo + j * us) as isize);
                        *d = f(*d, u);
                    }
                }
            });
        }
        cur.advance();
    }
}

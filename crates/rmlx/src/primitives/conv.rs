//! `Convolution`: MLX's general N-d convolution (1 to 3 spatial dimensions), channels last.
//!
//! Input `x` is `[N, L_1..L_d, C]`, weight `w` is `[O, K_1..K_d, C / groups]`, output
//! `[N, M_1..M_d, O]`. Along each spatial dimension the input is first dilated
//! (`input_dilation - 1` zeros between neighbours: `D = (L - 1) * id + 1` positions), then
//! padded with `pad_lo` zeros in front and `pad_hi` behind; output `m`, tap `k` reads dilated
//! position `m * stride + kk * kernel_dilation - pad_lo`, where `kk = k`, or `K - 1 - k` when
//! `flip` (true convolution instead of cross-correlation). Positions outside `0..D` or between
//! dilated samples read zero.
//!
//! Unlike the user-facing op, the primitive accepts negative padding (it crops the *dilated*
//! input): the gradient rules need it. The op layer turns MLX's negative padding (which crops
//! the input before dilation) into a slice, so both meanings are available.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::error::Result;
use crate::transforms::rules::conv as rules;

/// The geometry of one convolution; every vector has one entry per spatial dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Convolution {
    pub stride: Vec<i32>,
    pub pad_lo: Vec<i32>,
    pub pad_hi: Vec<i32>,
    pub kernel_dilation: Vec<i32>,
    pub input_dilation: Vec<i32>,
    pub groups: i32,
    pub flip: bool,
}

impl Convolution {
    /// Number of positions of an input of length `len` after dilation (0 stays 0).
    pub fn dilated(len: i32, dilation: i32) -> i64 {
        if len <= 0 {
            0
        } else {
            (len as i64 - 1) * dilation as i64 + 1
        }
    }

    /// Output length along spatial dimension `d` for input length `len` and kernel `k`;
    /// 0 when the padded input is shorter than the dilated kernel.
    pub fn out_len(&self, d: usize, len: i32, k: i32) -> i32 {
        let span = Self::dilated(len, self.input_dilation[d])
            + self.pad_lo[d] as i64
            + self.pad_hi[d] as i64
            - Self::dilated(k, self.kernel_dilation[d]);
        if span < 0 || k <= 0 {
            0
        } else {
            (span / self.stride[d] as i64 + 1) as i32
        }
    }

    /// Output shape for input shape `x` and weight shape `w`.
    pub fn out_shape(&self, x: &[i32], w: &[i32]) -> Vec<i32> {
        let nd = x.len() - 2;
        let mut out = Vec::with_capacity(x.len());
        out.push(x[0]);
        for d in 0..nd {
            out.push(self.out_len(d, x[1 + d], w[1 + d]));
        }
        out.push(w[0]);
        out
    }
}

impl Primitive for Convolution {
    fn name(&self) -> String {
        "Convolution".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        crate::backend::cpu::conv::convolution(self, ctx)
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::vjp(self, p, &c[0], argnums)
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::jvp(self, p, t, argnums)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::vmap(self, x, axes)
    }
}

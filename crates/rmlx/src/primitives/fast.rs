//! The fast ops' primitives (MLX's names: `RMSNorm`, `LayerNorm`, `RoPE`,
//! `ScaledDotProductAttention`): fused CPU kernels (`backend::cpu::fast_*`), and transform
//! rules taken from the composed reference (`ops::fast::fallback`) through
//! `transforms::rules::fast`, so their gradients are the composition's.
//!
//! Inputs, in order: `RMSNorm` `[x, weight?]`; `LayerNorm` `[x, weight?, bias?]` (all of the
//! output dtype); `RoPE` `[x, offset? (int32), freqs? (compute dtype)]`;
//! `ScaledDotProductAttention` `[q, k, v, mask?, sinks? (compute dtype)]` (q, k, v and an
//! additive mask of the output dtype).

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::backend::cpu::dispatch::dispatch_float;
use crate::backend::cpu::fast_norm::{normalize, Norm};
use crate::backend::cpu::fast_rope::{rope, RopeParams};
use crate::backend::cpu::fast_sdpa::{attention, Attention, MaskData};
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::ops::fast::{self as fast_ops, fallback, AttentionMask, RopeOffset};
use crate::transforms::rules::fast as rules;

fn unsupported(func: &str, dt: Dtype) -> Error {
    Error::InvalidArgument(format!("[{func}] Received unsupported type {dt}."))
}

/// A fresh row-major output like output 0 of `ctx`, filled by `fill`.
fn with_output(
    ctx: &KernelCtx<'_>,
    func: &str,
    fill: impl FnOnce(&ArrayData, Dtype) -> Result<()>,
) -> Result<Vec<ArrayData>> {
    let o = ctx.output(0);
    if !o.dtype().is_floating() {
        return Err(unsupported(func, o.dtype()));
    }
    let out = ArrayData::alloc(o.shape(), o.dtype(), ctx.device)?;
    fill(&out, o.dtype())?;
    Ok(vec![out])
}

/// `vjp` and `jvp` of a fast primitive: those of its composed reference (`self.reference`);
/// with `rowwise`, also the `vmap` of an op that works on the last axis only.
macro_rules! reference_rules {
    (rowwise) => {
        reference_rules!();
        fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
            rules::rowwise_vmap(|x| self.call(x), |x| self.reference(x), x, axes)
        }
    };
    () => {
        fn vjp(
            &self,
            p: &[Array],
            c: &[Array],
            argnums: &[usize],
            _: &[Array],
        ) -> Result<Vec<Array>> {
            rules::vjp(|x| self.reference(x), p, c, argnums)
        }
        fn jvp(
            &self,
            p: &[Array],
            t: &[Array],
            argnums: &[usize],
            _: &[Array],
        ) -> Result<Vec<Array>> {
            rules::jvp(|x| self.reference(x), p, t, argnums)
        }
    };
}

/// The `RMSNorm` / `LayerNorm` kernel: `kind` over the last axis of input 0.
fn run_norm(
    ctx: &KernelCtx<'_>,
    func: &str,
    kind: Norm,
    w: Option<&ArrayData>,
    b: Option<&ArrayData>,
    eps: f32,
) -> Result<Vec<ArrayData>> {
    with_output(ctx, func, |out, dt| {
        dispatch_float!(dt, T => {
            // SAFETY: a fresh output buffer, exclusively ours.
            let dst = unsafe { out.dense_mut::<T>() };
            normalize::<T>(kind, ctx.input(0), ctx.inputs[0].shape(), w, b, eps, dst);
        }, else => {});
        Ok(())
    })
}

/// `RMSNorm`: root-mean-square normalization of the last axis.
#[derive(Debug, Clone)]
pub(crate) struct RmsNorm {
    pub eps: f32,
    pub has_weight: bool,
}

impl RmsNorm {
    fn weight<'a>(&self, x: &'a [Array]) -> Option<&'a Array> {
        self.has_weight.then(|| &x[1])
    }
    fn reference(&self, x: &[Array]) -> Result<Array> {
        fallback::rms_norm(&x[0], self.weight(x), self.eps)
    }
    fn call(&self, x: &[Array]) -> Result<Array> {
        fast_ops::rms_norm(&x[0], self.weight(x), self.eps)
    }
}

impl Primitive for RmsNorm {
    fn name(&self) -> String {
        "RMSNorm".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let w = self.has_weight.then(|| ctx.input(1));
        run_norm(ctx, "rms_norm", Norm::Rms, w, None, self.eps)
    }
    reference_rules!(rowwise);
}

/// `LayerNorm`: layer normalization of the last axis.
#[derive(Debug, Clone)]
pub(crate) struct LayerNorm {
    pub eps: f32,
    pub has_weight: bool,
    pub has_bias: bool,
}

impl LayerNorm {
    fn params<'a>(&self, x: &'a [Array]) -> (Option<&'a Array>, Option<&'a Array>) {
        let w = self.has_weight.then(|| &x[1]);
        let b = self.has_bias.then(|| &x[1 + self.has_weight as usize]);
        (w, b)
    }
    fn reference(&self, x: &[Array]) -> Result<Array> {
        let (w, b) = self.params(x);
        fallback::layer_norm(&x[0], w, b, self.eps)
    }
    fn call(&self, x: &[Array]) -> Result<Array> {
        let (w, b) = self.params(x);
        fast_ops::layer_norm(&x[0], w, b, self.eps)
    }
}

impl Primitive for LayerNorm {
    fn name(&self) -> String {
        "LayerNorm".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let w = self.has_weight.then(|| ctx.input(1));
        let b = self
            .has_bias
            .then(|| ctx.input(1 + self.has_weight as usize));
        run_norm(ctx, "layer_norm", Norm::Layer, w, b, self.eps)
    }
    reference_rules!(rowwise);
}

/// `RoPE`: rotary positional encoding.
#[derive(Debug, Clone)]
pub(crate) struct Rope {
    pub dims: usize,
    pub traditional: bool,
    /// The base (unused with `freqs`).
    pub base: f32,
    pub scale: f32,
    /// The constant offset (unused with an offset array).
    pub offset: i32,
    pub has_offset_array: bool,
    pub has_freqs: bool,
}

impl Rope {
    fn args<'a>(&self, x: &'a [Array]) -> (RopeOffset, Option<&'a Array>, Option<f32>) {
        let offset = if self.has_offset_array {
            RopeOffset::Array(x[1].clone())
        } else {
            RopeOffset::Int(self.offset)
        };
        let freqs = self
            .has_freqs
            .then(|| &x[1 + self.has_offset_array as usize]);
        let base = (!self.has_freqs).then_some(self.base);
        (offset, freqs, base)
    }
    pub(crate) fn reference(&self, x: &[Array]) -> Result<Array> {
        let (o, f, base) = self.args(x);
        fallback::rope(
            &x[0],
            self.dims as i32,
            self.traditional,
            base,
            self.scale,
            &o,
            f,
        )
    }
    pub(crate) fn call(&self, x: &[Array]) -> Result<Array> {
        let (o, f, base) = self.args(x);
        fast_ops::rope(
            &x[0],
            self.dims as i32,
            self.traditional,
            base,
            self.scale,
            &o,
            f,
        )
    }
    /// Whether the offsets are one per batch element (not one for all).
    pub(crate) fn per_batch_offsets(&self, x: &[Array]) -> bool {
        self.has_offset_array && x[1].size() != 1
    }
}

impl Primitive for Rope {
    fn name(&self) -> String {
        "RoPE".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let params = RopeParams {
            dims: self.dims,
            traditional: self.traditional,
            base: self.base,
            scale: self.scale,
            offset: self.offset,
        };
        let shape = ctx.inputs[0].shape();
        let offsets = self.has_offset_array.then(|| {
            let n = if ctx.inputs[1].size() == 1 {
                1
            } else {
                shape[0] as usize
            };
            (ctx.input(1), n)
        });
        let freqs = self
            .has_freqs
            .then(|| ctx.input(1 + self.has_offset_array as usize));
        with_output(ctx, "rope", |out, dt| {
            dispatch_float!(dt, T => {
                // SAFETY: a fresh output buffer, exclusively ours.
                let dst = unsafe { out.dense_mut::<T>() };
                rope::<T>(ctx.input(0), shape, &params, offsets, freqs, dst)
            }, else => Ok(()))
        })
    }
    reference_rules!();
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::rope_vmap(self, x, axes)
    }
}

/// The kind of mask a `ScaledDotProductAttention` node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaskKind {
    None,
    Causal,
    Bool,
    Additive,
}

/// `ScaledDotProductAttention`: attention with grouped-query heads, a mask and sinks.
#[derive(Debug, Clone)]
pub(crate) struct Sdpa {
    pub scale: f32,
    pub mask: MaskKind,
    pub has_sinks: bool,
}

impl Sdpa {
    pub(crate) fn mask_index(&self) -> Option<usize> {
        matches!(self.mask, MaskKind::Bool | MaskKind::Additive).then_some(3)
    }
    pub(crate) fn sinks_index(&self) -> Option<usize> {
        self.has_sinks
            .then(|| 3 + self.mask_index().is_some() as usize)
    }
    fn args<'a>(&self, x: &'a [Array]) -> (AttentionMask, Option<&'a Array>) {
        let mask = match self.mask {
            MaskKind::None => AttentionMask::None,
            MaskKind::Causal => AttentionMask::Causal,
            MaskKind::Bool | MaskKind::Additive => AttentionMask::Array(x[3].clone()),
        };
        (mask, self.sinks_index().map(|i| &x[i]))
    }
    pub(crate) fn reference(&self, x: &[Array]) -> Result<Array> {
        let (m, s) = self.args(x);
        fallback::scaled_dot_product_attention(&x[0], &x[1], &x[2], self.scale, &m, s)
    }
    pub(crate) fn call(&self, x: &[Array]) -> Result<Array> {
        let (m, s) = self.args(x);
        fast_ops::scaled_dot_product_attention(&x[0], &x[1], &x[2], self.scale, &m, s)
    }
}

/// Element strides of a mask of at most 4 dimensions broadcast to `[B, N_q, T_q, T_kv]`.
fn mask_strides(m: &ArrayData, shape: &[i32]) -> [i64; 4] {
    let mut st = [0i64; 4];
    let pad = 4 - shape.len();
    for (d, (&n, &s)) in shape.iter().zip(&m.strides).enumerate() {
        st[pad + d] = if n == 1 { 0 } else { s };
    }
    st
}

fn dims4(a: &Array) -> [usize; 4] {
    let s = a.shape();
    [s[0] as usize, s[1] as usize, s[2] as usize, s[3] as usize]
}

impl Primitive for Sdpa {
    fn name(&self) -> String {
        "ScaledDotProductAttention".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let mask = match (self.mask, self.mask_index()) {
            (MaskKind::Causal, _) => MaskData::Causal,
            (MaskKind::Bool, Some(i)) => MaskData::Bool(
                ctx.input(i),
                mask_strides(ctx.input(i), ctx.inputs[i].shape()),
            ),
            (MaskKind::Additive, Some(i)) => MaskData::Additive(
                ctx.input(i),
                mask_strides(ctx.input(i), ctx.inputs[i].shape()),
            ),
            _ => MaskData::None,
        };
        let a = Attention {
            q: ctx.input(0),
            k: ctx.input(1),
            v: ctx.input(2),
            q_shape: dims4(&ctx.inputs[0]),
            k_shape: dims4(&ctx.inputs[1]),
            v_shape: dims4(&ctx.inputs[2]),
            scale: self.scale,
            mask,
            sinks: self.sinks_index().map(|i| ctx.input(i)),
        };
        with_output(ctx, "scaled_dot_product_attention", |out, dt| {
            dispatch_float!(dt, T => {
                // SAFETY: a fresh output buffer, exclusively ours.
                let dst = unsafe { out.dense_mut::<T>() };
                attention::<T>(&a, dst)
            }, else => Ok(()))
        })
    }
    reference_rules!();
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::sdpa_vmap(self, x, axes)
    }
}

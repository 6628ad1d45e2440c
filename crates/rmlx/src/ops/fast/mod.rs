//! `fast`: MLX's fused operations (`mx.fast`): `rms_norm`, `layer_norm`, `rope` and
//! `scaled_dot_product_attention`.
//!
//! Each op validates its arguments as MLX does, casts its inputs to the output dtype and
//! builds one primitive (`RMSNorm`, `LayerNorm`, `RoPE`, `ScaledDotProductAttention`) whose
//! CPU kernel makes a single pass over the data in float32 (float64 for float64 inputs).
//! [`fallback`] holds the same computations written with plain ops: they are the reference
//! the kernels are tested against, and the primitives' transform rules differentiate them.

pub mod fallback;

use super::op_stream;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Result};
use crate::primitives::fast::{LayerNorm, MaskKind, RmsNorm, Rope, Sdpa};
use crate::shape::{broadcast_shapes, fmt_shape};

/// The position offset of [`rope`]: a constant, or an integer array (a scalar, or one
/// offset per batch element).
#[derive(Debug, Clone)]
pub enum RopeOffset {
    /// The same offset for every batch element.
    Int(i32),
    /// An integer array: a scalar, or one offset per batch element.
    Array(Array),
}

/// The mask of [`scaled_dot_product_attention`].
#[derive(Debug, Clone, Default)]
pub enum AttentionMask {
    /// No mask.
    #[default]
    None,
    /// Lower-right aligned: query `i` sees keys `j <= i + T_kv - T_q`.
    Causal,
    /// A boolean mask (true keeps a score) or an additive one, broadcastable to
    /// `[B, N_q, T_q, T_kv]`, of at most 4 dimensions.
    Array(Array),
}

fn cast(a: &Array, dt: Dtype) -> Result<Array> {
    if a.dtype() == dt {
        Ok(a.clone())
    } else {
        super::astype(a, dt)
    }
}

/// Checks a 1-D per-feature parameter of a normalization (`weight` or `bias`).
fn check_param(func: &str, what: &str, p: &Array, n: i32) -> Result<()> {
    if p.ndim() != 1 {
        bail!(
            "[{func}] {what} must have 1 dimension but has {} dimensions.",
            p.ndim()
        );
    }
    if p.shape()[0] != n {
        bail!(
            "[{func}] {what} must have the same size as the last dimension of x but has {} elements.",
            p.shape()[0]
        );
    }
    Ok(())
}

fn check_rank(func: &str, x: &Array) -> Result<i32> {
    if x.ndim() == 0 {
        bail!("[{func}] Input must have at least 1 dimension but got input with 0 dimensions.");
    }
    Ok(x.shape()[x.ndim() - 1])
}

/// Root-mean-square normalization over the last axis: `x / sqrt(mean(x²) + eps) * weight`.
///
/// The output dtype is `x`'s, promoted with `weight`'s when given; it must be floating.
/// `weight` is 1-D with the size of `x`'s last axis.
pub fn rms_norm(x: &Array, weight: Option<&Array>, eps: f32) -> Result<Array> {
    let n = check_rank("rms_norm", x)?;
    let mut dt = x.dtype();
    if let Some(w) = weight {
        check_param("rms_norm", "(*weight)", w, n)?;
        dt = promote_types(dt, w.dtype());
    }
    if !dt.is_floating() {
        bail!("[rms_norm] Received unsupported type {dt}.");
    }
    let mut inputs = vec![cast(x, dt)?];
    if let Some(w) = weight {
        inputs.push(cast(w, dt)?);
    }
    let prim = RmsNorm {
        eps,
        has_weight: weight.is_some(),
    };
    Ok(Array::from_op(
        x.shape().to_vec(),
        dt,
        op_stream("rms_norm")?,
        prim,
        inputs,
    ))
}

/// Layer normalization over the last axis: `(x - mean) / sqrt(var + eps) * weight + bias`.
///
/// The output dtype is the promotion of the given arrays' dtypes when `weight` is given,
/// else `x`'s; it must be floating.
/// `weight` and `bias` are 1-D with the size of `x`'s last axis.
pub fn layer_norm(
    x: &Array,
    weight: Option<&Array>,
    bias: Option<&Array>,
    eps: f32,
) -> Result<Array> {
    let n = check_rank("layer_norm", x)?;
    let mut dt = x.dtype();
    for (what, p) in [("weight", weight), ("bias", bias)] {
        if let Some(p) = p {
            check_param("layer_norm", what, p, n)?;
        }
    }
    // As in MLX: with a weight, the promotion of every given array; without, x's dtype.
    if let Some(w) = weight {
        dt = promote_types(dt, w.dtype());
        if let Some(b) = bias {
            dt = promote_types(dt, b.dtype());
        }
    }
    if !dt.is_floating() {
        bail!("[layer_norm] Received unsupported type {dt}.");
    }
    let mut inputs = vec![cast(x, dt)?];
    for p in [weight, bias].into_iter().flatten() {
        inputs.push(cast(p, dt)?);
    }
    let prim = LayerNorm {
        eps,
        has_weight: weight.is_some(),
        has_bias: bias.is_some(),
    };
    Ok(Array::from_op(
        x.shape().to_vec(),
        dt,
        op_stream("layer_norm")?,
        prim,
        inputs,
    ))
}

/// Rotary positional encoding of the first `dims` features of the last axis of `x`
/// (shape `(B, *, T, D)`): feature pairs — `(i, i + dims/2)`, or `(2i, 2i+1)` when
/// `traditional` — are rotated by the angle `(offset + t) · scale · f_i`, where `t` is the
/// position along axis -2 and `f_i = base^(-2i/dims)` or `1 / freqs[i]`. Exactly one of
/// `base` and `freqs` must be given. An array `offset` is an integer scalar or holds one
/// offset per batch element. The remaining features are copied.
pub fn rope(
    x: &Array,
    dims: i32,
    traditional: bool,
    base: Option<f32>,
    scale: f32,
    offset: &RopeOffset,
    freqs: Option<&Array>,
) -> Result<Array> {
    let nd = x.ndim();
    if nd < 3 {
        bail!("[rope] Input must have at least 3 dimensions but got input with {nd} dimensions.");
    }
    if !x.dtype().is_floating() {
        bail!(
            "[rope] Input must be a floating type but got {}.",
            x.dtype()
        );
    }
    let d = x.shape()[nd - 1];
    if dims <= 0 {
        bail!("[rope] dims must be positive but got {dims}.");
    }
    if dims % 2 != 0 {
        bail!("[rope] dims must be even but got {dims}.");
    }
    if dims > d {
        bail!("[rope] dims must not exceed the input's last dimension ({d}) but got {dims}.");
    }
    match (base, freqs) {
        (Some(_), Some(_)) => bail!("[rope] Only one of base or freqs can have a value."),
        (None, None) => bail!("[rope] Neither base nor freqs has a value."),
        _ => {}
    }
    if let Some(f) = freqs {
        if f.ndim() != 1 || f.shape()[0] != dims / 2 {
            bail!(
                "[rope] freqs must be one dimensional with size {} but got shape {}.",
                dims / 2,
                fmt_shape(f.shape())
            );
        }
    }
    let batch = x.shape()[0];
    let dt = x.dtype();
    let calc = fallback::compute_dtype(dt);
    let mut inputs = vec![x.clone()];
    let (const_offset, has_offset_array) = match offset {
        RopeOffset::Int(o) => (*o, false),
        RopeOffset::Array(o) => {
            if !o.dtype().is_integer() {
                bail!(
                    "[rope] offset must be an integer but got type {}.",
                    o.dtype()
                );
            }
            if o.ndim() > 1 {
                bail!(
                    "[rope] offset must have at most one dimension but has shape {}.",
                    fmt_shape(o.shape())
                );
            }
            if o.ndim() == 1 && o.size() != 1 && o.shape()[0] != batch {
                bail!(
                    "[rope] offset must be a scalar or vector with {batch} elements but has shape {}.",
                    fmt_shape(o.shape())
                );
            }
            inputs.push(cast(o, Dtype::Int32)?);
            (0, true)
        }
    };
    if let Some(f) = freqs {
        inputs.push(cast(f, calc)?);
    }
    let prim = Rope {
        dims: dims as usize,
        traditional,
        base: base.unwrap_or(0.0),
        scale,
        offset: const_offset,
        has_offset_array,
        has_freqs: freqs.is_some(),
    };
    Ok(Array::from_op(
        x.shape().to_vec(),
        dt,
        op_stream("rope")?,
        prim,
        inputs,
    ))
}

const SDPA: &str = "scaled_dot_product_attention";

/// Validates the shapes of `q`, `k`, `v` as MLX does; returns the number of query heads
/// per key/value head.
fn check_qkv(q: &Array, k: &Array, v: &Array) -> Result<()> {
    for a in [q, k, v] {
        if a.ndim() != 4 {
            bail!(
                "[{SDPA}] input with shape {} expected to be rank 4",
                fmt_shape(a.shape())
            );
        }
    }
    let (qs, ks, vs) = (q.shape(), k.shape(), v.shape());
    for s in [ks, vs] {
        if s[0] != qs[0] {
            bail!(
                "[{SDPA}] mismatching batch dimension for input with shape {}.",
                fmt_shape(s)
            );
        }
    }
    if qs[3] != ks[3] {
        bail!(
            "[{SDPA}] query, keys expected to have matching last dimension; found query shape {} for keys shape {}.",
            fmt_shape(qs),
            fmt_shape(ks)
        );
    }
    if ks[1] != vs[1] {
        bail!(
            "[{SDPA}] keys, values expected to have matching n_kv_heads; found keys with n_heads {} for values with n_heads {}.",
            ks[1],
            vs[1]
        );
    }
    if ks[1] == 0 || qs[1] % ks[1] != 0 {
        bail!(
            "[{SDPA}] n_heads must be a multiple of n_kv_heads, found n_heads {} for n_kv_heads {}.",
            qs[1],
            ks[1]
        );
    }
    if ks[2] != vs[2] {
        bail!(
            "[{SDPA}] keys, values expected to have matching sequence length; found keys shape {} for values shape {}.",
            fmt_shape(ks),
            fmt_shape(vs)
        );
    }
    Ok(())
}

/// The output dtype of attention over `q`, `k`, `v` (floating, else an error).
fn attention_dtype(q: &Array, k: &Array, v: &Array) -> Result<Dtype> {
    let dt = promote_types(promote_types(q.dtype(), k.dtype()), v.dtype());
    if !dt.is_floating() {
        bail!("[{SDPA}] Received unsupported type {dt}.");
    }
    Ok(dt)
}

/// `softmax(scale · q kᵀ + mask) v` per head, with grouped-query heads: `q` is
/// `[B, N_q, T_q, D]`, `k` is `[B, N_kv, T_kv, D]` and `v` `[B, N_kv, T_kv, D_v]`, with `N_q`
/// a multiple of `N_kv` (query head `h` uses key/value head `h / (N_q / N_kv)`). The result
/// is `[B, N_q, T_q, D_v]` in the promoted dtype of `q`, `k`, `v`; the softmax is computed
/// in float32 (float64 for float64). Masked-out scores (boolean or causal masks) take the
/// lowest finite value of the dtype, so a fully masked row averages every value, as in MLX.
/// `sinks` (`[N_q]`) adds one logit per head to every softmax without a value.
pub fn scaled_dot_product_attention(
    q: &Array,
    k: &Array,
    v: &Array,
    scale: f32,
    mask: &AttentionMask,
    sinks: Option<&Array>,
) -> Result<Array> {
    check_qkv(q, k, v)?;
    let dt = attention_dtype(q, k, v)?;
    let (qs, ks, vs) = (q.shape(), k.shape(), v.shape());
    let out_shape = vec![qs[0], qs[1], qs[2], vs[3]];
    let mut inputs = vec![cast(q, dt)?, cast(k, dt)?, cast(v, dt)?];
    let kind = match mask {
        AttentionMask::None => MaskKind::None,
        AttentionMask::Causal => MaskKind::Causal,
        AttentionMask::Array(m) => {
            if m.ndim() > 4 {
                bail!(
                    "[{SDPA}] the mask with shape {} expected to have at most rank 4.",
                    fmt_shape(m.shape())
                );
            }
            let scores = [qs[0], qs[1], qs[2], ks[2]];
            let b = broadcast_shapes(m.shape(), &scores)?;
            if b != scores {
                bail!(
                    "[{SDPA}] the mask with shape {} cannot be broadcast to the scores' shape {}.",
                    fmt_shape(m.shape()),
                    fmt_shape(&scores)
                );
            }
            if m.dtype() == Dtype::Bool {
                inputs.push(m.clone());
                MaskKind::Bool
            } else {
                if promote_types(m.dtype(), dt) != dt {
                    bail!("[{SDPA}] Mask type must promote to output type {dt}.");
                }
                inputs.push(cast(m, dt)?);
                MaskKind::Additive
            }
        }
    };
    if let Some(s) = sinks {
        if s.ndim() != 1 || s.shape()[0] != qs[1] {
            bail!(
                "[{SDPA}] Received invalid shape for sinks {}.",
                fmt_shape(s.shape())
            );
        }
        inputs.push(cast(s, fallback::compute_dtype(dt))?);
    }
    let prim = Sdpa {
        scale,
        mask: kind,
        has_sinks: sinks.is_some(),
    };
    Ok(Array::from_op(
        out_shape,
        dt,
        op_stream(SDPA)?,
        prim,
        inputs,
    ))
}

//! Rules of the fast primitives. Derivatives are those of the composed reference
//! (`ops::fast::fallback`) on the primitive's inputs, through `composite`: the gradients of
//! a fast op equal its composition's by construction, and can be transformed again.
//! Integer and boolean inputs (rope offsets, boolean masks) get zero cotangents and carry
//! no tangent.
//!
//! Batching folds the batch axis into a leading axis and calls the fast op again where
//! that is exact (a normalized input with shared parameters; rope and attention inputs
//! whose mask, sinks and frequencies are shared); anything else maps the composition.

use super::batching::batch_first;
use super::composite;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::fast::{Rope, Sdpa};
use crate::primitives::VmapResult;

fn differentiable(x: &Array) -> bool {
    x.dtype().is_inexact()
}

/// Cotangents of `p[argnums]` for the single-output computation `f` of all inputs.
pub(crate) fn vjp(
    f: impl Fn(&[Array]) -> Result<Array>,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let diff: Vec<usize> = argnums
        .iter()
        .copied()
        .filter(|&i| differentiable(&p[i]))
        .collect();
    let mut grads = if diff.is_empty() {
        Vec::new()
    } else {
        composite::vjp(&f, p, c, &diff)?
    }
    .into_iter();
    argnums
        .iter()
        .map(|&i| {
            if differentiable(&p[i]) {
                grads
                    .next()
                    .ok_or_else(|| crate::Error::Runtime("[vjp] missing cotangent.".into()))
            } else {
                ops::zeros_like(&p[i])
            }
        })
        .collect()
}

/// The output tangent of `f` given the tangents `t` of `p[argnums]`.
pub(crate) fn jvp(
    f: impl Fn(&[Array]) -> Result<Array>,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let (diff, tangents): (Vec<usize>, Vec<Array>) = argnums
        .iter()
        .zip(t)
        .filter(|(&i, _)| differentiable(&p[i]))
        .map(|(&i, t)| (i, t.clone()))
        .unzip();
    if diff.is_empty() {
        // Only integer inputs vary: the output does not move.
        return Ok(vec![ops::zeros_like(&f(p)?)?]);
    }
    composite::jvp(&f, p, &tangents, &diff)
}

/// Batching of a last-axis normalization: a batched input with shared parameters is
/// normalized as one larger array (batch axis first); batched parameters map `reference`.
pub(crate) fn rowwise_vmap(
    call: impl Fn(&[Array]) -> Result<Array>,
    reference: impl Fn(&[Array]) -> Result<Array>,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    if axes[0].is_some() && axes[1..].iter().all(Option::is_none) {
        let mut inputs = x.to_vec();
        inputs[0] = batch_first(&x[0], axes[0])?;
        return Ok((vec![call(&inputs)?], vec![Some(0)]));
    }
    composite::vmap(reference, x, axes)
}

/// `x` (batch axis first, size `n`) with its two leading axes merged.
fn fold(x: &Array) -> Result<Array> {
    let s = x.shape();
    let mut shape = vec![s[0] * s[1]];
    shape.extend_from_slice(&s[2..]);
    ops::reshape(x, &shape)
}

/// `y` with its leading axis split into `(n, rest)`.
fn unfold(y: &Array, n: i32) -> Result<Array> {
    let s = y.shape();
    let mut shape = vec![n, s[0] / n.max(1)];
    shape.extend_from_slice(&s[1..]);
    ops::reshape(y, &shape)
}

/// `x` repeated `n` times along a new leading axis.
fn tile_front(x: &Array, n: i32) -> Result<Array> {
    let mut shape = vec![n];
    shape.extend_from_slice(x.shape());
    ops::broadcast_to(&ops::expand_dims(x, &[0])?, &shape)
}

/// Batching of `RoPE`: a batched input with shared offsets and frequencies is rotated as
/// one array with the batch folded into the leading (batch) axis, per-example offsets
/// repeated for every batch element.
pub(crate) fn rope_vmap(p: &Rope, x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    if axes[0].is_none() || axes[1..].iter().any(Option::is_some) {
        return composite::vmap(|v| p.reference(v), x, axes);
    }
    let xb = batch_first(&x[0], axes[0])?;
    let n = xb.shape()[0];
    let mut inputs = x.to_vec();
    if !p.per_batch_offsets(x) {
        // The rotation depends only on the position axis: the batch is one more head axis.
        inputs[0] = xb;
        return Ok((vec![p.call(&inputs)?], vec![Some(0)]));
    }
    inputs[0] = fold(&xb)?;
    inputs[1] = ops::reshape(&tile_front(&x[1], n)?, &[-1])?;
    Ok((vec![unfold(&p.call(&inputs)?, n)?], vec![Some(0)]))
}

/// Batching of `ScaledDotProductAttention`: with a shared mask and sinks, the batch is
/// folded into the batch axis of q, k and v (unbatched ones repeated), and a mask with a
/// batch axis of its own is repeated to match.
pub(crate) fn sdpa_vmap(p: &Sdpa, x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    if axes[3..].iter().any(Option::is_some) {
        return composite::vmap(|v| p.reference(v), x, axes);
    }
    let Some(n) = x[..3]
        .iter()
        .zip(axes)
        .find_map(|(a, ax)| ax.map(|ax| a.shape()[ax]))
    else {
        return composite::vmap(|v| p.reference(v), x, axes);
    };
    let mut inputs = x.to_vec();
    for i in 0..3 {
        let b = match axes[i] {
            Some(_) => batch_first(&x[i], axes[i])?,
            None => tile_front(&x[i], n)?,
        };
        inputs[i] = fold(&b)?;
    }
    if let Some(mi) = p.mask_index() {
        let m = &x[mi];
        if m.ndim() == 4 && m.shape()[0] != 1 {
            inputs[mi] = fold(&tile_front(m, n)?)?;
        }
    }
    Ok((vec![unfold(&p.call(&inputs)?, n)?], vec![Some(0)]))
}

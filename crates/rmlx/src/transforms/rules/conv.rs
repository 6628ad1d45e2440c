//! Rules of `Convolution` (see `primitives/conv.rs` for its geometry). Both gradients are
//! convolutions again, built with `conv_raw` so they can be differentiated once more:
//! - the input's cotangent convolves the output cotangent (dilated by the stride) with the
//!   weight's input/output channels swapped per group and the kernel flipped;
//! - the weight's cotangent convolves the input (channels as the batch, the batch as the
//!   channels) with the output cotangent as the kernel, dilated by the stride.
//!
//! The paddings these produce may be negative (they crop the dilated operand): the
//! primitive accepts that, unlike the user-facing op.

use super::batching::batch_first;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::ops::conv::conv_raw;
use crate::primitives::conv::Convolution;
use crate::primitives::VmapResult;

/// Axis list `[a, from..to, b..]` as i32 for `transpose_axes`.
fn axes(parts: &[&[usize]]) -> Vec<i32> {
    parts
        .iter()
        .flat_map(|p| p.iter().map(|&a| a as i32))
        .collect()
}

/// Cotangent of the input `x` (shape `[N, L.., C]`).
fn input_cotangent(p: &Convolution, x: &Array, w: &Array, cot: &Array) -> Result<Array> {
    let nd = x.ndim() - 2;
    let (xs, ws, cs) = (x.shape(), w.shape(), cot.shape());
    let g = p.groups;
    let (c, o) = (xs[nd + 1], ws[0]);
    let (cg, og) = (c / g, o / g);
    let spatial: Vec<usize> = (2..2 + nd).collect();
    // [O, K.., Cg] -> [G, Og, K.., Cg] -> [G, Cg, K.., Og] -> [C, K.., Og]
    let mut split = vec![g, og];
    split.extend_from_slice(&ws[1..=nd]);
    split.push(cg);
    let wt = ops::transpose_axes(
        &ops::reshape(w, &split)?,
        &axes(&[&[0, nd + 2], &spatial, &[1]]),
    )?;
    let mut merged = vec![c];
    merged.extend_from_slice(&ws[1..=nd]);
    merged.push(og);
    let wt = ops::reshape(&wt, &merged)?;
    let mut q = Convolution {
        stride: p.input_dilation.clone(),
        pad_lo: vec![0; nd],
        pad_hi: vec![0; nd],
        kernel_dilation: p.kernel_dilation.clone(),
        input_dilation: p.stride.clone(),
        groups: g,
        flip: !p.flip,
    };
    for d in 0..nd {
        let (l, k, lo) = (xs[1 + d], ws[1 + d], p.pad_lo[d]);
        let (s, kd, id) = (p.stride[d], p.kernel_dilation[d], p.input_dilation[d]);
        q.pad_lo[d] = (k - 1) * kd - lo;
        q.pad_hi[d] = (l - 1) * id + lo - (cs[1 + d] - 1) * s;
    }
    conv_raw(cot, &wt, q)
}

/// Cotangent of the weight `w` (shape `[O, K.., Cg]`).
fn weight_cotangent(p: &Convolution, x: &Array, w: &Array, cot: &Array) -> Result<Array> {
    let nd = x.ndim() - 2;
    let (xs, ws, cs) = (x.shape(), w.shape(), cot.shape());
    let g = p.groups;
    let (n, c) = (xs[0], xs[nd + 1]);
    let cg = c / g;
    let spatial: Vec<usize> = (1..=nd).collect();
    // x: [N, L.., C] -> [N, L.., G, Cg] -> [Cg, L.., G, N] -> [Cg, L.., G·N]
    let mut split = xs[..=nd].to_vec();
    split.extend_from_slice(&[g, cg]);
    let xt = ops::transpose_axes(
        &ops::reshape(x, &split)?,
        &axes(&[&[nd + 2], &spatial, &[nd + 1, 0]]),
    )?;
    let mut merged = vec![cg];
    merged.extend_from_slice(&xs[1..=nd]);
    merged.push(g * n);
    let xt = ops::reshape(&xt, &merged)?;
    // cot: [N, M.., O] -> [O, M.., N]
    let ct = ops::transpose_axes(cot, &axes(&[&[nd + 1], &spatial, &[0]]))?;
    let mut q = Convolution {
        stride: p.kernel_dilation.clone(),
        pad_lo: p.pad_lo.clone(),
        pad_hi: vec![0; nd],
        kernel_dilation: p.stride.clone(),
        input_dilation: p.input_dilation.clone(),
        groups: g,
        flip: false,
    };
    for d in 0..nd {
        let span = Convolution::dilated(xs[1 + d], p.input_dilation[d]) as i32;
        let (k, m) = (ws[1 + d], cs[1 + d]);
        q.pad_hi[d] =
            (k - 1) * p.kernel_dilation[d] + (m - 1) * p.stride[d] + 1 - span - p.pad_lo[d];
    }
    // [Cg, K.., O], indexed by the tap actually read: reversed when the kernel is flipped.
    let mut r = conv_raw(&xt, &ct, q)?;
    if p.flip {
        for d in 1..=nd {
            r = ops::slice_axis(&r, d as i32, ops::SliceArg::rev())?;
        }
    }
    ops::transpose_axes(&r, &axes(&[&[nd + 1], &spatial, &[0]]))
}

pub(crate) fn vjp(
    p: &Convolution,
    primals: &[Array],
    cot: &Array,
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let (x, w) = (&primals[0], &primals[1]);
    // Nothing flows through an empty convolution (and its shapes would be degenerate).
    let empty = cot.size() == 0 || x.size() == 0 || w.size() == 0;
    argnums
        .iter()
        .map(|&i| {
            let like = &primals[i];
            if empty {
                ops::zeros_like(like)
            } else if i == 0 {
                input_cotangent(p, x, w, cot)
            } else {
                weight_cotangent(p, x, w, cot)
            }
        })
        .collect()
}

pub(crate) fn jvp(
    p: &Convolution,
    primals: &[Array],
    tangents: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    // Bilinear: the tangent is the sum of the convolutions with one operand's tangent.
    let mut acc: Option<Array> = None;
    for (&i, t) in argnums.iter().zip(tangents) {
        let term = if i == 0 {
            conv_raw(t, &primals[1], p.clone())?
        } else {
            conv_raw(&primals[0], t, p.clone())?
        };
        acc = Some(match acc {
            Some(s) => ops::add(&s, &term)?,
            None => term,
        });
    }
    match acc {
        Some(s) => Ok(vec![s]),
        None => Ok(vec![ops::zeros_like(&conv_raw(
            &primals[0],
            &primals[1],
            p.clone(),
        )?)?]),
    }
}

pub(crate) fn vmap(p: &Convolution, inputs: &[Array], ax: &[Option<usize>]) -> Result<VmapResult> {
    let (x, w) = (&inputs[0], &inputs[1]);
    let nd = p.stride.len();
    if ax[1].is_none() {
        // A batched input only: the batch folds into N.
        let xb = batch_first(x, ax[0])?;
        let b = xb.shape()[0];
        let mut folded = vec![-1];
        folded.extend_from_slice(&xb.shape()[2..]);
        let out = conv_raw(&ops::reshape(&xb, &folded)?, w, p.clone())?;
        let mut shape = vec![b, xb.shape()[1]];
        shape.extend_from_slice(&out.shape()[1..]);
        return Ok((vec![ops::reshape(&out, &shape)?], vec![Some(0)]));
    }
    // A batched weight: each batch element becomes its own set of groups, with the input's
    // channels (batched or broadcast) laid out batch-major to match.
    let wb = batch_first(w, ax[1])?;
    let b = wb.shape()[0];
    let xb = match ax[0] {
        Some(_) => batch_first(x, ax[0])?,
        None => {
            let mut shape = vec![b];
            shape.extend_from_slice(x.shape());
            ops::broadcast_to(&ops::expand_dims(x, &[0])?, &shape)?
        }
    };
    let spatial: Vec<usize> = (2..2 + nd).collect();
    let xt = ops::transpose_axes(&xb, &axes(&[&[1], &spatial, &[0, nd + 2]]))?;
    let mut xshape = xt.shape()[..=nd].to_vec();
    xshape.push(-1);
    let xt = ops::reshape(&xt, &xshape)?;
    let mut wshape = vec![-1];
    wshape.extend_from_slice(&wb.shape()[2..]);
    let wt = ops::reshape(&wb, &wshape)?;
    let mut q = p.clone();
    q.groups = p.groups * b;
    let out = conv_raw(&xt, &wt, q)?;
    let mut oshape = out.shape()[..=nd].to_vec();
    oshape.extend_from_slice(&[b, wb.shape()[1]]);
    let out = ops::moveaxis(&ops::reshape(&out, &oshape)?, nd as i32 + 1, 0)?;
    Ok((vec![out], vec![Some(0)]))
}

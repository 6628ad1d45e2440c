//! Rules of the fused matrix products: `AddMM` (`alpha·a@b + beta·c`), `GatherMM`,
//! `SegmentedMM` and `BlockMaskedMM`. `AddMM` reuses the `Matmul` rules; the others are
//! written as their compositions of ops (gathered operands, a mask over the inner
//! dimension, tile masks expanded to elements) and transformed through them. Index,
//! segment and mask inputs get zero cotangents (the mask's scale factors too, as in MLX).

use super::batching::batch_first;
use super::{composite, k, linalg};
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::block_masked_mm::{BlockMaskedMM, MaskKind};
use crate::primitives::VmapResult;

/// `AddMM` inputs: `c` (broadcast to the output), `a`, `b`.
pub(crate) fn addmm_vjp(
    a_vec: bool,
    b_vec: bool,
    alpha: f64,
    beta: f64,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    argnums
        .iter()
        .map(|&i| {
            if i == 0 {
                return ops::multiply(&c[0], &k(beta, &c[0])?);
            }
            let g = linalg::vjp(a_vec, b_vec, &p[1..], c, &[i - 1])?.remove(0);
            ops::multiply(&g, &k(alpha, &g)?)
        })
        .collect()
}

pub(crate) fn addmm_jvp(
    a_vec: bool,
    b_vec: bool,
    alpha: f64,
    beta: f64,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let mut acc: Option<Array> = None;
    for (&i, tan) in argnums.iter().zip(t) {
        let term = if i == 0 {
            ops::multiply(tan, &k(beta, tan)?)?
        } else {
            let mut pp = [p[1].clone(), p[2].clone()];
            pp[i - 1] = tan.clone();
            let prod =
                linalg::jvp(a_vec, b_vec, &pp, std::slice::from_ref(tan), &[i - 1])?.remove(0);
            ops::multiply(&prod, &k(alpha, &prod)?)?
        };
        acc = Some(match acc {
            Some(s) => ops::add(&s, &term)?,
            None => term,
        });
    }
    match acc {
        Some(s) => Ok(vec![s]),
        None => Ok(vec![ops::zeros_like(&p[0])?]),
    }
}

/// Batched `alpha·a@b + beta·c`: the product's batching rule plus the scaled `c` with its
/// batch axis in front (an unbatched `c` broadcasts from the right).
pub(crate) fn addmm_vmap(
    a_vec: bool,
    b_vec: bool,
    alpha: f64,
    beta: f64,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let (mut prod, _) = linalg::vmap(a_vec, b_vec, &x[1..], &axes[1..])?;
    let prod = prod.remove(0);
    let c = batch_first(&x[0], axes[0])?;
    let c = if axes[0].is_some() {
        c
    } else {
        ops::expand_dims(&c, &[0])?
    };
    let r = ops::add(
        &ops::multiply(&prod, &k(alpha, &prod)?)?,
        &ops::multiply(&c, &k(beta, &c)?)?,
    )?;
    Ok((vec![r], vec![Some(0)]))
}

/// `GatherMM` as ops: inputs `a` (`A ++ [M, K]`, or `[K]`), `b` (`B ++ [K, N]`, or `[K]`),
/// then the int64 indices into the flattened batches of `a` and `b` (broadcast to `I`);
/// the output is `I ++ [M, N]` less the vector operands' axes.
pub(crate) fn gather_mm_composite(a_vec: bool, b_vec: bool, x: &[Array]) -> Result<Array> {
    let (a, b) = (&x[0], &x[1]);
    let a2 = if a_vec {
        ops::expand_dims(a, &[0])?
    } else {
        a.clone()
    };
    let b2 = if b_vec {
        ops::expand_dims(b, &[1])?
    } else {
        b.clone()
    };
    let (na, nb) = (a2.ndim(), b2.ndim());
    let a3 = ops::reshape(&a2, &[-1, a2.shape()[na - 2], a2.shape()[na - 1]])?;
    let b3 = ops::reshape(&b2, &[-1, b2.shape()[nb - 2], b2.shape()[nb - 1]])?;
    let r = ops::matmul(
        &ops::take(&a3, &x[2], Some(0))?,
        &ops::take(&b3, &x[3], Some(0))?,
    )?;
    let r = if b_vec {
        ops::squeeze_axes(&r, &[-1])?
    } else {
        r
    };
    if a_vec {
        ops::squeeze_axes(&r, &[if b_vec { -1 } else { -2 }])
    } else {
        Ok(r)
    }
}

/// `SegmentedMM` as ops: `a` (`[M, K]`) masked to each segment's `[start, end)` columns
/// (bounds clamped into `[0, K]`, as the kernel does), times `b` (`[K, N]`).
pub(crate) fn segmented_mm_composite(x: &[Array]) -> Result<Array> {
    let (a, b, seg) = (&x[0], &x[1], &x[2]);
    let kdim = a.shape()[1];
    let start = ops::slice_axis(seg, -1, ops::SliceArg::range(0, 1))?;
    let end = ops::slice_axis(seg, -1, ops::SliceArg::range(1, 2))?;
    let pos = ops::arange_of::<i64>(0, kdim as i64, 1)?;
    let inside = ops::logical_and(&ops::greater_equal(&pos, &start)?, &ops::less(&pos, &end)?)?;
    let mask = ops::expand_dims(&ops::astype(&inside, a.dtype())?, &[-2])?;
    ops::matmul(&ops::multiply(a, &mask)?, b)
}

/// A tile mask (`... ++ [tiles_r, tiles_c]`) as an element mask of `rows × cols`.
fn expand_tiles(mask: &Array, block: i32, rows: i32, cols: i32) -> Result<Array> {
    let m = ops::repeat(&ops::repeat(mask, block, Some(-1))?, block, Some(-2))?;
    let nd = m.ndim();
    let mut start = vec![0; nd];
    let mut stop = m.shape().to_vec();
    start[nd - 2] = 0;
    stop[nd - 2] = rows;
    stop[nd - 1] = cols;
    ops::slice(&m, &start, &stop, &vec![1; nd])
}

/// `x` with the element mask applied: dropped (`false`) or scaled.
fn apply_mask(x: &Array, mask: &Array, kind: MaskKind) -> Result<Array> {
    match kind {
        MaskKind::Keep => ops::where_(mask, x, &ops::zeros_like(x)?),
        MaskKind::Scale => ops::multiply(x, &ops::astype(mask, x.dtype())?),
    }
}

/// `BlockMaskedMM` as ops: inputs `a`, `b`, then the masks present (out, lhs, rhs), each
/// expanded from tiles to elements.
pub(crate) fn block_masked_mm_composite(p: &BlockMaskedMM, x: &[Array]) -> Result<Array> {
    let (a, b) = (&x[0], &x[1]);
    let (na, nb) = (a.ndim(), b.ndim());
    let (m, kk, n) = (a.shape()[na - 2], a.shape()[na - 1], b.shape()[nb - 1]);
    let bs = p.block as i32;
    let mut masks = x[2..].iter();
    let mask_out = p.mask_out.and_then(|kd| masks.next().map(|v| (v, kd)));
    let mask_lhs = p.mask_lhs.and_then(|kd| masks.next().map(|v| (v, kd)));
    let mask_rhs = p.mask_rhs.and_then(|kd| masks.next().map(|v| (v, kd)));
    let a = match mask_lhs {
        Some((v, kd)) => apply_mask(a, &expand_tiles(v, bs, m, kk)?, kd)?,
        None => a.clone(),
    };
    let b = match mask_rhs {
        Some((v, kd)) => apply_mask(b, &expand_tiles(v, bs, kk, n)?, kd)?,
        None => b.clone(),
    };
    let r = ops::matmul(&a, &b)?;
    match mask_out {
        Some((v, kd)) => apply_mask(&r, &expand_tiles(v, bs, m, n)?, kd),
        None => Ok(r),
    }
}

/// The inputs a product's vjp differentiates: the floating operands, never indices,
/// segments or masks (their cotangents are zeros).
pub(crate) fn operand_vjp<F>(
    f: F,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>>
where
    F: Fn(&[Array]) -> Result<Array>,
{
    let wanted: Vec<usize> = argnums.iter().copied().filter(|&i| i < 2).collect();
    let mut g = composite::vjp(&f, p, c, &wanted)?.into_iter();
    argnums
        .iter()
        .map(|&i| {
            if i < 2 {
                g.next().map_or_else(|| ops::zeros_like(&p[i]), Ok)
            } else {
                ops::zeros_like(&p[i])
            }
        })
        .collect()
}

/// The tangent of a product's output: only the floating operands carry tangents.
pub(crate) fn operand_jvp<F>(
    f: F,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>>
where
    F: Fn(&[Array]) -> Result<Array>,
{
    let (idx, tans): (Vec<usize>, Vec<Array>) = argnums
        .iter()
        .zip(t)
        .filter(|(&i, _)| i < 2)
        .map(|(&i, t)| (i, t.clone()))
        .unzip();
    if idx.is_empty() {
        return Ok(vec![ops::zeros_like(&o[0])?]);
    }
    composite::jvp(f, p, &tans, &idx)
}

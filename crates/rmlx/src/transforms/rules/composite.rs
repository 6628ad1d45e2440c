//! Rules by reference composition: a primitive that fuses several steps (a product with
//! gathered operands, a masked product, a padded gather, ...) gets its derivatives and its
//! batching from the same computation written with plain ops, transformed by the
//! transforms themselves. The results are graphs of ops on the primitive's inputs, so they
//! can be transformed again, and the math is the ops' (already tested) math.

use crate::array::Array;
use crate::error::Result;
use crate::primitives::VmapResult;
use crate::transforms;

/// `inputs` with the entries listed in `argnums` replaced by `values`.
fn with_args(inputs: &[Array], argnums: &[usize], values: &[Array]) -> Vec<Array> {
    let mut all = inputs.to_vec();
    for (&i, v) in argnums.iter().zip(values) {
        all[i] = v.clone();
    }
    all
}

/// The cotangents of `p[argnums]` for the single-output composition `f`.
pub(crate) fn vjp<F>(f: F, p: &[Array], c: &[Array], argnums: &[usize]) -> Result<Vec<Array>>
where
    F: Fn(&[Array]) -> Result<Array>,
{
    let leaves: Vec<Array> = argnums.iter().map(|&i| p[i].clone()).collect();
    let (_, g) = transforms::vjp(
        |l| Ok(vec![f(&with_args(p, argnums, l))?]),
        &leaves,
        &c[..1],
    )?;
    Ok(g)
}

/// The tangent of the output of `f` given those of `p[argnums]`.
pub(crate) fn jvp<F>(f: F, p: &[Array], t: &[Array], argnums: &[usize]) -> Result<Vec<Array>>
where
    F: Fn(&[Array]) -> Result<Array>,
{
    let leaves: Vec<Array> = argnums.iter().map(|&i| p[i].clone()).collect();
    let (_, tout) = transforms::jvp(|l| Ok(vec![f(&with_args(p, argnums, l))?]), &leaves, t)?;
    Ok(tout)
}

/// `f` mapped over the batch axes `axes` of `x`; the batch axis of the result is 0.
pub(crate) fn vmap<F>(f: F, x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult>
where
    F: Fn(&[Array]) -> Result<Array>,
{
    let in_axes: Vec<Option<i32>> = axes.iter().map(|a| a.map(|a| a as i32)).collect();
    let out = transforms::vmap(|l| Ok(vec![f(l)?]), x, &in_axes, &[0])?;
    Ok((out, vec![Some(0)]))
}

//! `mx.linalg.pinv` (from the SVD) and `mx.linalg.cross` (elementwise), composed of ops.

use super::linalg_decomp::{check_float, check_ndim};
use super::SliceArg;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Error, Result};
use crate::shape::normalize_axis_index;

/// Moore–Penrose pseudo-inverse of each matrix (`n × m` for an `m × n` input): singular
/// values below `eps · max(m, n) · σ_max` are treated as zero.
pub fn pinv(a: &Array) -> Result<Array> {
    check_float("pinv", a)?;
    check_ndim("pinv", a)?;
    let (m, n) = (a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]);
    let k = m.min(n);
    let batch = &a.shape()[..a.ndim() - 2];
    if k == 0 {
        return super::zeros(&[batch, &[n, m]].concat(), a.dtype());
    }
    let mut outs = super::svd(a, true)?;
    let (vt, s, u) = match (outs.pop(), outs.pop(), outs.pop()) {
        (Some(vt), Some(s), Some(u)) => (vt, s, u),
        _ => return Err(Error::Runtime("[linalg::pinv] svd gave no outputs".into())),
    };
    let uk = super::slice_axis(&u, -1, SliceArg::range(0, k))?;
    let vk = super::slice_axis(&vt, -2, SliceArg::range(0, k))?;
    let eps = if a.dtype() == Dtype::Float64 {
        f64::EPSILON
    } else {
        f32::EPSILON as f64
    };
    let cutoff = super::multiply(
        &super::max(&s, &[-1], true)?,
        &super::scalar_like(eps * m.max(n) as f64, &s)?,
    )?;
    let keep = super::greater(&s, &cutoff)?;
    let inv = super::where_(
        &keep,
        &super::reciprocal(&s)?,
        &super::scalar_like(0.0, &s)?,
    )?;
    // pinv = Vₖᵀ · diag(1/s) · Uₖᵀ
    let scaled = super::multiply(
        &super::swapaxes(&vk, -1, -2)?,
        &super::expand_dims(&inv, &[-2])?,
    )?;
    super::matmul(&scaled, &super::swapaxes(&uk, -1, -2)?)
}

/// Cross product along `axis` of vectors of size 2 or 3 (a size-2 vector has an implied
/// zero third component); the other axes broadcast.
pub fn cross(a: &Array, b: &Array, axis: i32) -> Result<Array> {
    let ax_a =
        normalize_axis_index("linalg::cross", axis, a.ndim()).map_err(cross_axis(axis, a))?;
    let ax_b =
        normalize_axis_index("linalg::cross", axis, b.ndim()).map_err(cross_axis(axis, b))?;
    let (sa, sb) = (a.shape()[ax_a], b.shape()[ax_b]);
    if !matches!(sa, 2 | 3) || !matches!(sb, 2 | 3) {
        bail!("[linalg::cross] The specified axis must have size 2 or 3.");
    }
    // Check the other axes broadcast (MLX reports it with broadcast_shapes' message).
    let other = |x: &Array, ax: usize| {
        let mut s = x.shape().to_vec();
        s[ax] = 3; // both sides are padded to 3 first
        s
    };
    crate::shape::broadcast_shapes(&other(a, ax_a), &other(b, ax_b))?;
    let dt = promote_types(a.dtype(), b.dtype());
    // Negative axes index the same dimension in both inputs and in the broadcast result.
    let neg_a = ax_a as i32 - a.ndim() as i32;
    let neg_b = ax_b as i32 - b.ndim() as i32;
    let comps = |x: &Array, neg: i32, size: i32| -> Result<Vec<Array>> {
        let x = super::astype(x, dt)?;
        let mut v = (0..size)
            .map(|i| super::slice_axis(&x, neg, SliceArg::range(i, i + 1)))
            .collect::<Result<Vec<_>>>()?;
        if size == 2 {
            v.push(super::zeros_like(&v[0])?);
        }
        Ok(v)
    };
    let x = comps(a, neg_a, sa)?;
    let y = comps(b, neg_b, sb)?;
    let term = |i: usize, j: usize| -> Result<Array> {
        super::subtract(
            &super::multiply(&x[i], &y[j])?,
            &super::multiply(&x[j], &y[i])?,
        )
    };
    let out = [term(1, 2)?, term(2, 0)?, term(0, 1)?];
    let neg = if a.ndim() >= b.ndim() { neg_a } else { neg_b };
    super::concatenate(&out, neg)
}

/// MLX's text for an out-of-range `axis` of `cross`.
fn cross_axis(axis: i32, x: &Array) -> impl Fn(Error) -> Error + '_ {
    move |_| {
        Error::Index(format!(
            "[linalg::cross] Axis {axis} is out of bounds for array with {} dimensions.",
            x.ndim()
        ))
    }
}

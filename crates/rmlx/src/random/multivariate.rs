//! `multivariate_normal`: MLX's construction from an SVD of the covariance.
//!
//! `cov = U·S·Vᵀ`; the factor `std = (U · sqrt(S)) · Vᵀ` (the symmetric square root of a
//! positive semi-definite covariance, so the result does not depend on the SVD's sign
//! choices); samples are `mean + z · std` for standard normal rows `z`. Values match MLX up
//! to the SVD's rounding (faer versus LAPACK), not bit for bit.

use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::ops;
use crate::shape::broadcast_shapes;

/// Samples of shape `broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + [n]`.
pub fn multivariate_normal(
    mean: &Array,
    cov: &Array,
    shape: &[i32],
    dtype: Dtype,
    key: Option<&Array>,
) -> Result<Array> {
    let (ms, cs) = (mean.shape(), cov.shape());
    let n = cs[cs.len() - 1];
    let batch = broadcast_shapes(&ms[..ms.len() - 1], &cs[..cs.len() - 2])?;
    let mut out_shape = broadcast_shapes(shape, &batch)?;
    out_shape.push(n);
    let c = ops::astype(cov, Dtype::Float32)?;
    let mut usv = ops::svd(&c, true)?;
    let (vt, s, u) = match (usv.pop(), usv.pop(), usv.pop()) {
        (Some(vt), Some(s), Some(u)) => (vt, s, u),
        _ => {
            return Err(Error::Runtime(
                "[multivariate_normal] the SVD gave no factors".into(),
            ))
        }
    };
    let scaled = ops::multiply(&u, &ops::expand_dims(&ops::sqrt(&s)?, &[-2])?)?;
    let std = ops::astype(&ops::matmul(&scaled, &vt)?, dtype)?;
    let z = super::normal(&out_shape, dtype, None, None, key)?;
    let prod = ops::matmul(&ops::expand_dims(&z, &[-2])?, &std)?;
    let scaled_out = ops::squeeze_axes(&prod, &[-2])?;
    ops::add(mean, &scaled_out)
}

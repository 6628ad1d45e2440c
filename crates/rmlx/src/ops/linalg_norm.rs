//! `mx.linalg.norm`: vector and matrix norms composed of reductions (and the SVD for the
//! spectral and nuclear norms), with MLX's `ord` rules and messages.

use crate::array::Array;
use crate::error::{bail, Error, Result};
use crate::shape::normalize_axis_index;

/// The `ord` argument of [`norm`].
#[derive(Debug, Clone, PartialEq)]
pub enum NormOrd {
    /// A number: `p` of a vector p-norm, or 1, -1, 2, -2, ±inf for matrices.
    Num(f64),
    /// `"fro"` or `"nuc"` (matrices only).
    Str(String),
}

/// Python's text for a number in MLX's messages (`3`, not `3.0`, for whole numbers).
fn fmt_num(p: f64) -> String {
    if p.is_finite() && p.fract() == 0.0 {
        format!("{}", p as i64)
    } else if p.is_infinite() {
        if p > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{p}")
    }
}

/// MLX's `linalg.norm`. `ord = None` with `axis = None` is the 2-norm of the flattened
/// array; with an `ord`, the array must be 1-D (vector norm) or 2-D (matrix norm). Integer
/// and bool inputs are computed in float32.
pub fn norm(
    a: &Array,
    ord: Option<&NormOrd>,
    axis: Option<&[i32]>,
    keepdims: bool,
) -> Result<Array> {
    let input_dtype = a.dtype();
    let a = if a.dtype().is_inexact() {
        a.clone()
    } else {
        super::astype(a, crate::dtype::Dtype::Float32)?
    };
    let axes: Vec<i32> = match axis {
        Some(ax) => ax.to_vec(),
        None => {
            if ord.is_none() {
                // The flattened 2-norm, reshaped to all-ones dims under keepdims.
                let r = super::sqrt(&super::sum_all(&abs_sq(&a)?, false)?)?;
                return if keepdims {
                    super::reshape(&r, &vec![1; a.ndim()])
                } else {
                    Ok(r)
                };
            }
            match a.ndim() {
                1 => vec![0],
                2 => vec![0, 1],
                _ => bail!("[linalg::norm] Received too many axes for norm."),
            }
        }
    };
    let mut norm_axes = Vec::with_capacity(axes.len());
    for &ax in &axes {
        norm_axes.push(normalize_axis_index("linalg::norm", ax, a.ndim())? as i32);
    }
    // The spectral and nuclear norms run the SVD on the input as given (MLX's rule: no
    // promotion of integer or half-precision inputs).
    let needs_svd = matches!(ord, Some(NormOrd::Num(p)) if p.abs() == 2.0)
        || matches!(ord, Some(NormOrd::Str(s)) if s == "nuc");
    if norm_axes.len() == 2
        && needs_svd
        && !matches!(
            input_dtype,
            crate::dtype::Dtype::Float32
                | crate::dtype::Dtype::Float64
                | crate::dtype::Dtype::Complex64
        )
    {
        bail!(
            "[linalg::svd] Arrays must have type float32, float64 or complex64. Received array \
             with type {input_dtype}."
        );
    }
    // MLX returns complex64 for a complex input's norms other than the 2-norm, 'fro' and
    // 'nuc' (the value is real; only the dtype differs).
    let complex_out = a.dtype().is_complex()
        && match (ord, norm_axes.len()) {
            (Some(NormOrd::Num(p)), 1) => *p != 2.0,
            (Some(NormOrd::Num(_)), 2) => true,
            _ => false,
        };
    let r = match norm_axes.len() {
        1 => vector_norm(&a, ord, norm_axes[0], keepdims),
        2 => {
            if norm_axes[0] == norm_axes[1] {
                bail!("Duplicate axes detected in reduction.");
            }
            matrix_norm(&a, ord, norm_axes[0], norm_axes[1], keepdims)
        }
        _ => bail!("[linalg::norm] Received too many axes for norm."),
    }?;
    if complex_out {
        super::astype(&r, a.dtype())
    } else {
        Ok(r)
    }
}

/// `|a|²` elementwise (real for complex input).
fn abs_sq(a: &Array) -> Result<Array> {
    if a.dtype().is_complex() {
        super::square(&super::abs(a)?)
    } else {
        super::square(a)
    }
}

fn vector_norm(a: &Array, ord: Option<&NormOrd>, axis: i32, keepdims: bool) -> Result<Array> {
    let ax = [axis];
    let p = match ord {
        None => 2.0,
        Some(NormOrd::Num(p)) => *p,
        Some(NormOrd::Str(s)) => bail!(
            "[linalg::norm] Norm '{s}' only supported for matrices, but received 1 axis/axes."
        ),
    };
    if p == 2.0 {
        return super::sqrt(&super::sum(&abs_sq(a)?, &ax, keepdims)?);
    }
    if p == 0.0 {
        let nz = super::not_equal(a, &super::scalar_like(0.0, a)?)?;
        return super::astype(&super::sum(&nz, &ax, keepdims)?, a.dtype());
    }
    let abs = super::abs(a)?;
    if p == f64::INFINITY {
        return super::max(&abs, &ax, keepdims);
    }
    if p == f64::NEG_INFINITY {
        return super::min(&abs, &ax, keepdims);
    }
    if p == 1.0 {
        return super::sum(&abs, &ax, keepdims);
    }
    let powered = super::power(&abs, &super::scalar_like(p, &abs)?)?;
    let s = super::sum(&powered, &ax, keepdims)?;
    super::power(&s, &super::scalar_like(1.0 / p, &s)?)
}

fn matrix_norm(a: &Array, ord: Option<&NormOrd>, r: i32, c: i32, keepdims: bool) -> Result<Array> {
    let both = [r, c];
    let squeeze = |x: Array| -> Result<Array> {
        if keepdims {
            Ok(x)
        } else {
            super::squeeze_axes(&x, &both)
        }
    };
    match ord {
        None => super::sqrt(&super::sum(&abs_sq(a)?, &both, keepdims)?),
        Some(NormOrd::Str(s)) if s == "fro" => {
            super::sqrt(&super::sum(&abs_sq(a)?, &both, keepdims)?)
        }
        Some(NormOrd::Str(s)) if s == "nuc" => singular_reduce(a, r, c, keepdims, Reduce::Sum),
        Some(NormOrd::Str(s)) => {
            bail!("[linalg::norm] Invalid ord value '{s}' for matrix norm.")
        }
        Some(NormOrd::Num(p)) => {
            let p = *p;
            let abs = || super::abs(a);
            if p == 1.0 || p == -1.0 {
                let s = super::sum(&abs()?, &[r], true)?;
                squeeze(if p > 0.0 {
                    super::max(&s, &[c], true)?
                } else {
                    super::min(&s, &[c], true)?
                })
            } else if p.is_infinite() {
                let s = super::sum(&abs()?, &[c], true)?;
                squeeze(if p > 0.0 {
                    super::max(&s, &[r], true)?
                } else {
                    super::min(&s, &[r], true)?
                })
            } else if p == 2.0 {
                singular_reduce(a, r, c, keepdims, Reduce::Max)
            } else if p == -2.0 {
                singular_reduce(a, r, c, keepdims, Reduce::Min)
            } else {
                bail!("[linalg::norm] Invalid ord {} for matrix norm.", fmt_num(p))
            }
        }
    }
}

enum Reduce {
    Sum,
    Max,
    Min,
}

/// A reduction of the singular values of the matrices spanned by axes `r` and `c`.
fn singular_reduce(a: &Array, r: i32, c: i32, keepdims: bool, how: Reduce) -> Result<Array> {
    let nd = a.ndim() as i32;
    let mut perm: Vec<i32> = (0..nd).filter(|&i| i != r && i != c).collect();
    perm.extend([r, c]);
    let m = super::transpose_axes(a, &perm)?;
    let s = super::svd(&m, false)?
        .pop()
        .ok_or_else(|| Error::Runtime("[linalg::norm] svd gave no output".into()))?;
    let out = match how {
        Reduce::Sum => super::sum(&s, &[-1], false)?,
        Reduce::Max => super::max(&s, &[-1], false)?,
        Reduce::Min => super::min(&s, &[-1], false)?,
    };
    if keepdims {
        let mut ax = [r, c];
        ax.sort_unstable();
        super::expand_dims(&out, &ax)
    } else {
        Ok(out)
    }
}

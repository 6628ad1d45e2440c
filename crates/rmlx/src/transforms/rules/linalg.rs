//! Rules of `Matmul`. The op layer broadcasts the batch dimensions, so the primitive's
//! inputs are `batch ++ [M, K]` (or `batch ++ [K]` for a vector `a`) and `batch ++ [K, N]`
//! (or `batch ++ [K]` for a vector `b`).

use super::batching::batch_first;
use super::cast_like;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::VmapResult;

/// The operand as a matrix: a vector `a` becomes a row, a vector `b` a column.
fn as_matrix(x: &Array, is_vec: bool, row: bool) -> Result<Array> {
    match (is_vec, row) {
        (false, _) => Ok(x.clone()),
        (true, true) => ops::expand_dims(x, &[-2]),
        (true, false) => ops::expand_dims(x, &[-1]),
    }
}

/// The cotangent (or output) as a matrix `batch ++ [M, N]`.
fn out_matrix(c: &Array, a_vec: bool, b_vec: bool) -> Result<Array> {
    // A row vector `a` removed the M axis: it sits before N (or last, when `b` is a vector too).
    let c = if a_vec {
        ops::expand_dims(c, &[c.ndim() as i32 - i32::from(!b_vec)])?
    } else {
        c.clone()
    };
    if b_vec {
        ops::expand_dims(&c, &[-1])
    } else {
        Ok(c)
    }
}

fn t(x: &Array) -> Result<Array> {
    ops::swapaxes(x, -1, -2)
}

/// `a @ b` of primitive-layout operands, back in the primitive's output layout.
fn product(a: &Array, b: &Array, a_vec: bool, b_vec: bool) -> Result<Array> {
    let r = ops::matmul(&as_matrix(a, a_vec, true)?, &as_matrix(b, b_vec, false)?)?;
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

pub(crate) fn vjp(
    a_vec: bool,
    b_vec: bool,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let (a, b) = (&p[0], &p[1]);
    let cm = out_matrix(&c[0], a_vec, b_vec)?;
    argnums
        .iter()
        .map(|&i| {
            if i == 0 {
                // dA = C · Bᵀ
                let g = ops::matmul(&cm, &t(&as_matrix(b, b_vec, false)?)?)?;
                let g = if a_vec {
                    ops::squeeze_axes(&g, &[-2])?
                } else {
                    g
                };
                cast_like(&g, a)
            } else {
                // dB = Aᵀ · C
                let g = ops::matmul(&t(&as_matrix(a, a_vec, true)?)?, &cm)?;
                let g = if b_vec {
                    ops::squeeze_axes(&g, &[-1])?
                } else {
                    g
                };
                cast_like(&g, b)
            }
        })
        .collect()
}

pub(crate) fn jvp(
    a_vec: bool,
    b_vec: bool,
    p: &[Array],
    tangents: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let mut acc: Option<Array> = None;
    for (&i, tan) in argnums.iter().zip(tangents) {
        let term = if i == 0 {
            product(tan, &p[1], a_vec, b_vec)?
        } else {
            product(&p[0], tan, a_vec, b_vec)?
        };
        acc = Some(match acc {
            Some(s) => ops::add(&s, &term)?,
            None => term,
        });
    }
    match acc {
        Some(s) => Ok(vec![s]),
        None => Ok(vec![ops::zeros_like(&product(
            &p[0], &p[1], a_vec, b_vec,
        )?)?]),
    }
}

pub(crate) fn vmap(
    a_vec: bool,
    b_vec: bool,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    // Batch axes first; an unbatched operand gets a size-1 batch axis that matmul broadcasts.
    let lift = |x: &Array, ax: Option<usize>| match ax {
        Some(_) => batch_first(x, ax),
        None => ops::expand_dims(x, &[0]),
    };
    let (a, b) = (lift(&x[0], axes[0])?, lift(&x[1], axes[1])?);
    // Vector operands keep their meaning once their batch axis is in front.
    let r = ops::matmul(&as_matrix(&a, a_vec, true)?, &as_matrix(&b, b_vec, false)?)?;
    let r = if b_vec {
        ops::squeeze_axes(&r, &[-1])?
    } else {
        r
    };
    let r = if a_vec {
        ops::squeeze_axes(&r, &[if b_vec { -1 } else { -2 }])?
    } else {
        r
    };
    Ok((vec![r], vec![Some(0)]))
}

//! Products composed from `matmul`, `multiply` and `sum` (as MLX composes them): `inner`,
//! `outer`, `tensordot`, `kron` and `vecdot`. Each builds a handful of view nodes around one
//! product, so they cost what the product costs.

use crate::array::Array;
use crate::error::{bail, Error, Result};

/// The inner product over the last axes (NumPy's `inner`); with a 0-d operand, the product.
/// Goes through `matmul`, so integer inputs raise as there.
pub fn inner(a: &Array, b: &Array) -> Result<Array> {
    if a.ndim() == 0 || b.ndim() == 0 {
        return super::multiply(a, b);
    }
    if a.shape()[a.ndim() - 1] != b.shape()[b.ndim() - 1] {
        bail!("[inner] a and b must have the same last dimension.");
    }
    tensordot_axes(a, b, &[-1], &[-1])
}

/// The outer product of the flattened inputs: shape `(a.size, b.size)`, any dtype (the
/// elementwise product's promotion).
pub fn outer(a: &Array, b: &Array) -> Result<Array> {
    let col = super::reshape(a, &[-1, 1])?;
    let row = super::reshape(b, &[-1])?;
    super::multiply(&col, &row)
}

/// `tensordot` over the last `axes` dimensions of `a` and the first `axes` of `b`.
pub fn tensordot(a: &Array, b: &Array, axes: i32) -> Result<Array> {
    if axes < 0 {
        bail!("[tensordot] axis must be greater or equal to 0.");
    }
    if axes as usize > a.ndim().min(b.ndim()) {
        bail!("[tensordot] axis must be less than the number of dimensions of a and b.");
    }
    let na = a.ndim() as i32;
    let a_axes: Vec<i32> = (na - axes..na).collect();
    let b_axes: Vec<i32> = (0..axes).collect();
    tensordot_axes(a, b, &a_axes, &b_axes)
}

/// Normalises `axes` of an `nd`-dimensional operand (negative count from the end).
fn contracted(axes: &[i32], nd: usize, which: &str) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        let v = if ax < 0 { ax + nd as i32 } else { ax };
        if v < 0 || v >= nd as i32 {
            return Err(Error::Index(format!(
                "[tensordot] Axis {ax} is out of bounds for {which} with {nd} dimensions."
            )));
        }
        if out.contains(&(v as usize)) {
            bail!("[tensordot] Repeated axis {ax} for {which}.");
        }
        out.push(v as usize);
    }
    Ok(out)
}

/// `tensordot` contracting `a_axes` of `a` with `b_axes` of `b` (pairwise): the result has
/// `a`'s other axes, then `b`'s. One `matmul` of the two operands transposed and reshaped.
pub fn tensordot_axes(a: &Array, b: &Array, a_axes: &[i32], b_axes: &[i32]) -> Result<Array> {
    if a_axes.len() != b_axes.len() {
        bail!("[tensordot] axes must have the same size.");
    }
    let ca = contracted(a_axes, a.ndim(), "a")?;
    let cb = contracted(b_axes, b.ndim(), "b")?;
    if ca
        .iter()
        .zip(&cb)
        .any(|(&i, &j)| a.shape()[i] != b.shape()[j])
    {
        bail!("[tensordot] a and b must have the same shape on the contracted axes.");
    }
    let free_a: Vec<usize> = (0..a.ndim()).filter(|i| !ca.contains(i)).collect();
    let free_b: Vec<usize> = (0..b.ndim()).filter(|i| !cb.contains(i)).collect();
    let dims =
        |x: &Array, axes: &[usize]| -> Vec<i32> { axes.iter().map(|&i| x.shape()[i]).collect() };
    let k: i32 = dims(a, &ca).iter().product();
    let (fa, fb) = (dims(a, &free_a), dims(b, &free_b));
    let perm = |first: &[usize], second: &[usize]| -> Vec<i32> {
        first.iter().chain(second).map(|&i| i as i32).collect()
    };
    let lhs = super::reshape(
        &super::transpose_axes(a, &perm(&free_a, &ca))?,
        &[fa.iter().product(), k],
    )?;
    let rhs = super::reshape(
        &super::transpose_axes(b, &perm(&cb, &free_b))?,
        &[k, fb.iter().product()],
    )?;
    let out_shape: Vec<i32> = fa.iter().chain(&fb).copied().collect();
    super::reshape(&super::matmul(&lhs, &rhs)?, &out_shape)
}

/// The Kronecker product: block `(i, j, ...)` of the result is `a[i, j, ...] * b`. Shapes
/// are aligned from the right (missing leading dimensions count as 1). Any dtype.
pub fn kron(a: &Array, b: &Array) -> Result<Array> {
    if a.size() == 0 || b.size() == 0 {
        bail!("[kron] Input arrays cannot be empty.");
    }
    let nd = a.ndim().max(b.ndim());
    let pad = |x: &Array| -> Vec<i32> {
        std::iter::repeat_n(1, nd - x.ndim())
            .chain(x.shape().iter().copied())
            .collect()
    };
    let (sa, sb) = (pad(a), pad(b));
    // a as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...): their product's pairs of axes merge
    // into (a0 * b0, a1 * b1, ...).
    let spread_a: Vec<i32> = sa.iter().flat_map(|&d| [d, 1]).collect();
    let spread_b: Vec<i32> = sb.iter().flat_map(|&d| [1, d]).collect();
    let prod = super::multiply(
        &super::reshape(a, &spread_a)?,
        &super::reshape(b, &spread_b)?,
    )?;
    let out: Vec<i32> = sa.iter().zip(&sb).map(|(x, y)| x * y).collect();
    super::reshape(&prod, &out)
}

/// The dot product along `axis`, conjugating `a` when complex (`sum(conj(a) * b, axis)`).
/// Both operands need the same number of dimensions and the same size along `axis`; the
/// other dimensions broadcast. The result dtype is the sum's (int8 gives int32).
pub fn vecdot(a: &Array, b: &Array, axis: i32) -> Result<Array> {
    if a.ndim() == 0 || b.ndim() == 0 {
        bail!("[vecdot] inputs must be at least 1D.");
    }
    if a.ndim() != b.ndim() {
        // MLX's wording for operands of different ranks.
        bail!("[vecdot] axis is out of bounds.");
    }
    let nd = a.ndim() as i32;
    let ax = if axis < 0 { axis + nd } else { axis };
    if ax < 0 || ax >= nd {
        return Err(Error::Index("[vecdot] axis is out of bounds.".into()));
    }
    if a.shape()[ax as usize] != b.shape()[ax as usize] {
        bail!("[vecdot] a and b must have the same size along axis.");
    }
    let lhs = if a.dtype().is_complex() {
        super::conj(a)?
    } else {
        a.clone()
    };
    super::sum(&super::multiply(&lhs, b)?, &[ax], false)
}

//! `as_strided` (a strided window over an array's row-major elements) and `view` (the same
//! bytes as another dtype), both sharing the input's buffer where its layout allows.

use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Result};
use crate::primitives::reinterpret::{AsStrided, View};
use crate::shape::{fmt_shape, row_major_strides, size_of};

/// `shape` (default: `a`'s) with element `strides` (default: row-major for `shape`) from
/// element `offset` of `a`'s row-major elements (a contiguous copy when `a` is not
/// row-contiguous, as in MLX).
///
/// Deviation from MLX, for safety: MLX 0.32 reads whatever memory the strides and offset
/// reach. rmlx checks that every element the view can address lies inside `a` (positions
/// `0..a.size()`) and raises ValueError naming the shape, strides and offset otherwise;
/// mismatched `shape` and `strides` lengths are a ValueError too (MLX reads past the
/// strides). An empty view addresses nothing and is always accepted.
pub fn as_strided(
    a: &Array,
    shape: Option<&[i32]>,
    strides: Option<&[i64]>,
    offset: usize,
) -> Result<Array> {
    let shape = shape.unwrap_or(a.shape()).to_vec();
    if shape.iter().any(|&d| d < 0) {
        bail!("[as_strided] Negative dimensions not allowed.");
    }
    let strides = strides.map_or_else(|| row_major_strides(&shape), |s| s.to_vec());
    let describe = || {
        let st: Vec<String> = strides.iter().map(|s| s.to_string()).collect();
        format!(
            "shape {}, strides ({}) and offset {offset}",
            fmt_shape(&shape),
            st.join(",")
        )
    };
    if strides.len() != shape.len() {
        bail!(
            "[as_strided] The shape and strides must have the same length, got {}.",
            describe()
        );
    }
    if size_of(&shape) > 0 {
        // The lowest and highest positions the view reaches (i128: no overflow).
        let (mut lo, mut hi) = (offset as i128, offset as i128);
        for (&d, &s) in shape.iter().zip(&strides) {
            let span = (d as i128 - 1) * s as i128;
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        if lo < 0 || hi >= a.size() as i128 {
            bail!(
                "[as_strided] A view with {} reaches elements {lo}..={hi}, outside the input \
                 of shape {} ({} elements).",
                describe(),
                fmt_shape(a.shape()),
                a.size()
            );
        }
    }
    let c = super::contiguous(a, false)?;
    let s = op_stream("as_strided")?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        AsStrided {
            strides,
            offset: offset as i64,
        },
        vec![c],
    ))
}

/// `a`'s bytes read as `dtype`. With the same item size the shape is kept (a view, any
/// layout); otherwise the last axis is rescaled over the row-major bytes, which must
/// divide evenly, and a 0-d array cannot change item size (MLX's rules and messages).
/// Viewing non-boolean bytes as `bool` makes every nonzero byte `true` (MLX keeps the raw
/// byte, which only its printing reads as `true`).
pub fn view(a: &Array, dtype: Dtype) -> Result<Array> {
    if dtype == a.dtype() {
        return Ok(a.clone());
    }
    let (old, new) = (a.itemsize(), dtype.size());
    let mut shape = a.shape().to_vec();
    if old != new {
        let Some(last) = shape.last_mut() else {
            bail!("[view] Changing the type of a scalar is only allowed for types with the same size.");
        };
        let bytes = *last as usize * old;
        if new > old && !bytes.is_multiple_of(new) {
            bail!(
                "[view] When viewing as a larger dtype, the size in bytes of the last axis \
                 must be a multiple of the requested type size."
            );
        }
        *last = (bytes / new) as i32;
    }
    let s = op_stream("view")?;
    Ok(Array::from_op(shape, dtype, s, View, vec![a.clone()]))
}

impl Array {
    /// [`view`]: the bytes as another dtype.
    pub fn view(&self, dtype: Dtype) -> Result<Array> {
        view(self, dtype)
    }
}

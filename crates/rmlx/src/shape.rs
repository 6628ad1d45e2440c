//! Shapes, strides, broadcasting and axis normalisation.
//!
//! Shapes are `i32` per dimension, as in MLX; strides are `i64` element counts.

use crate::error::{bail, Error, Result};

/// An array shape.
pub type Shape = Vec<i32>;
/// Strides in elements (may be 0 for broadcast dimensions, negative never).
pub type Strides = Vec<i64>;

/// Number of elements of a shape.
pub fn size_of(shape: &[i32]) -> usize {
    shape.iter().map(|&d| d as usize).product()
}

/// Row-major strides of a shape.
pub fn row_major_strides(shape: &[i32]) -> Strides {
    let mut strides = vec![0i64; shape.len()];
    let mut acc = 1i64;
    for (s, &d) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        acc *= d.max(1) as i64;
    }
    strides
}

/// Formats a shape as MLX does in messages: `(2,3)`.
pub fn fmt_shape(shape: &[i32]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("({})", parts.join(","))
}

/// NumPy broadcasting of two shapes.
pub fn broadcast_shapes(a: &[i32], b: &[i32]) -> Result<Shape> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            bail!(
                "[broadcast_shapes] Shapes {} and {} cannot be broadcast.",
                fmt_shape(a),
                fmt_shape(b)
            );
        };
    }
    Ok(out)
}

/// Normalises a possibly negative axis; MLX reports bad axes with a `ValueError` in most ops.
pub fn normalize_axis(func: &str, axis: i32, ndim: usize) -> Result<usize> {
    let nd = ndim as i32;
    if axis < -nd || axis >= nd {
        bail!("[{func}] Invalid axis {axis} for array with {ndim} dimensions.");
    }
    Ok(if axis < 0 {
        (axis + nd) as usize
    } else {
        axis as usize
    })
}

/// Like [`normalize_axis`] but for ops where MLX raises `IndexError`.
pub fn normalize_axis_index(func: &str, axis: i32, ndim: usize) -> Result<usize> {
    normalize_axis(func, axis, ndim).map_err(|e| match e {
        Error::InvalidArgument(m) => Error::Index(m),
        other => other,
    })
}

/// Normalises a list of axes, rejecting duplicates; returns them sorted.
pub fn normalize_axes(func: &str, axes: &[i32], ndim: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let ax = normalize_axis(func, a, ndim)?;
        if out.contains(&ax) {
            bail!("[{func}] Received duplicate axis {a}.");
        }
        out.push(ax);
    }
    out.sort_unstable();
    Ok(out)
}

/// Layout facts about strided data, as MLX keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags {
    /// The elements cover `data_size` consecutive slots with no gaps (in some order).
    pub contiguous: bool,
    /// Row-major contiguous.
    pub row_contiguous: bool,
    /// Column-major contiguous.
    pub col_contiguous: bool,
}

/// Computes contiguity flags and the number of slots spanned for a strided layout.
pub fn layout_flags(shape: &[i32], strides: &[i64]) -> (Flags, usize) {
    let size = size_of(shape);
    if size == 0 {
        let f = Flags {
            contiguous: true,
            row_contiguous: true,
            col_contiguous: true,
        };
        return (f, 0);
    }
    // Row / column contiguity ignore dimensions of size 1.
    let mut row = true;
    let mut expect = 1i64;
    for (&d, &s) in shape.iter().zip(strides).rev() {
        if d == 1 {
            continue;
        }
        if s != expect {
            row = false;
            break;
        }
        expect *= d as i64;
    }
    let mut col = true;
    expect = 1;
    for (&d, &s) in shape.iter().zip(strides) {
        if d == 1 {
            continue;
        }
        if s != expect {
            col = false;
            break;
        }
        expect *= d as i64;
    }
    // Dense: sorted non-broadcast strides form a permuted row-major layout.
    let mut dims: Vec<(i64, i32)> = shape
        .iter()
        .zip(strides)
        .filter(|(&d, _)| d != 1)
        .map(|(&d, &s)| (s, d))
        .collect();
    dims.sort_unstable_by_key(|&(s, _)| s);
    let mut dense = true;
    let mut expect = 1i64;
    for &(s, d) in &dims {
        if s != expect {
            dense = false;
            break;
        }
        expect *= d as i64;
    }
    let span = if dense {
        size
    } else {
        // Slots from the first to the last element, inclusive.
        1 + shape
            .iter()
            .zip(strides)
            .map(|(&d, &s)| (d as i64 - 1) * s.abs())
            .sum::<i64>() as usize
    };
    (
        Flags {
            contiguous: dense,
            row_contiguous: row,
            col_contiguous: col,
        },
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(
            broadcast_shapes(&[2, 1, 3], &[4, 1]).unwrap(),
            vec![2, 4, 3]
        );
        assert_eq!(broadcast_shapes(&[], &[4, 1]).unwrap(), vec![4, 1]);
        assert_eq!(broadcast_shapes(&[0], &[1]).unwrap(), vec![0]);
        let e = broadcast_shapes(&[2, 3], &[4, 5]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "[broadcast_shapes] Shapes (2,3) and (4,5) cannot be broadcast."
        );
    }

    #[test]
    fn flags() {
        let (f, n) = layout_flags(&[2, 3], &[3, 1]);
        assert!(f.row_contiguous && f.contiguous && !f.col_contiguous);
        assert_eq!(n, 6);
        let (f, _) = layout_flags(&[2, 3], &[1, 2]);
        assert!(!f.row_contiguous && f.contiguous && f.col_contiguous);
        let (f, n) = layout_flags(&[2, 3], &[6, 2]);
        assert!(!f.contiguous);
        assert_eq!(n, 11);
        let (f, _) = layout_flags(&[4, 3], &[0, 1]);
        assert!(!f.contiguous);
    }
}

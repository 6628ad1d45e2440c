//! The general strided path: walking N-d layouts row by row.
//!
//! Kernels see an N-d iteration as a sequence of rows: for each row, the start offset of
//! every operand and the row's length and per-operand step. Adjacent dimensions that are
//! contiguous for every operand are merged first, so most layouts become a few long rows.

use crate::array::ArrayData;
use crate::dtype::Element;

/// Merges adjacent dimensions that are contiguous in every operand; drops size-1 dims.
pub(crate) fn collapse<const N: usize>(
    shape: &[i32],
    strides: [&[i64]; N],
) -> (Vec<i64>, [Vec<i64>; N]) {
    let mut out_shape: Vec<i64> = Vec::with_capacity(shape.len());
    let mut out_strides: [Vec<i64>; N] = std::array::from_fn(|_| Vec::with_capacity(shape.len()));
    for (d, &n) in shape.iter().enumerate() {
        if n == 1 {
            continue;
        }
        let n = n as i64;
        let mergeable = !out_shape.is_empty()
            && (0..N).all(|k| {
                let prev = *out_strides[k].last().expect("same length as out_shape");
                prev == strides[k][d] * n
            });
        if mergeable {
            *out_shape.last_mut().expect("non-empty") *= n;
            for k in 0..N {
                *out_strides[k].last_mut().expect("non-empty") = strides[k][d];
            }
        } else {
            out_shape.push(n);
            for k in 0..N {
                out_strides[k].push(strides[k][d]);
            }
        }
    }
    (out_shape, out_strides)
}

/// Calls `row(offsets, len, steps)` for every innermost row of a collapsed iteration over
/// elements `[0, total)` in row-major order, restricted to rows that start in `[from, to)`
/// when rows are counted by their first element's index.
pub(crate) fn for_each_row<const N: usize>(
    shape: &[i64],
    strides: &[Vec<i64>; N],
    mut row: impl FnMut([i64; N], usize, [i64; N]),
) {
    if shape.contains(&0) {
        return;
    }
    let nd = shape.len();
    if nd == 0 {
        row([0; N], 1, [0; N]);
        return;
    }
    let inner = shape[nd - 1] as usize;
    let steps: [i64; N] = std::array::from_fn(|k| strides[k][nd - 1]);
    let outer: i64 = shape[..nd - 1].iter().product();
    let mut idx = vec![0i64; nd.saturating_sub(1)];
    let mut offs = [0i64; N];
    for _ in 0..outer {
        row(offs, inner, steps);
        // Odometer increment over the outer dimensions.
        for d in (0..nd - 1).rev() {
            idx[d] += 1;
            for k in 0..N {
                offs[k] += strides[k][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for k in 0..N {
                offs[k] -= strides[k][d] * shape[d];
            }
            idx[d] = 0;
        }
    }
}

/// Start offsets of the `rows` rows beginning at row `first`, for a parallel split.
pub(crate) fn row_start<const N: usize>(
    shape: &[i64],
    strides: &[Vec<i64>; N],
    row: i64,
) -> [i64; N] {
    let nd = shape.len();
    let mut offs = [0i64; N];
    let mut r = row;
    for d in (0..nd.saturating_sub(1)).rev() {
        let i = r % shape[d];
        r /= shape[d];
        for k in 0..N {
            offs[k] += i * strides[k][d];
        }
    }
    offs
}

/// Copies strided data into a new row-major `Vec`.
pub(crate) fn copy_to_vec<T: Element>(data: &ArrayData, shape: &[i32]) -> Vec<T> {
    let n = crate::shape::size_of(shape);
    if data.flags.row_contiguous {
        return data.dense::<T>()[..n].to_vec();
    }
    let mut out = Vec::with_capacity(n);
    let (cshape, [cstrides]) = collapse(shape, [&data.strides]);
    let base = data.ptr::<T>();
    for_each_row(&cshape, &[cstrides], |[off], len, [step]| {
        for i in 0..len as i64 {
            // SAFETY: offsets come from the array's own shape and strides, which address
            // elements inside its buffer.
            out.push(unsafe { *base.offset((off + i * step) as isize) });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_merges_contiguous() {
        let (s, [st]) = collapse(&[2, 3, 4], [&[12, 4, 1]]);
        assert_eq!(s, vec![24]);
        assert_eq!(st, vec![1]);
        let (s, [a, b]) = collapse(&[2, 3, 4], [&[12, 4, 1], &[0, 4, 1]]);
        assert_eq!(s, vec![2, 12]);
        assert_eq!(a, vec![12, 1]);
        assert_eq!(b, vec![0, 1]);
    }

    #[test]
    fn rows_visit_everything() {
        let (s, st) = collapse(&[2, 3], [&[1, 2]]);
        let mut seen = vec![];
        for_each_row(&s, &st, |[o], len, [step]| {
            for i in 0..len as i64 {
                seen.push(o + i * step);
            }
        });
        assert_eq!(seen, vec![0, 2, 4, 1, 3, 5]);
        assert_eq!(row_start(&s, &st, 1), [1]);
    }
}

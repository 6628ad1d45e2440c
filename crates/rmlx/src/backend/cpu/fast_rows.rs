//! Row addressing shared by the fast-op kernels: the element offset of row `r` of an array
//! seen as rows of its last axis, and a row as a slice (in place when its elements are
//! adjacent, else gathered once into a caller's buffer).

use crate::array::ArrayData;

/// The rows of an array (all axes but the last) and how to find them.
#[derive(Clone, Copy)]
pub(crate) struct Rows<'a> {
    /// Shape and strides of the leading axes.
    pub outer: (&'a [i32], &'a [i64]),
    /// Length and stride of the last axis.
    pub len: usize,
    pub step: i64,
    /// Rows are back to back from offset 0 (`r * len`).
    pub dense: bool,
}

impl<'a> Rows<'a> {
    pub fn new(x: &'a ArrayData, shape: &'a [i32]) -> Rows<'a> {
        let nd = shape.len();
        Rows {
            outer: (&shape[..nd - 1], &x.strides[..nd - 1]),
            len: shape[nd - 1] as usize,
            step: x.strides[nd - 1],
            dense: x.flags.row_contiguous,
        }
    }

    /// Element offset of row `r` from the array's first element.
    pub fn offset(&self, r: usize) -> isize {
        if self.dense {
            return (r * self.len) as isize;
        }
        let (shape, strides) = self.outer;
        let mut rem = r;
        let mut off = 0i64;
        for d in (0..shape.len()).rev() {
            let n = shape[d].max(1) as usize;
            off += (rem % n) as i64 * strides[d];
            rem /= n;
        }
        off as isize
    }

    /// Row `r` of `x` (element type `T`) as a slice: in place when the last axis has stride
    /// 1, else copied into `tmp`.
    pub fn row<'b, T: Copy>(&self, x: &'b ArrayData, r: usize, tmp: &'b mut Vec<T>) -> &'b [T]
    where
        'a: 'b,
    {
        let base = x.ptr::<T>();
        let off = self.offset(r);
        if self.step == 1 || self.len <= 1 {
            // SAFETY: row `r` exists (callers iterate below the row count); its `len`
            // elements are adjacent from `off`, inside the input buffer.
            return unsafe { std::slice::from_raw_parts(base.offset(off), self.len) };
        }
        tmp.clear();
        for j in 0..self.len {
            // SAFETY: element `j` of row `r` at `off + j * step`, inside the buffer.
            tmp.push(unsafe { *base.offset(off + j as isize * self.step as isize) });
        }
        tmp
    }
}

/// The values of a 1-D array (any stride) widened by `f`, in a vector of its length.
pub(crate) fn vector<T: Copy, F>(p: &ArrayData, n: usize, f: impl Fn(T) -> F) -> Vec<F> {
    let base = p.ptr::<T>();
    let s = p.strides.first().copied().unwrap_or(0) as isize;
    (0..n)
        // SAFETY: element `i < n` of the 1-D input (length `n`) at `i * stride`.
        .map(|i| f(unsafe { *base.offset(i as isize * s) }))
        .collect()
}

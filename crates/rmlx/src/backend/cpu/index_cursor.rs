//! Walking the index arrays of a gather or scatter, with the safety rule of rmlx
//! (MEMORY.md B.5): an index never leads a kernel outside its buffer.
//!
//! A gather or scatter has `k` index arrays, already broadcast to one index shape `I` (their
//! strides are 0 on broadcast dimensions, any sign elsewhere). Each array picks positions
//! along one axis of the indexed array. The cursor visits the positions of `I` in row-major
//! order and yields, for each, the element offset of the selected slice's first element.
//!
//! Index values may have any integer dtype. A negative value counts from the end (once, as
//! MLX). What happens to a value that is still outside `[0, n - slice)` is the caller's
//! choice: gathers clamp it into range, scatters drop the update ([`Resolve`]).

use crate::array::ArrayData;
use crate::dtype::Dtype;

/// What to do with an index that is out of range after negative wrapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolve {
    /// Clamp into `[0, n - slice]` (gathers).
    Clamp,
    /// Report the position as invalid (scatters drop its update).
    Drop,
}

/// One index array as the kernels read it.
#[derive(Clone, Debug)]
pub(crate) struct IndexOperand {
    /// Address of the array's first element (offset applied).
    ptr: *const u8,
    dtype: Dtype,
    /// Element strides over the index shape `I` (0 on broadcast dimensions).
    strides: Vec<i64>,
    /// Size of the indexed axis.
    axis_len: i64,
    /// Slice size along the indexed axis (the slice must fit after the index).
    slice_len: i64,
    /// Element stride of the indexed axis in the array being read or written.
    target_stride: i64,
}

// SAFETY: the pointer addresses an evaluated, immutable index buffer that outlives the
// kernel call; it is only read.
unsafe impl Send for IndexOperand {}
// SAFETY: as above.
unsafe impl Sync for IndexOperand {}

impl IndexOperand {
    /// Describes `data` (an index array of `dtype` viewed over the index shape) selecting
    /// along an axis of length `axis_len`, with `slice_len` elements taken from each index,
    /// in an array whose stride on that axis is `target_stride`.
    pub(crate) fn new(
        data: &ArrayData,
        dtype: Dtype,
        axis_len: i32,
        slice_len: i32,
        target_stride: i64,
    ) -> IndexOperand {
        // SAFETY: `offset` elements of `dtype` from the buffer start is the array's first
        // element, inside the buffer for every non-empty array (never read when empty).
        let ptr = unsafe {
            (data.buffer.as_ptr() as *const u8).offset((data.offset * dtype.size() as i64) as isize)
        };
        IndexOperand {
            ptr,
            dtype,
            strides: data.strides.clone(),
            axis_len: axis_len as i64,
            slice_len: slice_len as i64,
            target_stride,
        }
    }

    /// The index at element offset `off` of this array, as i64 (u64 beyond i64 saturates,
    /// which is out of range for every axis).
    ///
    /// # Safety
    /// `off` must address an element of the index array.
    #[inline]
    unsafe fn load(&self, off: i64) -> i64 {
        // SAFETY: the caller guarantees `off` addresses an element; the dtype says its type.
        unsafe {
            let p = self.ptr;
            macro_rules! rd {
                ($t:ty) => {
                    (p as *const $t).offset(off as isize).read()
                };
            }
            match self.dtype {
                Dtype::Int8 => rd!(i8) as i64,
                Dtype::Int16 => rd!(i16) as i64,
                Dtype::Int32 => rd!(i32) as i64,
                Dtype::Int64 => rd!(i64),
                Dtype::Uint8 => rd!(u8) as i64,
                Dtype::Uint16 => rd!(u16) as i64,
                Dtype::Uint32 => rd!(u32) as i64,
                Dtype::Uint64 => i64::try_from(rd!(u64)).unwrap_or(i64::MAX),
                // The op layer admits integer index dtypes only.
                _ => 0,
            }
        }
    }

    /// The in-range start position for index value `v`, or `None` when it is out of range
    /// and the rule is `Drop`.
    #[inline]
    fn resolve(&self, v: i64, rule: Resolve) -> Option<i64> {
        let v = if v < 0 {
            v.saturating_add(self.axis_len)
        } else {
            v
        };
        let hi = self.axis_len - self.slice_len;
        if (0..=hi).contains(&v) {
            return Some(v);
        }
        match rule {
            // `hi >= 0` is an op-layer invariant (slice sizes fit their axis).
            Resolve::Clamp => Some(v.clamp(0, hi.max(0))),
            Resolve::Drop => None,
        }
    }
}

/// A row-major walk over the index shape that tracks the element offset of every index
/// array and of any number of extra operands (e.g. the updates' leading dimensions).
pub(crate) struct IndexCursor<'a> {
    shape: &'a [i64],
    ops: &'a [IndexOperand],
    extra_strides: &'a [Vec<i64>],
    pos: Vec<i64>,
    offs: Vec<i64>,
    extra: Vec<i64>,
}

impl<'a> IndexCursor<'a> {
    /// A cursor at linear position `start` of `shape`.
    pub(crate) fn new(
        shape: &'a [i64],
        ops: &'a [IndexOperand],
        extra_strides: &'a [Vec<i64>],
        start: usize,
    ) -> IndexCursor<'a> {
        let mut pos = vec![0i64; shape.len()];
        let mut r = start as i64;
        for d in (0..shape.len()).rev() {
            if shape[d] > 0 {
                pos[d] = r % shape[d];
                r /= shape[d];
            }
        }
        let offs = ops
            .iter()
            .map(|o| pos.iter().zip(&o.strides).map(|(p, s)| p * s).sum())
            .collect();
        let extra = extra_strides
            .iter()
            .map(|st| pos.iter().zip(st).map(|(p, s)| p * s).sum())
            .collect();
        IndexCursor {
            shape,
            ops,
            extra_strides,
            pos,
            offs,
            extra,
        }
    }

    /// Offset (in target elements) of the current position's slice, or `None` if an index
    /// is out of range under `Drop`.
    #[inline]
    pub(crate) fn target_offset(&self, rule: Resolve) -> Option<i64> {
        let mut base = 0i64;
        for (o, &off) in self.ops.iter().zip(&self.offs) {
            // SAFETY: `off` follows the index array's own strides over the index shape,
            // and the cursor stays inside that shape.
            let v = unsafe { o.load(off) };
            base += o.resolve(v, rule)? * o.target_stride;
        }
        Some(base)
    }

    /// Offset of extra operand `k` at the current position.
    #[inline]
    pub(crate) fn extra(&self, k: usize) -> i64 {
        self.extra[k]
    }

    /// Moves to the next position (row-major).
    #[inline]
    pub(crate) fn advance(&mut self) {
        for d in (0..self.shape.len()).rev() {
            self.pos[d] += 1;
            for (o, off) in self.ops.iter().zip(self.offs.iter_mut()) {
                *off += o.strides[d];
            }
            for (st, off) in self.extra_strides.iter().zip(self.extra.iter_mut()) {
                *off += st[d];
            }
            if self.pos[d] < self.shape[d] {
                return;
            }
            let n = self.shape[d];
            for (o, off) in self.ops.iter().zip(self.offs.iter_mut()) {
                *off -= o.strides[d] * n;
            }
            for (st, off) in self.extra_strides.iter().zip(self.extra.iter_mut()) {
                *off -= st[d] * n;
            }
            self.pos[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(n: i64, s: i64) -> IndexOperand {
        IndexOperand {
            ptr: std::ptr::null(),
            dtype: Dtype::Int32,
            strides: vec![],
            axis_len: n,
            slice_len: s,
            target_stride: 1,
        }
    }

    #[test]
    fn resolve_wraps_then_clamps_or_drops() {
        let o = op(5, 1);
        assert_eq!(o.resolve(-1, Resolve::Clamp), Some(4));
        assert_eq!(o.resolve(-6, Resolve::Clamp), Some(0));
        assert_eq!(o.resolve(7, Resolve::Clamp), Some(4));
        assert_eq!(o.resolve(7, Resolve::Drop), None);
        assert_eq!(o.resolve(-6, Resolve::Drop), None);
        assert_eq!(o.resolve(i64::MIN, Resolve::Drop), None);
        let o = op(5, 3);
        assert_eq!(o.resolve(3, Resolve::Clamp), Some(2));
        assert_eq!(o.resolve(3, Resolve::Drop), None);
        assert_eq!(o.resolve(2, Resolve::Drop), Some(2));
    }
}

//! Basic slicing: `a[start:stop:step]` per axis, as views of the input's buffer.
//!
//! Two forms: [`slice()`] takes explicit start/stop/stride vectors with MLX's C++ semantics
//! (negative indices count from the end; out-of-range bounds clamp, as Python slicing
//! does), and [`slice_axes`] / [`Array::slice`] take one [`SliceArg`] per leading axis
//! with Python's defaults for omitted bounds.

use super::op_stream;
use crate::array::Array;
use crate::error::{bail, Result};
use crate::primitives::views::Slice;

/// One axis of a Python-style slice `start:stop:step`; `None` bounds take Python's defaults
/// (the whole axis in the direction of `step`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliceArg {
    /// First index (default: 0, or the last element for a negative step).
    pub start: Option<i32>,
    /// One past the last index (default: the end in the direction of `step`).
    pub stop: Option<i32>,
    /// Step; must not be 0.
    pub step: i32,
}

impl SliceArg {
    /// `start:stop:step`.
    pub fn new(start: Option<i32>, stop: Option<i32>, step: i32) -> SliceArg {
        SliceArg { start, stop, step }
    }
    /// `:` (the whole axis).
    pub fn all() -> SliceArg {
        SliceArg {
            start: None,
            stop: None,
            step: 1,
        }
    }
    /// `start:stop`.
    pub fn range(start: i32, stop: i32) -> SliceArg {
        SliceArg {
            start: Some(start),
            stop: Some(stop),
            step: 1,
        }
    }
    /// `::-1` (the axis reversed).
    pub fn rev() -> SliceArg {
        SliceArg {
            start: None,
            stop: None,
            step: -1,
        }
    }
    /// The same bounds with another step.
    pub fn step(self, step: i32) -> SliceArg {
        SliceArg { step, ..self }
    }
    /// Concrete start and stop for an axis of size `n`, in the convention of [`slice()`].
    fn resolve(self, n: i32) -> (i32, i32) {
        let neg = self.step < 0;
        // Python's defaults, expressed so that `slice`'s clamping reproduces them: a
        // negative-step stop of `-n - 1` becomes -1 ("before the first element").
        let start = self.start.unwrap_or(if neg { n - 1 } else { 0 });
        let stop = self.stop.unwrap_or(if neg { -n - 1 } else { n });
        (start, stop)
    }
}

impl From<std::ops::Range<i32>> for SliceArg {
    fn from(r: std::ops::Range<i32>) -> SliceArg {
        SliceArg::range(r.start, r.end)
    }
}
impl From<std::ops::RangeFrom<i32>> for SliceArg {
    fn from(r: std::ops::RangeFrom<i32>) -> SliceArg {
        SliceArg {
            start: Some(r.start),
            stop: None,
            step: 1,
        }
    }
}
impl From<std::ops::RangeTo<i32>> for SliceArg {
    fn from(r: std::ops::RangeTo<i32>) -> SliceArg {
        SliceArg {
            start: None,
            stop: Some(r.end),
            step: 1,
        }
    }
}
impl From<std::ops::RangeFull> for SliceArg {
    fn from(_: std::ops::RangeFull) -> SliceArg {
        SliceArg::all()
    }
}

/// Clamps one axis's bounds as MLX's `normalize_slice` does; returns (start, length).
fn normalize(n: i32, start: i32, stop: i32, stride: i32) -> (i32, i32) {
    let (n, stride) = (n as i64, stride as i64);
    let s = start as i64 + if start < 0 { n } else { 0 };
    let e = stop as i64 + if stop < 0 { n } else { 0 };
    if stride < 0 {
        let st = s.min(n - 1);
        let ed = e.max(-1);
        let ed = if ed > st { st } else { ed };
        let len = (st - ed + (-stride) - 1) / (-stride);
        // An empty slice never reads its start; keep it in range for the view's offset.
        (if len > 0 { st as i32 } else { 0 }, len as i32)
    } else {
        let st = s.clamp(0, n);
        let ed = e.clamp(0, n).max(st);
        let len = (ed - st + stride - 1) / stride;
        (if len > 0 { st as i32 } else { 0 }, len as i32)
    }
}

/// `a[start[0]:stop[0]:strides[0], ...]` over every axis (MLX's C++ `slice`): negative
/// indices count from the end, bounds clamp like Python's, strides may be negative but not
/// zero. A view of `a`'s buffer; `a` itself when nothing is cut or reversed.
pub fn slice(a: &Array, start: &[i32], stop: &[i32], strides: &[i32]) -> Result<Array> {
    let nd = a.ndim();
    if start.len() != nd || stop.len() != nd || strides.len() != nd {
        bail!("[slice] Invalid number of indices or strides for array with dimension {nd}.");
    }
    if strides.contains(&0) {
        bail!("[slice] Slice step cannot be zero.");
    }
    let mut new_start = Vec::with_capacity(nd);
    let mut shape = Vec::with_capacity(nd);
    for i in 0..nd {
        let (st, len) = normalize(a.shape()[i], start[i], stop[i], strides[i]);
        new_start.push(st);
        shape.push(len);
    }
    if shape == a.shape() && strides.iter().all(|&s| s > 0) {
        return Ok(a.clone());
    }
    let s = op_stream("slice")?;
    let prim = Slice {
        start: new_start,
        strides: strides.to_vec(),
    };
    Ok(Array::from_op(shape, a.dtype(), s, prim, vec![a.clone()]))
}

/// Python-style slicing of the leading axes (`args.len() <= ndim`; the rest are kept whole).
pub fn slice_axes(a: &Array, args: &[SliceArg]) -> Result<Array> {
    let nd = a.ndim();
    if args.len() > nd {
        bail!("[slice] Too many indices for array with {nd} dimensions.");
    }
    let mut start = Vec::with_capacity(nd);
    let mut stop = Vec::with_capacity(nd);
    let mut strides = Vec::with_capacity(nd);
    for (i, &n) in a.shape().iter().enumerate() {
        let arg = args.get(i).copied().unwrap_or_else(SliceArg::all);
        let (s, e) = arg.resolve(n);
        start.push(s);
        stop.push(e);
        strides.push(arg.step);
    }
    slice(a, &start, &stop, &strides)
}

/// Python-style slicing of one axis: `a[..., start:stop:step, ...]`.
pub fn slice_axis(a: &Array, axis: i32, arg: SliceArg) -> Result<Array> {
    let ax = crate::shape::normalize_axis("slice", axis, a.ndim())?;
    let mut args = vec![SliceArg::all(); ax + 1];
    args[ax] = arg;
    slice_axes(a, &args)
}

impl Array {
    /// [`slice_axes`]: `a[args[0], args[1], ...]` with Python slice semantics.
    pub fn slice(&self, args: &[SliceArg]) -> Result<Array> {
        slice_axes(self, args)
    }
}

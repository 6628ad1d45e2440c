//! Ordering along an axis: sort, argsort, partition, argpartition, topk.
//!
//! MLX's order: ascending, NaN last, stable (ties and NaNs keep their input order);
//! complex numbers by real part, then imaginary part. `axis: None` works on the flattened
//! array. Indices are uint32. Partition puts the element of sorted rank `kth` at `kth`,
//! smaller-or-equal ones before it and greater-or-equal ones after (in no promised order,
//! as in MLX); `topk` is the last `k` of a partition, so it is unordered too.

use super::op_stream;
use crate::array::Array;
use crate::backend::cpu::sort::SortMode;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::sort::Sort;

/// The array and axis an op works on: `a` along a checked `axis`, or `a` flattened.
/// The second value is the axis as MLX prints it in messages (as given, or 0 flattened).
pub(crate) fn axis_or_flat(
    func: &str,
    a: &Array,
    axis: Option<i32>,
) -> Result<(Array, usize, i32)> {
    match axis {
        None => Ok((super::reshape(a, &[-1])?, 0, 0)),
        Some(ax) => {
            let nd = a.ndim() as i32;
            if ax < -nd || ax >= nd {
                return Err(Error::Index(format!(
                    "[{func}] Axis {ax} is out of bounds for array with {nd} dimensions."
                )));
            }
            let norm = if ax < 0 { ax + nd } else { ax } as usize;
            Ok((a.clone(), norm, ax))
        }
    }
}

/// A shape as MLX prints it in messages: `(2,3)`.
fn shape_text(shape: &[i32]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("({})", dims.join(","))
}

fn sort_node(func: &str, a: &Array, axis: usize, mode: SortMode, indices: bool) -> Result<Array> {
    let s = op_stream(func)?;
    let dt = if indices { Dtype::Uint32 } else { a.dtype() };
    Ok(Array::from_op(
        a.shape().to_vec(),
        dt,
        s,
        Sort {
            axis,
            mode,
            indices,
        },
        vec![a.clone()],
    ))
}

/// `a` sorted along `axis` (the flattened array with `None`).
pub fn sort(a: &Array, axis: Option<i32>) -> Result<Array> {
    let (x, ax, _) = axis_or_flat("sort", a, axis)?;
    sort_node("sort", &x, ax, SortMode::Sort, false)
}

/// The uint32 positions that sort `a` along `axis` (stable: ties keep their order).
pub fn argsort(a: &Array, axis: Option<i32>) -> Result<Array> {
    let (x, ax, _) = axis_or_flat("argsort", a, axis)?;
    sort_node("argsort", &x, ax, SortMode::Sort, true)
}

fn partition_impl(
    func: &str,
    a: &Array,
    kth: i32,
    axis: Option<i32>,
    indices: bool,
) -> Result<Array> {
    let (x, ax, shown) = axis_or_flat(func, a, axis)?;
    let n = x.shape()[ax];
    if kth < -n || kth >= n {
        // MLX's partition message runs the kth into "along"; argpartition's does not.
        let gap = if indices { " " } else { "" };
        bail!(
            "[{func}] Received invalid kth {kth}{gap}along axis {shown} for array with shape: {}",
            shape_text(x.shape())
        );
    }
    let k = if kth < 0 { kth + n } else { kth } as usize;
    sort_node(func, &x, ax, SortMode::Partition(k), indices)
}

/// `a` partitioned along `axis` around its element of sorted rank `kth` (negative counts
/// from the end).
pub fn partition(a: &Array, kth: i32, axis: Option<i32>) -> Result<Array> {
    partition_impl("partition", a, kth, axis, false)
}

/// The uint32 positions that partition `a` along `axis` around rank `kth`.
pub fn argpartition(a: &Array, kth: i32, axis: Option<i32>) -> Result<Array> {
    partition_impl("argpartition", a, kth, axis, true)
}

/// The `k` largest elements along `axis` (in no promised order, as in MLX).
pub fn topk(a: &Array, k: i32, axis: Option<i32>) -> Result<Array> {
    let (x, ax, shown) = axis_or_flat("topk", a, axis)?;
    let n = x.shape()[ax];
    if k < 0 || k > n {
        bail!(
            "[topk] Received invalid k={k} along axis {shown} for array with shape: {}",
            shape_text(x.shape())
        );
    }
    let part = if k == 0 {
        x
    } else {
        sort_node("topk", &x, ax, SortMode::Partition((n - k) as usize), false)?
    };
    let mut start = vec![0; part.ndim()];
    let stop = part.shape().to_vec();
    start[ax] = n - k;
    super::slice(&part, &start, &stop, &vec![1; part.ndim()])
}

/// Method forms, as on MLX's `array`.
impl Array {
    /// [`sort`] along `axis`.
    pub fn sort(&self, axis: Option<i32>) -> Result<Array> {
        sort(self, axis)
    }
    /// [`argsort`] along `axis`.
    pub fn argsort(&self, axis: Option<i32>) -> Result<Array> {
        argsort(self, axis)
    }
}

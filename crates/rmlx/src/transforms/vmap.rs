//! Vectorising map.

use super::trace::{dependent_ops, tracer_of, TraceGuard};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::ops;
use crate::shape::fmt_shape;
use std::collections::{HashMap, HashSet};

/// Maps `f` over axis `in_axes[i]` of each input (`None`: the input is shared by every
/// call) and stacks each output along `out_axes[i]` (one entry: the same axis for every
/// output).
///
/// `f` is traced once, on inputs without the mapped axis; the traced graph is then rewritten
/// with each primitive's batching rule, so no per-element loop runs. An output that does not
/// depend on a mapped input is broadcast along the new axis.
pub fn vmap<F>(
    f: F,
    inputs: &[Array],
    in_axes: &[Option<i32>],
    out_axes: &[i32],
) -> Result<Vec<Array>>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    vmap_with(f, inputs, in_axes, |outputs: &[Array]| {
        let axes = if out_axes.len() == 1 {
            vec![Some(out_axes[0]); outputs.len()]
        } else {
            out_axes.iter().map(|&a| Some(a)).collect()
        };
        Ok(axes)
    })
}

/// [`vmap`] with the output axes chosen after `f` ran, from its (traced, unbatched)
/// outputs — for callers whose output structure is only known then (Python pytrees).
/// `None` is MLX's "no output axis": an output that does not depend on a mapped input is
/// broadcast with the new axis last; one that does is an error.
pub fn vmap_with<F, A>(
    f: F,
    inputs: &[Array],
    in_axes: &[Option<i32>],
    out_axes: A,
) -> Result<Vec<Array>>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
    A: FnOnce(&[Array]) -> Result<Vec<Option<i32>>>,
{
    if in_axes.len() != inputs.len() {
        return Err(Error::InvalidArgument(format!(
            "[vmap] Got {} in_axes for {} inputs.",
            in_axes.len(),
            inputs.len()
        )));
    }
    let mut size: Option<i32> = None;
    let mut axes = Vec::with_capacity(inputs.len());
    for (x, ax) in inputs.iter().zip(in_axes) {
        let Some(ax) = *ax else {
            axes.push(None);
            continue;
        };
        let nd = x.ndim() as i32;
        // Negative axes count from the end; MLX reports the normalised value.
        let ax = if ax < 0 { ax + nd } else { ax };
        if ax < 0 || ax >= nd {
            return Err(Error::Index(format!(
                "[vmap] Invalid vectorization axis {ax} for array with shape {}",
                fmt_shape(x.shape())
            )));
        }
        let ax = ax as usize;
        let n = x.shape()[ax];
        match size {
            Some(s) if s != n => {
                return Err(Error::InvalidArgument(format!(
                    "[vmap] Inconsistent axis sizes: {s} and {n}."
                )))
            }
            _ => size = Some(n),
        }
        axes.push(Some(ax));
    }
    let Some(size) = size else {
        return Err(Error::InvalidArgument(
            "At least one of in_axes must be non-None.".into(),
        ));
    };

    let _guard = TraceGuard::enter();
    // Leaves: one element of each mapped input (evaluable, so `f` may call eval).
    let mut leaves = Vec::with_capacity(inputs.len());
    let mut mapped: HashMap<usize, (Array, Option<usize>)> = HashMap::new();
    let mut leaf_ids = HashSet::new();
    for (x, ax) in inputs.iter().zip(&axes) {
        let Some(ax) = *ax else {
            leaves.push(x.clone());
            continue;
        };
        let leaf = tracer_of(&unbatched(x, ax)?)?;
        leaf_ids.insert(leaf.id());
        mapped.insert(leaf.id(), (x.clone(), Some(ax)));
        leaves.push(leaf);
    }
    let outputs = f(&leaves)?;
    let out_axes = out_axes(&outputs)?;
    if out_axes.len() != outputs.len() {
        return Err(Error::InvalidArgument(format!(
            "[vmap] Got {} out_axes for {} outputs.",
            out_axes.len(),
            outputs.len()
        )));
    }
    for traced in dependent_ops(&leaf_ids, &outputs) {
        let op = &traced.op;
        let mut batched = Vec::with_capacity(op.inputs.len());
        let mut in_ax = Vec::with_capacity(op.inputs.len());
        for x in &op.inputs {
            match mapped.get(&x.id()) {
                Some((b, ax)) => {
                    batched.push(b.clone());
                    in_ax.push(*ax);
                }
                None => {
                    batched.push(x.clone());
                    in_ax.push(None);
                }
            }
        }
        let outs = traced.outputs();
        let out_arrays = traced.output_arrays(&outs)?;
        let (batched_outs, out_ax) = op.primitive.vmap(&batched, &in_ax, &out_arrays)?;
        for ((o, b), ax) in outs.into_iter().zip(batched_outs).zip(out_ax) {
            if let Some(o) = o {
                mapped.insert(o.id(), (b, ax));
            }
        }
    }
    outputs
        .iter()
        .zip(out_axes)
        .map(|(o, out_ax)| {
            let nd = o.ndim() as i32;
            let Some(out_ax) = out_ax else {
                return match mapped.get(&o.id()) {
                    Some((_, Some(_))) => Err(Error::InvalidArgument(format!(
                        "[vmap] Axis -1 invalid for output with {} dimensions.",
                        nd + 1
                    ))),
                    Some((b, None)) => stacked(b, size, nd),
                    None => stacked(o, size, nd),
                };
            };
            let out_ax = if out_ax < 0 { out_ax + nd + 1 } else { out_ax };
            if out_ax < 0 || out_ax > nd {
                return Err(Error::Index(format!(
                    "[vmap] Invalid output vectorization axis {out_ax} for array with shape {}",
                    fmt_shape(o.shape())
                )));
            }
            match mapped.get(&o.id()) {
                Some((b, Some(ax))) => ops::moveaxis(b, *ax as i32, out_ax),
                Some((b, None)) => stacked(b, size, out_ax),
                None => stacked(o, size, out_ax),
            }
        })
        .collect()
}

/// Element 0 of `x` along `axis`, without that axis (zeros of that shape when empty).
fn unbatched(x: &Array, axis: usize) -> Result<Array> {
    let mut shape = x.shape().to_vec();
    shape.remove(axis);
    if x.shape()[axis] == 0 {
        return ops::zeros(&shape, x.dtype());
    }
    let mut start = vec![0; x.ndim()];
    let mut stop = x.shape().to_vec();
    start[axis] = 0;
    stop[axis] = 1;
    let one = ops::slice(x, &start, &stop, &vec![1; x.ndim()])?;
    ops::reshape(&one, &shape)
}

/// `x` repeated `size` times along a new axis `axis` (a broadcast view).
fn stacked(x: &Array, size: i32, axis: i32) -> Result<Array> {
    let e = ops::expand_dims(x, &[axis])?;
    let mut shape = e.shape().to_vec();
    shape[axis as usize] = size;
    ops::broadcast_to(&e, &shape)
}

//! Forward mode: the Jacobian-vector product.

use super::trace::{dependent_ops, tracer_of, TraceGuard};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::ops;
use std::collections::{HashMap, HashSet};

/// Calls `f` on `primals` and returns its outputs and their tangents: for every output,
/// Σ over primals of `∂output/∂primal · tangent`. One tangent per primal, of its shape.
pub fn jvp<F>(f: F, primals: &[Array], tangents: &[Array]) -> Result<(Vec<Array>, Vec<Array>)>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    if primals.len() != tangents.len() {
        return Err(Error::InvalidArgument(
            "[jvp] Number of inputs does not match number of tangents.".into(),
        ));
    }
    if primals
        .iter()
        .zip(tangents)
        .any(|(p, t)| p.shape() != t.shape())
    {
        return Err(Error::InvalidArgument(
            "[jvp] Input shape does not match shape of tangent.".into(),
        ));
    }
    let _guard = TraceGuard::enter();
    let leaves = primals.iter().map(tracer_of).collect::<Result<Vec<_>>>()?;
    let outputs = f(&leaves)?;
    let mut tan: HashMap<usize, Array> = HashMap::new();
    for (l, t) in leaves.iter().zip(tangents) {
        let t = if t.dtype() == l.dtype() {
            t.clone()
        } else {
            ops::astype(t, l.dtype())?
        };
        tan.insert(l.id(), t);
    }
    let leaf_ids: HashSet<usize> = leaves.iter().map(Array::id).collect();
    for traced in dependent_ops(&leaf_ids, &outputs) {
        let op = &traced.op;
        let ts = traced
            .argnums
            .iter()
            .map(|&i| {
                tan.get(&op.inputs[i].id()).cloned().ok_or_else(|| {
                    Error::Runtime(format!(
                        "[jvp] Missing tangent for an input of {}.",
                        op.primitive.name()
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let outs = traced.outputs();
        let out_arrays = traced.output_arrays(&outs)?;
        let out_tangents = op
            .primitive
            .jvp(&op.inputs, &ts, &traced.argnums, &out_arrays)?;
        for (o, t) in outs.into_iter().zip(out_tangents) {
            if let Some(o) = o {
                tan.insert(o.id(), t);
            }
        }
    }
    let out_tangents = outputs
        .iter()
        .map(|o| match tan.get(&o.id()) {
            Some(t) => Ok(t.clone()),
            None => ops::zeros_like(o),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((outputs, out_tangents))
}

//! Reverse mode: the vector-Jacobian product.

use super::trace::{dependent_ops, tracer_of, TraceGuard};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::ops;
use crate::shape::fmt_shape;
use std::collections::{HashMap, HashSet};

/// Calls `f` on `primals` and returns its outputs and the cotangents of the primals: for
/// every primal, Σ over outputs of `cotangent · ∂output/∂primal`.
///
/// There must be one cotangent per output (extra cotangents are ignored, as in MLX), each of
/// its output's shape; a cotangent of another dtype is cast to the output's. A primal the
/// outputs do not depend on gets zeros.
pub fn vjp<F>(f: F, primals: &[Array], cotangents: &[Array]) -> Result<(Vec<Array>, Vec<Array>)>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    let _guard = TraceGuard::enter();
    let leaves = primals.iter().map(tracer_of).collect::<Result<Vec<_>>>()?;
    let outputs = f(&leaves)?;
    let grads = backward(&leaves, &outputs, cotangents)?;
    Ok((outputs, grads))
}

/// The reverse walk: cotangents of `leaves` given those of `outputs`.
pub(crate) fn backward(
    leaves: &[Array],
    outputs: &[Array],
    cotangents: &[Array],
) -> Result<Vec<Array>> {
    if cotangents.len() < outputs.len() {
        return Err(Error::InvalidArgument(format!(
            "[vjp] Number of outputs to compute gradients for ({}) does not match number of \
             cotangents ({}).",
            outputs.len(),
            cotangents.len()
        )));
    }
    let mut cot: HashMap<usize, Array> = HashMap::new();
    for (out, c) in outputs.iter().zip(cotangents) {
        if out.shape() != c.shape() {
            // Same size, other shape: most likely a (1,)-shaped "scalar" loss; MLX hints.
            let hint = if out.size() == c.size() {
                " If you are using grad your function must return a scalar."
            } else {
                ""
            };
            return Err(Error::InvalidArgument(format!(
                "[vjp] Output shape {} does not match cotangent shape {}.{hint}",
                fmt_shape(out.shape()),
                fmt_shape(c.shape())
            )));
        }
        let c = if c.dtype() == out.dtype() {
            c.clone()
        } else {
            ops::astype(c, out.dtype())?
        };
        accumulate(&mut cot, out.id(), c)?;
    }
    let leaf_ids: HashSet<usize> = leaves.iter().map(Array::id).collect();
    let tape = dependent_ops(&leaf_ids, outputs);
    for traced in tape.iter().rev() {
        let outs = traced.outputs();
        // Every consumer of these outputs came later in the tape, so their cotangents are
        // complete; taking them out of the map frees them once used.
        let taken: Vec<Option<Array>> = outs
            .iter()
            .map(|o| o.as_ref().and_then(|o| cot.remove(&o.id())))
            .collect();
        if taken.iter().all(Option::is_none) {
            continue;
        }
        let out_arrays = traced.output_arrays(&outs)?;
        let cots = taken
            .into_iter()
            .zip(&out_arrays)
            .map(|(c, o)| match c {
                Some(c) => Ok(c),
                None => ops::zeros_like(o),
            })
            .collect::<Result<Vec<_>>>()?;
        let op = &traced.op;
        let grads = op
            .primitive
            .vjp(&op.inputs, &cots, &traced.argnums, &out_arrays)?;
        for (&i, g) in traced.argnums.iter().zip(grads) {
            let input = &op.inputs[i];
            if g.shape() != input.shape() {
                return Err(Error::Runtime(format!(
                    "[vjp] The rule of {} gave a cotangent of shape {} for an input of shape {}.",
                    op.primitive.name(),
                    fmt_shape(g.shape()),
                    fmt_shape(input.shape())
                )));
            }
            accumulate(&mut cot, input.id(), g)?;
        }
    }
    leaves
        .iter()
        .map(|l| match cot.remove(&l.id()) {
            Some(c) => Ok(c),
            None => ops::zeros_like(l),
        })
        .collect()
}

fn accumulate(cot: &mut HashMap<usize, Array>, id: usize, c: Array) -> Result<()> {
    let c = match cot.remove(&id) {
        Some(prev) => ops::add(&prev, &c)?,
        None => c,
    };
    cot.insert(id, c);
    Ok(())
}

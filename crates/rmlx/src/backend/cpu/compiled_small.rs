//! The steps of a `Compiled` group that have fewer elements than its output.
//!
//! MLX fuses nodes of smaller shapes into a group (`exp(w)` in `exp(w) * x` with `w` a
//! row), and its kernels compute them at every output element. On the CPU that repeats
//! their work once per broadcast copy (measured: `exp(col) * x` over 4096 × 4096 f32 took
//! twice the unfused time), so here they run first, whole, each with its own primitive's
//! kernel (so values are those of the unfused graph), and the blocked interpreter reads
//! their values as extra inputs. The node keeps MLX's members and name.

use crate::array::{Array, ArrayData};
use crate::error::{Error, Result};
use crate::primitives::compiled::{Compiled, Operand, Step, StepOp};
use crate::primitives::KernelCtx;
use crate::shape::{broadcast_shapes, size_of, Shape};

/// Each step's shape for the actual inputs: a broadcast's target (the output's, or the
/// traced one broadcast with its operand as MLX's `Broadcast` does), else its operands'
/// broadcast.
fn step_shapes(c: &Compiled, ctx: &KernelCtx<'_>, out: &[i32]) -> Result<Vec<Shape>> {
    let mut shapes: Vec<Shape> = Vec::with_capacity(c.steps.len());
    for step in &c.steps {
        let arg = |a: &Operand| -> &[i32] {
            match *a {
                Operand::Input(i) => ctx.inputs[i].shape(),
                Operand::Step(k) => &shapes[k],
            }
        };
        let shape = match (step.op, &step.target) {
            (StepOp::Broadcast, None) => out.to_vec(),
            (StepOp::Broadcast, Some(t)) => broadcast_shapes(arg(&step.args[0]), t)?,
            _ => {
                let mut s: Shape = Vec::new();
                for a in &step.args {
                    s = broadcast_shapes(&s, arg(a))?;
                }
                s
            }
        };
        shapes.push(shape);
    }
    Ok(shapes)
}

/// When some steps are smaller than the output: computes them and returns the group
/// without them, with their values as inputs appended to the node's (`None`: nothing to
/// do).
pub(super) fn run_small_steps(
    c: &Compiled,
    ctx: &KernelCtx<'_>,
) -> Result<Option<(Compiled, Vec<Array>)>> {
    let out = ctx.output(0).shape();
    let n = size_of(out);
    let shapes = step_shapes(c, ctx, out)?;
    let small: Vec<bool> = shapes.iter().map(|s| size_of(s) < n).collect();
    // (Outputs have the output's shape; if one did not, the group runs as a whole.)
    if !small.iter().any(|&s| s) || c.outputs.iter().any(|&j| small[j]) {
        return Ok(None);
    }
    // A small step reads inputs and small steps only (a larger operand would make it
    // larger), so in step order every operand is ready.
    let mut values: Vec<Option<Array>> = vec![None; c.steps.len()];
    for (j, step) in c.steps.iter().enumerate().filter(|&(j, _)| small[j]) {
        let args = step
            .args
            .iter()
            .map(|a| match *a {
                Operand::Input(i) => Ok(ctx.inputs[i].clone()),
                Operand::Step(k) => values[k]
                    .clone()
                    .ok_or_else(|| Error::Runtime("[Compiled] Step order.".into())),
            })
            .collect::<Result<Vec<_>>>()?;
        let target = [Array::placeholder(shapes[j].clone(), step.dtype, 0)];
        let kctx = KernelCtx {
            inputs: &args,
            outputs: &target,
            donatable: 0,
            device: ctx.device,
        };
        let data: ArrayData = step
            .op
            .primitive()
            .eval_cpu(&kctx)?
            .pop()
            .ok_or_else(|| Error::Runtime("[Compiled] No output.".into()))?;
        values[j] = Some(Array::from_data(shapes[j].clone(), step.dtype, data));
    }
    // The rest of the group, reading the small values as inputs.
    let mut inputs = ctx.inputs.to_vec();
    let mut as_input = vec![None; c.steps.len()];
    let mut index = vec![0usize; c.steps.len()];
    let mut steps = Vec::new();
    for (j, step) in c.steps.iter().enumerate().filter(|&(j, _)| !small[j]) {
        let mut args = Vec::with_capacity(step.args.len());
        for a in &step.args {
            args.push(match *a {
                Operand::Input(i) => Operand::Input(i),
                Operand::Step(k) if small[k] => match as_input[k] {
                    Some(i) => Operand::Input(i),
                    None => {
                        let v = values[k]
                            .clone()
                            .ok_or_else(|| Error::Runtime("[Compiled] Step order.".into()))?;
                        inputs.push(v);
                        as_input[k] = Some(inputs.len() - 1);
                        Operand::Input(inputs.len() - 1)
                    }
                },
                Operand::Step(k) => Operand::Step(index[k]),
            });
        }
        index[j] = steps.len();
        steps.push(Step {
            op: step.op,
            args,
            dtype: step.dtype,
            target: step.target.clone(),
        });
    }
    let rest = Compiled {
        steps,
        outputs: c.outputs.iter().map(|&j| index[j]).collect(),
        expands: c.expands,
    };
    Ok(Some((rest, inputs)))
}

//! `Compiled`: a fused group of elementwise operations (unary, binary, `Select`, `AsType`,
//! with `Broadcast` views of its inputs absorbed) evaluated in one pass over memory.
//!
//! `compile::fuse` builds it from a traced graph. The step list is the group's nodes in
//! topological order; the kernel (`backend::cpu::compiled`) runs it block by block so no
//! full-size intermediate exists. Transforms re-express the steps with the ordinary
//! primitives and let the transforms differentiate or batch that graph (composition), so
//! derivatives and batching equal those of the unfused graph.

use super::binary::{Binary, BinaryOp};
use super::copy::AsType;
use super::ternary::Select;
use super::unary::{Unary, UnaryOp};
use super::views::Broadcast;
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::dtype::Dtype;
use crate::error::Result;
use crate::shape::Shape;
use crate::stream::Stream;
use crate::transforms;

/// The operation of one fused step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepOp {
    Unary(UnaryOp),
    Binary(BinaryOp),
    Select,
    AsType,
    /// A broadcasting view of an operand: the kernel loads operands at the output shape
    /// already, so this step only names the alias.
    Broadcast,
}

impl StepOp {
    /// MLX's primitive name of the step.
    pub fn name(self) -> &'static str {
        match self {
            StepOp::Unary(op) => op.name(),
            StepOp::Binary(op) => op.name(),
            StepOp::Select => "Select",
            StepOp::AsType => "AsType",
            StepOp::Broadcast => "Broadcast",
        }
    }

    /// The ordinary primitive of the step.
    pub fn primitive(self) -> Box<dyn Primitive> {
        match self {
            StepOp::Unary(op) => Box::new(Unary(op)),
            StepOp::Binary(op) => Box::new(Binary(op)),
            StepOp::Select => Box::new(Select),
            StepOp::AsType => Box::new(AsType),
            StepOp::Broadcast => Box::new(Broadcast),
        }
    }
}

/// Where a step reads an operand: an input of the `Compiled` node or an earlier step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operand {
    Input(usize),
    Step(usize),
}

/// One fused operation: `op` applied to `args`, producing `dtype`. The kernel computes
/// every step at the output shape (operands are loaded broadcast); as a graph, a step's
/// shape is its operands' broadcast, or for a `Broadcast` step `target`.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub op: StepOp,
    pub args: Vec<Operand>,
    pub dtype: Dtype,
    /// The traced shape of a `Broadcast` step when it is not the node's output shape
    /// (then a replay broadcasts the operand against it, as MLX's `Broadcast` does).
    pub target: Option<Shape>,
}

/// A fused elementwise group. Output `k` is the value of step `outputs[k]`; every output
/// has the node's (common) shape.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub steps: Vec<Step>,
    pub outputs: Vec<usize>,
    /// Whether an absorbed `Broadcast` makes the node larger than its operands broadcast
    /// together (then a shapeless replay keeps the traced shape's extra extent).
    pub expands: bool,
}

impl Compiled {
    /// Builds the steps again as ordinary graph nodes on `inputs`, the outputs having
    /// `shape`, on `stream`: the unfused computation, for the transforms and for tests.
    pub fn replay(&self, inputs: &[Array], shape: &[i32], stream: Stream) -> Result<Vec<Array>> {
        let mut values: Vec<Array> = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            let args: Vec<Array> = step
                .args
                .iter()
                .map(|a| match *a {
                    Operand::Input(i) => inputs[i].clone(),
                    Operand::Step(j) => values[j].clone(),
                })
                .collect();
            let mut common: Shape = Vec::new();
            for a in &args {
                common = crate::shape::broadcast_shapes(&common, a.shape())?;
            }
            let node = |p: Box<dyn Primitive>, shape: Shape, args: Vec<Array>| {
                Array::from_shared_op(shape, step.dtype, stream, std::sync::Arc::from(p), args)
            };
            let v = match step.op {
                StepOp::Broadcast => {
                    let target = match &step.target {
                        None => shape.to_vec(),
                        Some(t) => crate::shape::broadcast_shapes(args[0].shape(), t)?,
                    };
                    if args[0].shape() == target.as_slice() {
                        args[0].clone()
                    } else {
                        node(step.op.primitive(), target, args)
                    }
                }
                // `Select`'s kernel reads operands at its own shape.
                StepOp::Select => {
                    let args = args
                        .iter()
                        .map(|a| crate::ops::broadcast_to(a, &common))
                        .collect::<Result<Vec<_>>>()?;
                    node(step.op.primitive(), common, args)
                }
                _ => node(step.op.primitive(), common, args),
            };
            values.push(v);
        }
        Ok(self.outputs.iter().map(|&j| values[j].clone()).collect())
    }

    /// `replay` with the shape taken from batched or unbatched inputs: the broadcast of the
    /// inputs' shapes and `base` (the unbatched output shape).
    fn replay_broadcast(&self, inputs: &[Array], base: &[i32]) -> Result<Vec<Array>> {
        let mut shape = base.to_vec();
        for x in inputs {
            shape = crate::shape::broadcast_shapes(&shape, x.shape())?;
        }
        let stream = crate::ops::op_stream("compile")?;
        self.replay(inputs, &shape, stream)
    }
}

/// `inputs` with the entries listed in `argnums` replaced by `values`.
fn with_args(inputs: &[Array], argnums: &[usize], values: &[Array]) -> Vec<Array> {
    let mut all = inputs.to_vec();
    for (&i, v) in argnums.iter().zip(values) {
        all[i] = v.clone();
    }
    all
}

impl Primitive for Compiled {
    fn name(&self) -> String {
        let mut s = String::from("Compiled");
        for step in &self.steps {
            s.push_str(step.op.name());
        }
        s
    }

    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        crate::backend::cpu::compiled::eval(self, ctx)
    }

    /// Elementwise: the operands broadcast together (and with the traced shape when an
    /// absorbed `Broadcast` enlarged it), the same for every output.
    fn output_shapes(&self, inputs: &[Array], traced: &[Shape]) -> Result<Vec<Shape>> {
        let mut shape: Shape = Vec::new();
        for x in inputs {
            shape = crate::shape::broadcast_shapes(&shape, x.shape())?;
        }
        if self.expands {
            shape = crate::shape::broadcast_shapes(&shape, &traced[0])?;
        }
        Ok(vec![shape; self.outputs.len()])
    }

    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let leaves: Vec<Array> = argnums.iter().map(|&i| p[i].clone()).collect();
        let shape = o[0].shape().to_vec();
        let (_, g) = transforms::vjp(
            |l| self.replay_broadcast(&with_args(p, argnums, l), &shape),
            &leaves,
            c,
        )?;
        Ok(g)
    }

    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let leaves: Vec<Array> = argnums.iter().map(|&i| p[i].clone()).collect();
        let shape = o[0].shape().to_vec();
        let (_, tout) = transforms::jvp(
            |l| self.replay_broadcast(&with_args(p, argnums, l), &shape),
            &leaves,
            t,
        )?;
        Ok(tout)
    }

    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        let in_axes: Vec<Option<i32>> = axes.iter().map(|a| a.map(|a| a as i32)).collect();
        let shape = o[0].shape().to_vec();
        let out = transforms::vmap(|l| self.replay_broadcast(l, &shape), x, &in_axes, &[0])?;
        let n = out.len();
        Ok((out, vec![Some(0); n]))
    }
}

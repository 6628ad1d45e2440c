//! The tape: a traced function recorded as a list of primitives over numbered slots.
//!
//! A slot is one of the function's inputs, a constant (an array the function captured, or
//! built without depending on its inputs) or an output of an earlier tape node. Nodes come
//! producers first, so replaying them in order always finds their inputs.

use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::primitives::Primitive;
use crate::shape::Shape;
use crate::stream::Stream;
use crate::transforms::trace::all_dependent_ops;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Where a value of the tape comes from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Slot {
    /// Input `i` of the compiled function.
    Input(usize),
    /// Constant `i` of the tape.
    Const(usize),
    /// Output `j` of node `i`.
    Node(usize, usize),
}

/// One recorded operation.
#[derive(Clone, Debug)]
pub(crate) struct TapeNode {
    /// Shared with every graph the tape is replayed into.
    pub primitive: Arc<dyn Primitive>,
    pub inputs: Vec<Slot>,
    /// Shapes and dtypes of the outputs when traced.
    pub outputs: Vec<(Shape, Dtype)>,
    /// Built as siblings (several outputs of one operation).
    pub multi: bool,
    pub stream: Stream,
}

/// A recorded function.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tape {
    /// Shapes and dtypes of the inputs when traced.
    pub inputs: Vec<(Shape, Dtype)>,
    pub constants: Vec<Array>,
    pub nodes: Vec<TapeNode>,
    pub outputs: Vec<Slot>,
}

impl Tape {
    /// Records the graph between the tracer `leaves` and `outputs`.
    pub fn record(leaves: &[Array], outputs: &[Array]) -> Result<Tape> {
        let mut tape = Tape {
            inputs: leaves
                .iter()
                .map(|l| (l.shape().to_vec(), l.dtype()))
                .collect(),
            ..Tape::default()
        };
        let mut slots: HashMap<usize, Slot> = leaves
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id(), Slot::Input(i)))
            .collect();
        let leaf_ids: HashSet<usize> = leaves.iter().map(Array::id).collect();
        for traced in all_dependent_ops(&leaf_ids, outputs) {
            let op = &traced.op;
            let inputs = op
                .inputs
                .iter()
                .map(|x| tape.slot_of(x, &mut slots))
                .collect();
            let outs = traced.outputs();
            let specs = (0..outs.len())
                .map(|j| traced.output_spec(j, &outs[j]))
                .collect();
            let k = tape.nodes.len();
            for (j, o) in outs.iter().enumerate() {
                if let Some(o) = o {
                    slots.insert(o.id(), Slot::Node(k, j));
                }
            }
            tape.nodes.push(TapeNode {
                primitive: op.primitive.clone(),
                inputs,
                outputs: specs,
                multi: op.sibling_specs.is_some(),
                stream: op.stream,
            });
        }
        tape.outputs = outputs
            .iter()
            .map(|o| tape.slot_of(o, &mut slots))
            .collect();
        Ok(tape)
    }

    /// The slot of `x`: recorded already, or a new constant.
    fn slot_of(&mut self, x: &Array, slots: &mut HashMap<usize, Slot>) -> Slot {
        *slots.entry(x.id()).or_insert_with(|| {
            self.constants.push(x.clone());
            Slot::Const(self.constants.len() - 1)
        })
    }

    /// Whether a constant is, or (through its unevaluated graph) reads, one of `inputs`: the
    /// function used a real input it was given without going through its argument — MLX
    /// rejects that ("uncaptured inputs").
    pub fn reads_inputs(&self, inputs: &[Array]) -> bool {
        let ids: HashSet<usize> = inputs.iter().map(Array::id).collect();
        let mut seen: HashSet<usize> = HashSet::new();
        let mut stack: Vec<Array> = self.constants.clone();
        while let Some(a) = stack.pop() {
            if ids.contains(&a.id()) {
                return true;
            }
            if !seen.insert(a.id()) {
                continue;
            }
            if let Some(op) = a.0.lock_op().clone() {
                stack.extend(op.inputs.iter().cloned());
            }
        }
        false
    }

    /// Shape and dtype of a slot when traced.
    pub fn spec(&self, s: Slot) -> (Shape, Dtype) {
        match s {
            Slot::Input(i) => self.inputs[i].clone(),
            Slot::Const(i) => (
                self.constants[i].shape().to_vec(),
                self.constants[i].dtype(),
            ),
            Slot::Node(i, j) => self.nodes[i].outputs[j].clone(),
        }
    }

    /// The primitive names of the nodes, in order (what tests and `Compiled::tapes` show).
    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.primitive.name()).collect()
    }
}

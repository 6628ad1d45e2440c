//! Fusion: groups of elementwise nodes of a traced graph become one `Compiled` node.
//!
//! A group is a set of `Unary`, `Binary`, `Select`, `AsType` and `Broadcast` nodes on one
//! stream that depend on the traced inputs, chosen by MLX's rule (see [`groups`]): grown
//! from a root back through operands whose every consumer is in the group, so values read
//! outside a group are only its root and the function outputs inside it. The steps are
//! the group's nodes in MLX's tape order, with the `Broadcast` steps MLX's ops would have
//! inserted before broadcasting operands, so the `Compiled…` name is MLX's
//! (`CompiledBroadcastMultiplyBroadcastAdd` for `x * w + b`).
//!
//! The new `Compiled` arrays replace the group's values: nodes outside the groups that read
//! them are rebuilt in place with the new inputs (same array identity), and the returned
//! outputs are the new arrays where an output was fused.

mod groups;

use crate::array::{Array, OpNode};
use crate::error::Result;
use crate::primitives::binary::Binary;
use crate::primitives::compiled::{Compiled, Operand, Step, StepOp};
use crate::primitives::copy::AsType;
use crate::primitives::ternary::Select;
use crate::primitives::unary::Unary;
use crate::primitives::views::Broadcast;
use crate::primitives::Primitive;
use crate::stream::Stream;
use std::collections::HashMap;
use std::sync::Arc;

/// One array of the walked graph.
struct Node {
    arr: Array,
    /// Indices (into the walk) of the producing operation's inputs; empty for leaves and
    /// arrays without an operation.
    inputs: Vec<usize>,
    /// The fusable operation producing it, if any.
    step: Option<StepOp>,
    stream: Option<Stream>,
    /// Depends on a traced input.
    depends: bool,
}

/// The fusable step of a primitive, by downcasting.
fn step_of(p: &dyn Primitive) -> Option<StepOp> {
    let any = p as &dyn std::any::Any;
    if let Some(u) = any.downcast_ref::<Unary>() {
        Some(StepOp::Unary(u.0))
    } else if let Some(b) = any.downcast_ref::<Binary>() {
        Some(StepOp::Binary(b.0))
    } else if any.is::<Select>() {
        Some(StepOp::Select)
    } else if any.is::<AsType>() {
        Some(StepOp::AsType)
    } else if any.is::<Broadcast>() {
        Some(StepOp::Broadcast)
    } else {
        None
    }
}

/// Walks the graph from `outputs` down to `inputs` (or arrays without an operation, or
/// already evaluated ones); returns the arrays in topological order (producers first).
fn walk(inputs: &[Array], outputs: &[Array]) -> Vec<Node> {
    let leaves: std::collections::HashSet<usize> = inputs.iter().map(|a| a.id()).collect();
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    // Iterative post-order DFS: (array, its operation's inputs if expanded).
    let mut stack: Vec<(Array, Option<Vec<Array>>)> =
        outputs.iter().rev().map(|a| (a.clone(), None)).collect();
    let mut meta: HashMap<usize, (Option<StepOp>, Option<Stream>)> = HashMap::new();
    while let Some((a, expanded)) = stack.pop() {
        if index.contains_key(&a.id()) {
            continue;
        }
        match expanded {
            None => {
                let op: Option<Arc<OpNode>> = if leaves.contains(&a.id()) || a.is_available() {
                    None
                } else {
                    a.0.lock_op().clone()
                };
                let ins: Vec<Array> = op.as_ref().map(|o| o.inputs.clone()).unwrap_or_default();
                if let Some(o) = &op {
                    let step = if o.outputs.len() == 1 {
                        step_of(o.primitive.as_ref())
                    } else {
                        None
                    };
                    meta.insert(a.id(), (step, Some(o.stream)));
                }
                stack.push((a.clone(), Some(ins.clone())));
                for x in ins.into_iter().rev() {
                    if !index.contains_key(&x.id()) {
                        stack.push((x, None));
                    }
                }
            }
            Some(ins) => {
                let (step, stream) = meta.remove(&a.id()).unwrap_or((None, None));
                let inputs: Vec<usize> = ins
                    .iter()
                    .filter_map(|x| index.get(&x.id()).copied())
                    .collect();
                let depends = leaves.contains(&a.id()) || inputs.iter().any(|&i| nodes[i].depends);
                index.insert(a.id(), nodes.len());
                nodes.push(Node {
                    arr: a,
                    inputs,
                    step,
                    stream,
                    depends,
                });
            }
        }
    }
    nodes
}

/// Replaces the elementwise groups of the graph of `outputs` (traced on `inputs`) with
/// `Compiled` nodes; returns the outputs to use from now on. `shapeless`: the trace is
/// shapeless (MLX's ops then broadcast every operand, which shows in the names).
pub(crate) fn fuse(inputs: &[Array], outputs: &[Array], shapeless: bool) -> Result<Vec<Array>> {
    let nodes = walk(inputs, outputs);
    let index: HashMap<usize, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, nd)| (nd.arr.id(), i))
        .collect();
    let mut is_output = vec![false; nodes.len()];
    for o in outputs {
        if let Some(&i) = index.get(&o.id()) {
            is_output[i] = true;
        }
    }
    let plan = groups::plan(&nodes, &is_output, shapeless);
    // Groups were formed from the last root to the first, and a group never reads a
    // group formed before it: building them in reverse builds producers first.
    let mut subst: HashMap<usize, Array> = HashMap::new();
    for g in plan.groups.iter().rev() {
        build_group(g, &plan.views, &nodes, &mut subst)?;
    }
    if subst.is_empty() {
        return Ok(outputs.to_vec());
    }
    // Rewire the other nodes that read replaced values.
    for nd in &nodes {
        if subst.contains_key(&nd.arr.id()) {
            continue;
        }
        if nd
            .inputs
            .iter()
            .any(|&i| subst.contains_key(&nodes[i].arr.id()))
        {
            rewire(&nd.arr, &subst);
        }
    }
    Ok(outputs
        .iter()
        .map(|o| subst.get(&o.id()).cloned().unwrap_or_else(|| o.clone()))
        .collect())
}

/// Number of inputs a fusable step takes (a node with another count is left alone).
fn arity(step: Option<StepOp>) -> usize {
    match step {
        Some(StepOp::Unary(_)) | Some(StepOp::AsType) | Some(StepOp::Broadcast) => 1,
        Some(StepOp::Binary(_)) => 2,
        Some(StepOp::Select) => 3,
        None => usize::MAX,
    }
}

/// The array a view outside the group stands for: its walked array (or the `Compiled`
/// output replacing it); an implicit broadcast outside the group (not expected: they are
/// always absorbed) reads its source, which the kernel loads broadcast anyway.
fn external(
    v: usize,
    views: &[groups::View],
    nodes: &[Node],
    subst: &HashMap<usize, Array>,
) -> Array {
    let mut v = v;
    loop {
        match views[v].walk {
            Some(w) => {
                let a = &nodes[w].arr;
                return subst.get(&a.id()).cloned().unwrap_or_else(|| a.clone());
            }
            None => v = views[v].inputs[0],
        }
    }
}

/// Creates the `Compiled` node of group `g` and records its outputs in `subst`.
fn build_group(
    g: &groups::Group,
    views: &[groups::View],
    nodes: &[Node],
    subst: &mut HashMap<usize, Array>,
) -> Result<()> {
    let root = &views[*g.outputs.last().unwrap_or(&g.tape[0])];
    let Some(stream) = root.walk.and_then(|w| nodes[w].stream) else {
        return Ok(());
    };
    let shape = root.shape.clone();
    let pos: HashMap<usize, usize> = g.tape.iter().enumerate().map(|(k, &v)| (v, k)).collect();
    let mut ext: Vec<Array> = Vec::new();
    let mut ext_index: HashMap<usize, usize> = HashMap::new();
    let mut steps = Vec::with_capacity(g.tape.len());
    for &v in &g.tape {
        let view = &views[v];
        let op = view.step.unwrap_or(StepOp::Broadcast);
        // A broadcast step reads its source only (an implicit shapeless one also lists the
        // other operands, as MLX's does, for the tape order).
        let reads = if op == StepOp::Broadcast {
            &view.inputs[..1]
        } else {
            &view.inputs[..]
        };
        let args = reads
            .iter()
            .map(|&x| match pos.get(&x) {
                Some(&k) => Operand::Step(k),
                None => {
                    let a = external(x, views, nodes, subst);
                    let k = *ext_index.entry(a.id()).or_insert_with(|| {
                        ext.push(a.clone());
                        ext.len() - 1
                    });
                    Operand::Input(k)
                }
            })
            .collect();
        steps.push(Step {
            op,
            args,
            dtype: view.dtype,
            target: (op == StepOp::Broadcast && view.shape != shape).then(|| view.shape.clone()),
        });
    }
    let mut operands_shape = Vec::new();
    for x in &ext {
        operands_shape = crate::shape::broadcast_shapes(&operands_shape, x.shape())?;
    }
    let prim = Compiled {
        steps,
        outputs: g.outputs.iter().map(|v| pos[v]).collect(),
        expands: operands_shape != shape,
    };
    let olds: Vec<&Array> = g
        .outputs
        .iter()
        .filter_map(|&v| views[v].walk.map(|w| &nodes[w].arr))
        .collect();
    let arrays = if olds.len() == 1 {
        vec![Array::from_op(shape, olds[0].dtype(), stream, prim, ext)]
    } else {
        let specs = olds.iter().map(|a| (shape.clone(), a.dtype())).collect();
        Array::multi_from_op(specs, stream, prim, ext)
    };
    for (old, a) in olds.into_iter().zip(arrays) {
        subst.insert(old.id(), a);
    }
    Ok(())
}

/// Rebuilds the operation of `a` (and its siblings) with replaced inputs, keeping the
/// arrays' identity. If the operation is shared elsewhere it is left as it was: the old
/// values stay valid, only unfused.
fn rewire(a: &Array, subst: &HashMap<usize, Array>) {
    let Some(op) = a.0.lock_op().clone() else {
        return;
    };
    let siblings: Vec<Arc<crate::array::Node>> =
        op.outputs.iter().filter_map(|w| w.upgrade()).collect();
    for s in &siblings {
        s.lock_op().take();
    }
    match Arc::try_unwrap(op) {
        Ok(op) => {
            let inputs = op
                .inputs
                .iter()
                .map(|x| subst.get(&x.id()).cloned().unwrap_or_else(|| x.clone()))
                .collect();
            let new = Arc::new(OpNode {
                primitive: op.primitive,
                inputs,
                outputs: op.outputs,
                sibling_specs: op.sibling_specs,
                stream: op.stream,
            });
            for s in &siblings {
                *s.lock_op() = Some(new.clone());
            }
        }
        Err(op) => {
            for s in &siblings {
                *s.lock_op() = Some(op.clone());
            }
        }
    }
}

/// Test hook: `fuse` for integration tests and benchmarks (not a stable API).
#[doc(hidden)]
pub fn fuse_for_tests(inputs: &[Array], outputs: &[Array]) -> Result<Vec<Array>> {
    fuse(inputs, outputs, false)
}

/// Test hook: the primitive names of every operation in the graph of `outputs` (down to
/// arrays without an operation), in topological order (not a stable API).
#[doc(hidden)]
pub fn graph_primitive_names(outputs: &[Array]) -> Vec<String> {
    let mut seen_ops = std::collections::HashSet::new();
    let mut names = Vec::new();
    for nd in walk(&[], outputs) {
        if let Some(op) = nd.arr.0.lock_op().clone() {
            if seen_ops.insert(Arc::as_ptr(&op) as usize) {
                names.push(op.primitive.name());
            }
        }
    }
    names
}

//! Tracing state and the walk over a traced graph.

use crate::array::{Array, OpNode};
use crate::primitives::identity::Copy;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

thread_local! {
    /// How many transforms are tracing on this thread (they nest).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// True while a transform is tracing a function on this thread.
pub(crate) fn in_tracing() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

/// Marks this thread as tracing until dropped.
pub(crate) struct TraceGuard(());

impl TraceGuard {
    pub fn enter() -> TraceGuard {
        DEPTH.with(|d| d.set(d.get() + 1));
        TraceGuard(())
    }
}

impl Drop for TraceGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Suspends tracing on this thread until dropped (the inside of a custom function: arrays
/// built there are not tracers, so no transform walks or keeps them).
pub(crate) struct SuspendGuard(usize);

impl TraceGuard {
    pub fn suspend() -> SuspendGuard {
        SuspendGuard(DEPTH.with(|d| d.replace(0)))
    }
}

impl Drop for SuspendGuard {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(self.0));
    }
}

/// A fresh leaf standing for `a` inside a transform: the identity of `a`, marked as a tracer.
pub(crate) fn tracer_of(a: &Array) -> crate::Result<Array> {
    let stream = crate::ops::op_stream("transform")?;
    let t = Array::from_op(a.shape().to_vec(), a.dtype(), stream, Copy, vec![a.clone()]);
    t.0.tracer.store(true, Ordering::Relaxed);
    Ok(t)
}

/// An operation of a traced graph that depends on the leaves, with which of its inputs do.
pub(crate) struct TracedOp {
    pub op: Arc<OpNode>,
    /// Indices of the inputs that depend on a leaf (the `argnums` of the rules).
    pub argnums: Vec<usize>,
}

impl TracedOp {
    /// The operation's outputs; a sibling the caller dropped comes back as `None`.
    pub fn outputs(&self) -> Vec<Option<Array>> {
        self.op
            .outputs
            .iter()
            .map(|w| w.upgrade().map(Array))
            .collect()
    }

    /// The outputs for a rule: a dropped sibling is stood in for by zeros of its shape and
    /// dtype (rules of multi-output primitives read only the outputs the graph still holds).
    pub fn output_arrays(&self, outs: &[Option<Array>]) -> crate::Result<Vec<Array>> {
        outs.iter()
            .enumerate()
            .map(|(i, o)| match o {
                Some(o) => Ok(o.clone()),
                None => {
                    let (shape, dtype) = self.output_spec(i, o);
                    crate::ops::zeros(&shape, dtype)
                }
            })
            .collect()
    }

    /// Shape and dtype of output `i` (also of a dropped sibling).
    pub fn output_spec(&self, i: usize, alive: &Option<Array>) -> (Vec<i32>, crate::Dtype) {
        match (alive, &self.op.sibling_specs) {
            (Some(a), _) => (a.shape().to_vec(), a.dtype()),
            (None, Some(specs)) => specs[i].clone(),
            // A single output is alive whenever its operation is reachable.
            (None, None) => (Vec::new(), crate::Dtype::Float32),
        }
    }
}

/// The operations between `leaves` (node ids) and `outputs` that depend on a leaf, each
/// once, producers before consumers. Only tracer nodes can depend on a leaf, so the walk
/// never enters the (possibly large) graphs of constants.
pub(crate) fn dependent_ops(leaves: &HashSet<usize>, outputs: &[Array]) -> Vec<TracedOp> {
    dependent_ops_walk(leaves, outputs, false)
}

/// As [`dependent_ops`], but also through arrays that are not tracers (what a custom
/// function computes inside, with tracing suspended): compile records the whole graph.
pub(crate) fn all_dependent_ops(leaves: &HashSet<usize>, outputs: &[Array]) -> Vec<TracedOp> {
    dependent_ops_walk(leaves, outputs, true)
}

fn dependent_ops_walk(leaves: &HashSet<usize>, outputs: &[Array], all: bool) -> Vec<TracedOp> {
    let mut depends: HashMap<usize, bool> = HashMap::new();
    let mut seen_ops: HashSet<usize> = HashSet::new();
    let mut order = Vec::new();
    // Iterative post-order DFS: (array, inputs already pushed).
    let mut stack: Vec<(Array, bool)> = outputs.iter().map(|a| (a.clone(), false)).collect();
    while let Some((a, expanded)) = stack.pop() {
        let id = a.id();
        if depends.contains_key(&id) && !expanded {
            continue;
        }
        if leaves.contains(&id) {
            depends.insert(id, true);
            continue;
        }
        let op = if all || a.0.tracer.load(Ordering::Relaxed) {
            a.0.lock_op().clone()
        } else {
            None
        };
        let Some(op) = op else {
            depends.insert(id, false);
            continue;
        };
        if !expanded {
            depends.insert(id, false); // provisional: marks the node as in progress
            stack.push((a.clone(), true));
            for input in op.inputs.iter().rev() {
                if !depends.contains_key(&input.id()) {
                    stack.push((input.clone(), false));
                }
            }
            continue;
        }
        let argnums: Vec<usize> = op
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, x)| depends.get(&x.id()).copied().unwrap_or(false))
            .map(|(i, _)| i)
            .collect();
        let dep = !argnums.is_empty();
        // Every output of the operation shares the answer.
        for w in &op.outputs {
            if let Some(n) = w.upgrade() {
                depends.insert(Arc::as_ptr(&n) as usize, dep);
            }
        }
        depends.insert(id, dep);
        if dep && seen_ops.insert(Arc::as_ptr(&op) as usize) {
            order.push(TracedOp { op, argnums });
        }
    }
    order
}

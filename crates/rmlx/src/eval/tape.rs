//! The evaluation order: MLX's tape.
//!
//! First a depth-first pass counts, for every pending operation, how many edges of the graph
//! consume it. Then operations are emitted from the outputs towards the leaves, each once all
//! its consumers are emitted; the frontier is taken breadth first while it is at most
//! `MAX_WIDTH` wide and depth first past that, so few branches are open at once. Reversed,
//! that is the dispatch order.

use crate::array::{Array, OpNode, UNSCHEDULED};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// MLX's breadth limit.
const MAX_WIDTH: usize = 20;

/// A pending operation and one strong handle to an output of it.
pub(crate) struct TapeEntry {
    pub op: Arc<OpNode>,
    pub array: Array,
}

fn pending_op(a: &Array) -> Option<Arc<OpNode>> {
    if a.0.status() != UNSCHEDULED {
        return None;
    }
    a.0.lock_op().clone()
}

fn key(op: &Arc<OpNode>) -> usize {
    Arc::as_ptr(op) as usize
}

/// The pending operations needed by `outputs`, in dispatch order.
pub(crate) fn build(outputs: &[Array]) -> Vec<TapeEntry> {
    // Pass 1: consumer counts by DFS.
    let mut degree: HashMap<usize, usize> = HashMap::new();
    let mut roots: Vec<TapeEntry> = Vec::new();
    let mut stack: Vec<Arc<OpNode>> = Vec::new();
    for a in outputs {
        if let Some(op) = pending_op(a) {
            if let std::collections::hash_map::Entry::Vacant(e) = degree.entry(key(&op)) {
                e.insert(0);
                stack.push(op.clone());
                roots.push(TapeEntry {
                    op,
                    array: a.clone(),
                });
            }
        }
    }
    while let Some(op) = stack.pop() {
        for input in &op.inputs {
            if let Some(in_op) = pending_op(input) {
                let d = degree.entry(key(&in_op)).or_insert(usize::MAX);
                if *d == usize::MAX {
                    *d = 1;
                    stack.push(in_op);
                } else {
                    *d += 1;
                }
            }
        }
    }
    // Pass 2: emit consumers before producers, width-limited BFS then DFS.
    let mut frontier: VecDeque<TapeEntry> = roots
        .into_iter()
        .filter(|r| degree[&key(&r.op)] == 0)
        .collect();
    let mut order = Vec::with_capacity(degree.len());
    loop {
        let next = if frontier.len() > MAX_WIDTH {
            frontier.pop_back()
        } else {
            frontier.pop_front()
        };
        let Some(entry) = next else { break };
        for input in &entry.op.inputs {
            if let Some(in_op) = pending_op(input) {
                let d = degree.get_mut(&key(&in_op)).expect("counted in pass 1");
                *d -= 1;
                if *d == 0 {
                    frontier.push_back(TapeEntry {
                        op: in_op,
                        array: input.clone(),
                    });
                }
            }
        }
        order.push(entry);
    }
    order.reverse();
    order
}

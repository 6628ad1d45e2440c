//! Simplification passes over a tape, run once per trace:
//!
//! 1. equal scalar constants (0-d, same dtype and value) become one constant;
//! 2. no-ops go: a cast to the dtype the value has, an identity copy, and (unless the tape
//!    is shapeless, where the shapes may differ at replay) a broadcast or reshape to the
//!    shape the value has;
//! 3. common subexpressions are merged: a node with the same primitive and parameters
//!    (`Primitive::is_equivalent`), the same inputs, outputs and stream as an earlier one;
//! 4. dead code goes: nodes and constants no output depends on.
//!
//! Passes 1 to 3 only redirect slots (a replacement map); pass 4 then drops what nothing
//! reads any more and renumbers.

use super::tape::{Slot, Tape};
use crate::primitives::copy::AsType;
use crate::primitives::identity::Copy;
use crate::primitives::shape::Reshape;
use crate::primitives::views::Broadcast;
use crate::primitives::Primitive;
use std::any::Any;
use std::collections::HashMap;

/// What each pass removed (tests and `export` read it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimplifyStats {
    /// Scalar constants merged into an equal one.
    pub merged_constants: usize,
    /// No-op nodes removed.
    pub noops: usize,
    /// Nodes merged into an equivalent earlier node.
    pub common_subexpressions: usize,
    /// Nodes removed because no output depends on them.
    pub dead: usize,
}

/// Runs every pass on `tape`.
pub(crate) fn simplify(tape: &mut Tape, shapeless: bool) -> SimplifyStats {
    let mut stats = SimplifyStats::default();
    let mut map: HashMap<Slot, Slot> = HashMap::new();
    stats.merged_constants = merge_scalar_constants(tape, &mut map);
    let (noops, cse) = forward_pass(tape, &mut map, shapeless);
    stats.noops = noops;
    stats.common_subexpressions = cse;
    stats.dead = remove_dead(tape, &map);
    stats
}

/// Follows the replacement map to the final slot.
fn resolve(map: &HashMap<Slot, Slot>, mut s: Slot) -> Slot {
    while let Some(&t) = map.get(&s) {
        s = t;
    }
    s
}

/// Pass 1: maps every 0-d evaluated constant to the first one of equal dtype and bytes.
fn merge_scalar_constants(tape: &Tape, map: &mut HashMap<Slot, Slot>) -> usize {
    let mut seen: HashMap<(crate::Dtype, Vec<u8>), usize> = HashMap::new();
    let mut merged = 0;
    for (i, c) in tape.constants.iter().enumerate() {
        // Only evaluated scalars: reading a lazy one would evaluate it during the trace.
        if c.ndim() != 0 || !c.is_available() {
            continue;
        }
        let Ok(bytes) = c.to_bytes() else { continue };
        match seen.get(&(c.dtype(), bytes.clone())) {
            Some(&first) => {
                map.insert(Slot::Const(i), Slot::Const(first));
                merged += 1;
            }
            None => {
                seen.insert((c.dtype(), bytes), i);
            }
        }
    }
    merged
}

/// Whether `p` leaves a value of spec `input` unchanged when its output has spec `output`.
fn is_noop(
    p: &dyn Primitive,
    input: &(Vec<i32>, crate::Dtype),
    output: &(Vec<i32>, crate::Dtype),
    shapeless: bool,
) -> bool {
    if input != output {
        return false;
    }
    let p: &dyn Any = p;
    if p.is::<AsType>() || p.is::<Copy>() {
        return true;
    }
    !shapeless && (p.is::<Broadcast>() || p.is::<Reshape>())
}

/// Passes 2 and 3 in one walk: inputs are resolved first, so merges chain.
fn forward_pass(tape: &mut Tape, map: &mut HashMap<Slot, Slot>, shapeless: bool) -> (usize, usize) {
    let (mut noops, mut cse) = (0, 0);
    // Candidates for merging, by (first input, output count): a cheap bucket.
    let mut buckets: HashMap<(Vec<Slot>, usize), Vec<usize>> = HashMap::new();
    for k in 0..tape.nodes.len() {
        let inputs: Vec<Slot> = tape.nodes[k]
            .inputs
            .iter()
            .map(|&s| resolve(map, s))
            .collect();
        tape.nodes[k].inputs = inputs.clone();
        let node = &tape.nodes[k];
        if !node.multi && inputs.len() == 1 {
            let in_spec = tape.spec(inputs[0]);
            if is_noop(&*node.primitive, &in_spec, &node.outputs[0], shapeless) {
                map.insert(Slot::Node(k, 0), inputs[0]);
                noops += 1;
                continue;
            }
        }
        let bucket = buckets
            .entry((inputs.clone(), node.outputs.len()))
            .or_default();
        let same = bucket.iter().copied().find(|&e| {
            let other = &tape.nodes[e];
            other.outputs == node.outputs
                && other.stream == node.stream
                && other.multi == node.multi
                && node.primitive.is_equivalent(&*other.primitive)
        });
        match same {
            Some(e) => {
                for j in 0..node.outputs.len() {
                    map.insert(Slot::Node(k, j), Slot::Node(e, j));
                }
                cse += 1;
            }
            None => bucket.push(k),
        }
    }
    (noops, cse)
}

/// Pass 4: keeps the nodes and constants the outputs reach, renumbered in order.
fn remove_dead(tape: &mut Tape, map: &HashMap<Slot, Slot>) -> usize {
    let outputs: Vec<Slot> = tape.outputs.iter().map(|&s| resolve(map, s)).collect();
    let mut live = vec![false; tape.nodes.len()];
    let mut live_const = vec![false; tape.constants.len()];
    let mut mark = |s: Slot, live: &mut Vec<bool>| match s {
        Slot::Node(i, _) => live[i] = true,
        Slot::Const(i) => live_const[i] = true,
        Slot::Input(_) => {}
    };
    for &s in &outputs {
        mark(s, &mut live);
    }
    // Consumers come after producers: one backward sweep finds everything reachable.
    for k in (0..tape.nodes.len()).rev() {
        if live[k] {
            for &s in &tape.nodes[k].inputs {
                mark(resolve(map, s), &mut live);
            }
        }
    }
    let mut node_index = vec![usize::MAX; tape.nodes.len()];
    let mut const_index = vec![usize::MAX; tape.constants.len()];
    let mut constants = Vec::new();
    for (i, c) in tape.constants.iter().enumerate() {
        if live_const[i] {
            const_index[i] = constants.len();
            constants.push(c.clone());
        }
    }
    let renumber = |s: Slot, node_index: &[usize]| match resolve(map, s) {
        Slot::Node(i, j) => Slot::Node(node_index[i], j),
        Slot::Const(i) => Slot::Const(const_index[i]),
        input => input,
    };
    let old = std::mem::take(&mut tape.nodes);
    let before = old.len();
    for (k, mut node) in old.into_iter().enumerate() {
        if !live[k] {
            continue;
        }
        node.inputs = node
            .inputs
            .iter()
            .map(|&s| renumber(s, &node_index))
            .collect();
        node_index[k] = tape.nodes.len();
        tape.nodes.push(node);
    }
    tape.outputs = outputs.iter().map(|&s| renumber(s, &node_index)).collect();
    tape.constants = constants;
    before - tape.nodes.len()
}

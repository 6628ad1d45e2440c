//! Which nodes fuse, and in what order: MLX's rule, applied to the graph MLX's ops would
//! have built.
//!
//! MLX's binary ops and `where` put a `Broadcast` node in front of every operand whose
//! shape differs from the result's (in a shapeless trace, in front of every operand);
//! rmlx's kernels broadcast their operands themselves, so those nodes do not exist here.
//! [`View`] adds them back as *implicit* broadcasts (merged as MLX's common-subexpression
//! pass merges them: one per source, target shape and stream), so that groups, step order
//! and the `Compiled…` names come out as MLX's. An implicit broadcast costs nothing: in
//! the fused kernel a `Broadcast` step is an alias, operands being loaded at the output
//! shape anyway.
//!
//! MLX's rule (its `compile_fuse`), applied with no limit on depth or operand count (those
//! are GPU kernel limits; the CPU interpreter has none): the nodes are visited from the
//! last to the first; each unfused elementwise node that is not a broadcast roots a group,
//! grown depth first through its operands. An operand joins when it is an elementwise
//! node or broadcast on the root's stream, is not a function output of another shape than
//! the root, and every consumer of it is already in the group — except a broadcast read
//! from outside too, which the group gets a copy of. So a value read outside its group is
//! never an intermediate: it is computed by a group of its own (or by no group), and a
//! group's outputs are its root and the function outputs inside it. Members may have
//! smaller shapes than the root (they are computed at the root's shape).

use super::{arity, Node};
use crate::dtype::Dtype;
use crate::primitives::compiled::StepOp;
use crate::shape::Shape;
use crate::stream::Stream;
use std::collections::HashMap;

/// A node of the graph as MLX's ops would have built it.
pub(super) struct View {
    /// The walked array it stands for; `None` for an implicit broadcast or a copy.
    pub walk: Option<usize>,
    pub inputs: Vec<usize>,
    /// The views reading it (each once), as MLX's parents map.
    consumers: Vec<usize>,
    pub shape: Shape,
    pub dtype: Dtype,
    pub step: Option<StepOp>,
    stream: Option<Stream>,
    /// May join a group.
    fusable: bool,
    /// A function output.
    output: bool,
}

impl View {
    fn is_broadcast(&self) -> bool {
        self.step == Some(StepOp::Broadcast)
    }
}

/// A fused group: its views in MLX's tape order (depth-first post-order from the root,
/// operands in order), and its outputs (the function outputs among the members in tape
/// order, then the root).
pub(super) struct Group {
    pub tape: Vec<usize>,
    pub outputs: Vec<usize>,
}

/// The views and the groups, in the order they were formed (roots last to first).
pub(super) struct Plan {
    pub views: Vec<View>,
    pub groups: Vec<Group>,
}

/// Key under which MLX's common-subexpression pass would merge two broadcasts: source,
/// target shape, stream, and (shapeless: MLX's broadcasts then also read the other
/// operands) the other operands.
type Key = (usize, Shape, Option<Stream>, Vec<usize>);

/// Builds the views of the walked `nodes`.
fn views(nodes: &[Node], outputs: &[bool], shapeless: bool) -> Vec<View> {
    let mut views: Vec<View> = Vec::with_capacity(nodes.len());
    let mut map: Vec<usize> = Vec::with_capacity(nodes.len());
    let mut merged: HashMap<Key, usize> = HashMap::new();
    let mut scalars: HashMap<(Dtype, Vec<u8>), usize> = HashMap::new();
    for (w, nd) in nodes.iter().enumerate() {
        // Equal scalar constants are one (MLX merges them before fusing; here a constant
        // the function broadcast itself, e.g. `where`'s, is a node of its own).
        if !nd.depends && nd.inputs.is_empty() && nd.arr.ndim() == 0 && nd.arr.is_available() {
            if let Ok(bytes) = nd.arr.to_bytes() {
                if let Some(&v) = scalars.get(&(nd.arr.dtype(), bytes.clone())) {
                    map.push(v);
                    continue;
                }
                scalars.insert((nd.arr.dtype(), bytes), views.len());
            }
        }
        let shape = nd.arr.shape().to_vec();
        let broadcast = nd.step == Some(StepOp::Broadcast);
        let shaped_step = nd.step.is_some() && nd.inputs.len() == arity(nd.step);
        // Broadcasts fuse even when they read constants (they are aliases); other nodes
        // only when they depend on the traced inputs (the rest are the tape's constants).
        let fusable = shaped_step && nd.stream.is_some() && (broadcast || nd.depends);
        let mut inputs: Vec<usize> = nd.inputs.iter().map(|&i| map[i]).collect();
        if broadcast && !shapeless && inputs.len() == 1 {
            // A broadcast the function made itself merges with an equal implicit one.
            // (MLX's CSE keeps a later duplicate apart when it is a function output.)
            let key = (inputs[0], shape.clone(), nd.stream, Vec::new());
            match merged.get(&key) {
                Some(&v) if !outputs[w] => {
                    views[v].walk.get_or_insert(w);
                    map.push(v);
                    continue;
                }
                Some(_) => {}
                None => {
                    merged.insert(key, views.len());
                }
            }
        }
        if fusable && matches!(nd.step, Some(StepOp::Binary(_)) | Some(StepOp::Select)) {
            let operands = inputs.clone();
            for (k, slot) in inputs.iter_mut().enumerate() {
                let a = operands[k];
                let needs = if shapeless {
                    // `where`'s own broadcasts of its operands count as MLX's.
                    !(views[a].is_broadcast() && views[a].walk.is_some() && views[a].shape == shape)
                } else {
                    views[a].shape != shape
                };
                if !needs {
                    continue;
                }
                let others = if shapeless {
                    let mut o = operands.clone();
                    o.remove(k);
                    o
                } else {
                    Vec::new()
                };
                // Shapeless: MLX's broadcast also reads the other operands (for its shape),
                // which orders the group's tape.
                let mut reads = vec![a];
                reads.extend(&others);
                let key = (a, shape.clone(), nd.stream, others);
                *slot = *merged.entry(key).or_insert_with(|| {
                    views.push(View {
                        walk: None,
                        inputs: reads,
                        consumers: Vec::new(),
                        shape: shape.clone(),
                        dtype: views[a].dtype,
                        step: Some(StepOp::Broadcast),
                        stream: nd.stream,
                        fusable: true,
                        output: false,
                    });
                    views.len() - 1
                });
            }
        }
        map.push(views.len());
        views.push(View {
            walk: Some(w),
            inputs,
            consumers: Vec::new(),
            shape,
            dtype: nd.arr.dtype(),
            step: nd.step,
            stream: nd.stream,
            fusable,
            output: outputs[w],
        });
    }
    for v in 0..views.len() {
        for k in 0..views[v].inputs.len() {
            let i = views[v].inputs[k];
            if !views[i].consumers.contains(&v) {
                views[i].consumers.push(v);
            }
        }
    }
    views
}

/// A set of views, emptied in O(1) (a generation stamp per view), so growing a group costs
/// its size, not the graph's.
#[derive(Default)]
struct Marks {
    generation: u32,
    of: Vec<u32>,
}

impl Marks {
    fn clear(&mut self) {
        self.generation += 1;
    }
    fn has(&self, v: usize) -> bool {
        self.of.get(v) == Some(&self.generation)
    }
    fn set(&mut self, v: usize) {
        if self.of.len() <= v {
            self.of.resize(v + 1, 0);
        }
        self.of[v] = self.generation;
    }
}

/// Chooses the groups of the walked graph (`outputs[i]`: node `i` is a function output).
pub(super) fn plan(nodes: &[Node], outputs: &[bool], shapeless: bool) -> Plan {
    let mut views = views(nodes, outputs, shapeless);
    let mut fused = Marks::default();
    fused.clear();
    let mut cache = Marks::default();
    let mut seen = Marks::default();
    let mut groups = Vec::new();
    for root in (0..views.len()).rev() {
        let r = &views[root];
        if r.walk.is_none() || !r.fusable || r.is_broadcast() || fused.has(root) {
            continue;
        }
        let (stream, shape) = (r.stream, r.shape.clone());
        cache.clear();
        let members = grow(&mut views, &fused, &mut cache, root, stream, &shape);
        if members <= 1 {
            // Not worth fusing a single primitive.
            continue;
        }
        seen.clear();
        let tape = tape_order(&views, &cache, &mut seen, root);
        let mut outs: Vec<usize> = tape
            .iter()
            .copied()
            .filter(|&v| v != root && views[v].output)
            .collect();
        outs.push(root);
        for &v in &tape {
            fused.set(v);
        }
        groups.push(Group {
            tape,
            outputs: outs,
        });
    }
    Plan { views, groups }
}

/// Grows the group of `root` depth first as MLX does, marking its members in `cache`
/// (the views may grow by broadcast copies); returns how many there are.
fn grow(
    views: &mut Vec<View>,
    fused: &Marks,
    cache: &mut Marks,
    root: usize,
    stream: Option<Stream>,
    shape: &[i32],
) -> usize {
    // Explicit stack of (view, next operand to visit): the recursion of MLX's pass, which
    // must visit operands strictly in order since membership changes as it goes.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut members = 0;
    let mut visit = |views: &mut Vec<View>, stack: &mut Vec<(usize, usize)>, a: usize| {
        if let Some(v) = enter(views, fused, cache, a, a == root, stream, shape) {
            members += 1;
            stack.push((v, 0));
        }
    };
    visit(views, &mut stack, root);
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        if *next < views[v].inputs.len() {
            let child = views[v].inputs[*next];
            *next += 1;
            visit(views, &mut stack, child);
        } else {
            stack.pop();
        }
    }
    members
}

/// Visits `a`: if it may join, marks it and returns it (to be expanded). A broadcast read
/// from outside the group too is split: the group's readers move to a copy, which joins
/// and is returned instead.
fn enter(
    views: &mut Vec<View>,
    fused: &Marks,
    cache: &mut Marks,
    a: usize,
    is_root: bool,
    stream: Option<Stream>,
    shape: &[i32],
) -> Option<usize> {
    if cache.has(a) {
        return None;
    }
    let v = &views[a];
    let other_shape_output = v.output && v.shape != shape;
    if !v.fusable || v.stream != stream || other_shape_output || fused.has(a) {
        return None;
    }
    if !is_root && !v.consumers.iter().all(|&c| cache.has(c)) {
        if !v.is_broadcast() {
            return None;
        }
        let copy = split(views, a, cache);
        cache.set(copy);
        return Some(copy);
    }
    cache.set(a);
    Some(a)
}

/// MLX's `split_one`: a copy of broadcast `a` that the consumers in `cache` read instead.
/// The copy is not registered as a consumer of `a`'s input, as in MLX, so that input only
/// joins once `a` itself has.
fn split(views: &mut Vec<View>, a: usize, cache: &Marks) -> usize {
    let id = views.len();
    let (mine, rest): (Vec<usize>, Vec<usize>) =
        views[a].consumers.iter().partition(|&&c| cache.has(c));
    views[a].consumers = rest;
    for &c in &mine {
        for i in views[c].inputs.iter_mut() {
            if *i == a {
                *i = id;
            }
        }
    }
    let v = &views[a];
    let copy = View {
        walk: None,
        inputs: v.inputs.clone(),
        consumers: mine,
        shape: v.shape.clone(),
        dtype: v.dtype,
        step: v.step,
        stream: v.stream,
        fusable: true,
        output: false,
    };
    views.push(copy);
    id
}

/// The members in MLX's tape order: depth-first post-order from the root.
fn tape_order(views: &[View], cache: &Marks, seen: &mut Marks, root: usize) -> Vec<usize> {
    let mut tape = Vec::new();
    let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
    seen.set(root);
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        if *next < views[v].inputs.len() {
            let child = views[v].inputs[*next];
            *next += 1;
            if cache.has(child) && !seen.has(child) {
                seen.set(child);
                stack.push((child, 0));
            }
        } else {
            tape.push(v);
            stack.pop();
        }
    }
    tape
}

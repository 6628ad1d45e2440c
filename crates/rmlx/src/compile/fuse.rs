//! Fusion: groups of elementwise nodes of a traced graph become one `Compiled` node.
//!
//! A group is a set of `Unary`, `Binary`, `Select` and `AsType` nodes of one shape on one
//! stream, connected producer to consumer, that depend on the traced inputs. `Broadcast`
//! views feeding a group are absorbed as broadcasting loads of their input (each group that
//! reads a broadcast gets its own copy of the step, so a shared broadcast is never
//! materialised). Values of a group used outside it (by other nodes or as function outputs)
//! become outputs of the `Compiled` node.
//!
//! Groups grow greedily in topological order: a node joins the group of one of its fusable
//! producers unless some other input of the node depends on that group (directly or through
//! nodes outside it). That rule keeps every group convex, so the graph of groups has no
//! cycle: a path that leaves a group and comes back would have been seen at the node where
//! it re-enters.
//!
//! The new `Compiled` arrays replace the group's values: nodes outside the groups that read
//! them are rebuilt in place with the new inputs (same array identity), and the returned
//! outputs are the new arrays where an output was fused.

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

/// A growing set of group ids.
#[derive(Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn insert(&mut self, i: usize) {
        if self.0.len() <= i / 64 {
            self.0.resize(i / 64 + 1, 0);
        }
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    fn union(&mut self, o: &Bits) {
        if self.0.len() < o.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
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

/// A group being formed.
struct Group {
    members: Vec<usize>,
    stream: Option<Stream>,
}

/// Replaces the elementwise groups of the graph of `outputs` (traced on `inputs`) with
/// `Compiled` nodes; returns the outputs to use from now on.
pub(crate) fn fuse(inputs: &[Array], outputs: &[Array]) -> Result<Vec<Array>> {
    let nodes = walk(inputs, outputs);
    let n = nodes.len();
    let is_bcast = |i: usize| nodes[i].step == Some(StepOp::Broadcast);
    // Members: fusable compute nodes depending on the traced inputs.
    let member_kind = |i: usize| {
        let nd = &nodes[i];
        nd.depends && nd.step.is_some() && !is_bcast(i) && nd.inputs.len() == nd_arity(nd)
    };
    let mut group: Vec<Option<usize>> = vec![None; n];
    let mut reach: Vec<Bits> = vec![Bits::default(); n];
    let mut groups: Vec<Group> = Vec::new();
    for v in 0..n {
        let mut r = Bits::default();
        for &i in &nodes[v].inputs {
            r.union(&reach[i]);
        }
        if member_kind(v) {
            let shape = nodes[v].arr.shape();
            let stream = nodes[v].stream;
            // Candidate groups: those of fusable producers of the same shape and stream.
            // The node joins (and so merges) every candidate it can while all stay convex.
            let mut chosen: Vec<usize> = Vec::new();
            for &i in &nodes[v].inputs {
                let Some(g) = group[i] else { continue };
                if chosen.contains(&g)
                    || nodes[i].arr.shape() != shape
                    || groups[g].stream != stream
                {
                    continue;
                }
                let mut set = chosen.clone();
                set.push(g);
                let inputs_ok = nodes[v].inputs.iter().all(|&k| match group[k] {
                    Some(h) if set.contains(&h) => true,
                    _ => set.iter().all(|&h| !reach[k].contains(h)),
                });
                let merge_ok = chosen
                    .iter()
                    .all(|&c| can_merge(c, g, &groups, &nodes, &group, &reach));
                if inputs_ok && merge_ok {
                    chosen.push(g);
                }
            }
            let g = match chosen.first() {
                Some(&g) => g,
                None => {
                    groups.push(Group {
                        members: Vec::new(),
                        stream,
                    });
                    groups.len() - 1
                }
            };
            for &h in chosen.iter().skip(1) {
                let moved = std::mem::take(&mut groups[h].members);
                for &m in &moved {
                    group[m] = Some(g);
                }
                groups[g].members.extend(moved);
                // Dependencies on the merged group are dependencies on `g` now.
                for rk in reach.iter_mut().take(v) {
                    if rk.contains(h) {
                        rk.insert(g);
                    }
                }
                if r.contains(h) {
                    r.insert(g);
                }
            }
            groups[g].members.push(v);
            group[v] = Some(g);
            r.insert(g);
        }
        reach[v] = r;
    }
    drop(reach);

    // Consumers, to find each group's outputs.
    let mut used_outside: Vec<bool> = vec![false; n];
    for (c, nd) in nodes.iter().enumerate() {
        for &i in &nd.inputs {
            if group[i].is_some() && group[i] != group[c] {
                used_outside[i] = true;
            }
        }
    }
    let index: HashMap<usize, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, nd)| (nd.arr.id(), i))
        .collect();
    for o in outputs {
        if let Some(&i) = index.get(&o.id()) {
            used_outside[i] = true;
        }
    }

    // Build the groups' Compiled nodes, producers' groups first.
    let mut subst: HashMap<usize, Array> = HashMap::new();
    let mut built = vec![false; groups.len()];
    let mut order: Vec<usize> = Vec::new();
    for g in 0..groups.len() {
        visit_group(g, &groups, &nodes, &group, &mut built, &mut order);
    }
    for g in order {
        build_group(&groups[g], g, &nodes, &group, &used_outside, &mut subst)?;
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

/// Whether groups `a` and `b` can become one: no path leads from one to the other through
/// nodes outside both (direct producer-consumer edges are fine).
fn can_merge(
    a: usize,
    b: usize,
    groups: &[Group],
    nodes: &[Node],
    group: &[Option<usize>],
    reach: &[Bits],
) -> bool {
    let one_way = |from: usize, to: usize| {
        groups[to].members.iter().all(|&m| {
            nodes[m].inputs.iter().all(|&k| match group[k] {
                Some(h) if h == to || h == from => true,
                _ => !reach[k].contains(from),
            })
        })
    };
    one_way(a, b) && one_way(b, a)
}

/// Number of inputs a fusable step takes (a node with another count is left alone).
fn nd_arity(nd: &Node) -> usize {
    match nd.step {
        Some(StepOp::Unary(_)) | Some(StepOp::AsType) | Some(StepOp::Broadcast) => 1,
        Some(StepOp::Binary(_)) => 2,
        Some(StepOp::Select) => 3,
        None => usize::MAX,
    }
}

/// Whether group `g` becomes a `Compiled` node: at least two steps (absorbed broadcasts
/// count), at least one of them computing.
fn steps_of(
    g: &Group,
    gid: usize,
    nodes: &[Node],
    group: &[Option<usize>],
) -> (Vec<usize>, Vec<usize>) {
    // Absorbed broadcasts: broadcast nodes on the group's stream read by members.
    let mut bcasts: Vec<usize> = Vec::new();
    for &m in &g.members {
        for &i in &nodes[m].inputs {
            let nd = &nodes[i];
            if group[i] != Some(gid)
                && nd.step == Some(StepOp::Broadcast)
                && nd.inputs.len() == 1
                && nd.stream == g.stream
                && !bcasts.contains(&i)
            {
                bcasts.push(i);
            }
        }
    }
    (g.members.clone(), bcasts)
}

fn visit_group(
    g: usize,
    groups: &[Group],
    nodes: &[Node],
    group: &[Option<usize>],
    built: &mut [bool],
    order: &mut Vec<usize>,
) {
    // Iterative DFS over group dependencies (a group depends on the groups of its
    // members' inputs, possibly through an absorbed broadcast).
    let mut stack = vec![(g, false)];
    while let Some((h, done)) = stack.pop() {
        if done {
            order.push(h);
            continue;
        }
        if built[h] {
            continue;
        }
        built[h] = true;
        stack.push((h, true));
        for &m in &groups[h].members {
            for &i in &nodes[m].inputs {
                let mut deps = vec![i];
                if nodes[i].step == Some(StepOp::Broadcast) {
                    deps.extend(nodes[i].inputs.iter().copied());
                }
                for d in deps {
                    if let Some(k) = group[d] {
                        if k != h && !built[k] {
                            stack.push((k, false));
                        }
                    }
                }
            }
        }
    }
}

/// Creates the `Compiled` node of group `gid` (if it is worth one) and records its outputs
/// in `subst`.
fn build_group(
    g: &Group,
    gid: usize,
    nodes: &[Node],
    group: &[Option<usize>],
    used_outside: &[bool],
    subst: &mut HashMap<usize, Array>,
) -> Result<()> {
    let (members, bcasts) = steps_of(g, gid, nodes, group);
    if members.len() + bcasts.len() < 2 {
        return Ok(());
    }
    let Some(stream) = g.stream else {
        return Ok(());
    };
    let mut order: Vec<usize> = members.iter().chain(&bcasts).copied().collect();
    order.sort_unstable();
    let pos: HashMap<usize, usize> = order.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let mut ext: Vec<Array> = Vec::new();
    let mut ext_index: HashMap<usize, usize> = HashMap::new();
    let mut operand = |i: usize, ext: &mut Vec<Array>| -> Operand {
        if let Some(&k) = pos.get(&i) {
            return Operand::Step(k);
        }
        let a = subst
            .get(&nodes[i].arr.id())
            .cloned()
            .unwrap_or_else(|| nodes[i].arr.clone());
        let k = *ext_index.entry(a.id()).or_insert_with(|| {
            ext.push(a.clone());
            ext.len() - 1
        });
        Operand::Input(k)
    };
    let mut steps = Vec::with_capacity(order.len());
    for &i in &order {
        let nd = &nodes[i];
        let args = nd.inputs.iter().map(|&x| operand(x, &mut ext)).collect();
        steps.push(Step {
            op: nd.step.unwrap_or(StepOp::Broadcast),
            args,
            dtype: nd.arr.dtype(),
        });
    }
    let outs: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&m| used_outside[m])
        .collect();
    if outs.is_empty() {
        return Ok(());
    }
    let shape = nodes[members[0]].arr.shape().to_vec();
    let mut operands_shape = Vec::new();
    for x in &ext {
        operands_shape = crate::shape::broadcast_shapes(&operands_shape, x.shape())?;
    }
    let prim = Compiled {
        steps,
        outputs: outs.iter().map(|m| pos[m]).collect(),
        expands: operands_shape != shape,
    };
    let arrays = if outs.len() == 1 {
        vec![Array::from_op(
            shape,
            nodes[outs[0]].arr.dtype(),
            stream,
            prim,
            ext,
        )]
    } else {
        let specs = outs
            .iter()
            .map(|&m| (shape.clone(), nodes[m].arr.dtype()))
            .collect();
        Array::multi_from_op(specs, stream, prim, ext)
    };
    for (&m, a) in outs.iter().zip(arrays) {
        subst.insert(nodes[m].arr.id(), a);
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
    fuse(inputs, outputs)
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

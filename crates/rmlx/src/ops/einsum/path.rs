//! Choosing the contraction order, as MLX does (its rules follow NumPy's `einsum_path`,
//! itself from opt_einsum): two operands or fewer are contracted in one step; more use a
//! greedy search that, at every step, contracts the pair removing the most elements (ties:
//! the cheaper one), skipping outer products while any other pair remains, and never makes
//! an intermediate larger than the largest operand or output, nor a path costlier than the
//! naive one-shot contraction. When no pair qualifies, the remaining operands are contracted
//! together in one naive step.
//!
//! Costs are NumPy's FLOP model: the product of the sizes of all letters involved, times
//! `max(1, terms - 1)`, plus one if some letter is summed away.

use super::parse::{letters, CharSet, Dims, Spec, Term};

/// One step: contract the operands at `positions` of the current list (the results of
/// earlier steps are appended at its end) into `output`.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub positions: Vec<usize>,
    pub inputs: Vec<Term>,
    pub output: Term,
}

/// A contraction order with the figures `einsum_path` prints.
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    pub naive_cost: u128,
    pub naive_scaling: usize,
    pub optimized_cost: u128,
    pub optimized_scaling: usize,
}

/// NumPy's FLOP count of one contraction over the letters `set`.
fn flop_count(dims: &Dims, set: CharSet, inner: bool, terms: usize) -> u128 {
    let factor = (terms.saturating_sub(1)).max(1) + inner as usize;
    dims.set_size(set) as u128 * factor as u128
}

/// The cost and scaling (number of distinct letters) of contracting `inputs` in one step.
fn one_step_cost(dims: &Dims, inputs: &[Term], output: &Term) -> (u128, usize) {
    let all = inputs.iter().fold(0, |s, t| s | t.set);
    let inner = all & !output.set != 0;
    (
        flop_count(dims, all, inner, inputs.len()),
        all.count_ones() as usize,
    )
}

/// A candidate pair contraction of the greedy search.
struct Candidate {
    /// Elements removed: the two inputs' sizes minus the result's (may be negative).
    removed: i128,
    cost: u128,
    result: CharSet,
    letters: usize,
    x: usize,
    y: usize,
}

/// The letters of an intermediate in the order the batched product produces them: the
/// letters shared by both inputs (in `a`'s order), then `a`'s own, then `b`'s own.
fn result_term(a: &Term, b: &Term, keep: CharSet) -> Term {
    let mut chars: Vec<u8> = Vec::new();
    let mut push = |c: u8| {
        if keep & super::parse::bit(c) != 0 && !chars.contains(&c) {
            chars.push(c);
        }
    };
    a.chars.iter().filter(|&&c| b.has(c)).for_each(|&c| push(c));
    a.chars.iter().for_each(|&c| push(c));
    b.chars.iter().for_each(|&c| push(c));
    // Letters of `keep` in neither input cannot occur (results only keep their inputs').
    debug_assert!(letters(keep).all(|c| chars.contains(&c)));
    Term::new(chars)
}

/// MLX's greedy order for three operands or more.
fn greedy(spec: &Spec, cost_limit: u128, memory_limit: u64) -> (Vec<Step>, u128, usize) {
    let dims = &spec.dims;
    let output = &spec.output;
    let mut inputs: Vec<Term> = spec.inputs.clone();
    let mut pairs: Vec<(usize, usize)> = (0..inputs.len())
        .flat_map(|i| (i + 1..inputs.len()).map(move |j| (i, j)))
        .collect();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut steps = Vec::new();
    let (mut path_cost, mut path_scaling) = (0u128, 0usize);
    let n = inputs.len();
    for _ in 0..n - 1 {
        let consider = |p: usize, q: usize, inputs: &[Term], path_cost: u128| {
            let union = inputs[p].set | inputs[q].set;
            let mut needed = output.set;
            for (i, t) in inputs.iter().enumerate() {
                if i != p && i != q {
                    needed |= t.set;
                }
            }
            let result = union & needed;
            let size = dims.set_size(result);
            if size > memory_limit {
                return None;
            }
            let removed = dims.set_size(inputs[p].set) as i128
                + dims.set_size(inputs[q].set) as i128
                - size as i128;
            let inner = union.count_ones() > result.count_ones();
            let cost = flop_count(dims, union, inner, 2);
            if path_cost + cost > cost_limit {
                return None;
            }
            Some(Candidate {
                removed,
                cost,
                result,
                letters: union.count_ones() as usize,
                x: p,
                y: q,
            })
        };
        // Outer products only when nothing else remains.
        for &(p, q) in &pairs {
            if inputs[p].set & inputs[q].set != 0 {
                candidates.extend(consider(p, q, &inputs, path_cost));
            }
        }
        if candidates.is_empty() {
            for &(p, q) in &pairs {
                candidates.extend(consider(p, q, &inputs, path_cost));
            }
        }
        if candidates.is_empty() {
            // Nothing fits the limits: contract everything left in one step.
            let (cost, scaling) = one_step_cost(dims, &inputs, output);
            steps.push(Step {
                positions: (0..inputs.len()).collect(),
                inputs: std::mem::take(&mut inputs),
                output: output.clone(),
            });
            path_cost += cost;
            path_scaling = path_scaling.max(scaling);
            break;
        }
        // The first candidate removing the most elements, the cheapest among those.
        let mut best = 0;
        for (i, c) in candidates.iter().enumerate() {
            let b = &candidates[best];
            if c.removed > b.removed || (c.removed == b.removed && c.cost < b.cost) {
                best = i;
            }
        }
        let Candidate {
            cost,
            result,
            letters: n_letters,
            x,
            y,
            ..
        } = candidates[best];
        path_scaling = path_scaling.max(n_letters);
        let new_term = result_term(&inputs[x], &inputs[y], result);
        let b_term = inputs.remove(y);
        let a_term = inputs.remove(x);
        steps.push(Step {
            positions: vec![x, y],
            inputs: vec![a_term, b_term],
            output: new_term.clone(),
        });
        inputs.push(new_term);
        // Keep the candidates not involving the contracted pair, renumbered.
        candidates.retain(|c| c.x != x && c.x != y && c.y != x && c.y != y);
        for c in &mut candidates {
            c.x -= (c.x > x) as usize + (c.x > y) as usize;
            c.y -= (c.y > x) as usize + (c.y > y) as usize;
        }
        let last = inputs.len() - 1;
        pairs = (0..last).map(|i| (i, last)).collect();
        path_cost += cost;
    }
    (steps, path_cost, path_scaling)
}

/// The contraction order of a parsed einsum.
pub(crate) fn plan(spec: &Spec) -> Plan {
    let (naive_cost, naive_scaling) = one_step_cost(&spec.dims, &spec.inputs, &spec.output);
    if spec.inputs.len() <= 2 {
        return Plan {
            steps: vec![Step {
                positions: (0..spec.inputs.len()).collect(),
                inputs: spec.inputs.clone(),
                output: spec.output.clone(),
            }],
            naive_cost,
            naive_scaling,
            optimized_cost: naive_cost,
            optimized_scaling: naive_scaling,
        };
    }
    // No intermediate may outgrow the largest operand or the output.
    let memory_limit = spec
        .inputs
        .iter()
        .map(|t| spec.dims.seq_size(&t.chars))
        .chain(std::iter::once(spec.dims.seq_size(&spec.output.chars)))
        .max()
        .unwrap_or(1);
    let (mut steps, optimized_cost, optimized_scaling) = greedy(spec, naive_cost, memory_limit);
    if let Some(last) = steps.last_mut() {
        last.output = spec.output.clone();
    }
    Plan {
        steps,
        naive_cost,
        naive_scaling,
        optimized_cost,
        optimized_scaling,
    }
}

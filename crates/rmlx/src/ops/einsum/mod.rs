//! `einsum` and `einsum_path`: Einstein summation with MLX's subscript rules, errors and
//! contraction order (a greedy pairwise search, see `path`), executed as a composition of
//! `diagonal`, `sum`, `transpose`, `reshape`, `broadcast_to`, `multiply` and `matmul`, so
//! gradients and vmap come from those ops' rules. Each pair with something to contract is
//! one batched matmul; no step builds an outer product larger than the search allows.

mod exec;
mod parse;
mod path;

use crate::array::Array;
use crate::error::{bail, Result};

/// The contraction order MLX's `einsum_path` reports for `subscripts` over `operands`: one
/// tuple of operand positions per step (positions in the current list, where each step's
/// result is appended at the end), and the printed summary (the subscripts, naive and
/// optimized scaling and FLOP counts, in MLX's format).
pub fn einsum_path(subscripts: &str, operands: &[Array]) -> Result<(Vec<Vec<usize>>, String)> {
    let spec = parse::parse("einsum_path", subscripts, operands)?;
    let plan = path::plan(&spec);
    let positions = plan.steps.iter().map(|s| s.positions.clone()).collect();
    let text = format!(
        "  Complete contraction:  {subscripts}\n         Naive scaling:  {}\n     Optimized \
         scaling:  {}\n      Naive FLOP count:  {}\n  Optimized FLOP count:  {}\n",
        plan.naive_scaling, plan.optimized_scaling, plan.naive_cost, plan.optimized_cost
    );
    Ok((positions, text))
}

/// Einstein summation over `operands` (NumPy's and MLX's `einsum`): `"ij,jk->ik"` with an
/// explicit output, or implicit (`"ij,jk"`: the letters seen once, sorted); repeated letters
/// within an operand take its diagonal; `...` stands for broadcast leading axes; size-1 axes
/// broadcast. Contractions go through `matmul` and share its dtype rules (integer operands
/// that need one are a `ValueError`, as in MLX).
pub fn einsum(subscripts: &str, operands: &[Array]) -> Result<Array> {
    let spec = parse::parse("einsum", subscripts, operands)?;
    let every_input = spec.inputs.iter().fold(0, |s, t| s | t.set);
    // MLX fails later, inside a transpose; name the letter instead.
    if let Some(&c) = spec
        .output
        .chars
        .iter()
        .find(|&&c| every_input & parse::bit(c) == 0)
    {
        bail!(
            "[einsum] Output subscript '{}' does not appear in any input of '{subscripts}'.",
            c as char
        );
    }
    let plan = path::plan(&spec);
    let mut list: Vec<Array> = operands.to_vec();
    for step in &plan.steps {
        let args: Vec<Array> = step.positions.iter().map(|&p| list[p].clone()).collect();
        let result = exec::run_step(args, &step.inputs, &step.output)?;
        // Positions are increasing: remove from the back so the earlier ones stay valid.
        for &p in step.positions.iter().rev() {
            list.remove(p);
        }
        list.push(result);
    }
    match list.pop() {
        Some(out) if list.is_empty() => Ok(out),
        _ => bail!("[einsum] The contraction path of '{subscripts}' left several operands."),
    }
}

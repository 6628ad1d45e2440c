//! The transform sweep over einsum: it is a composition (diagonal, sum, transpose, reshape,
//! broadcast_to, multiply, matmul), so its vjp, jvp and vmap come from those ops' rules.
//! These cases check that the composition is differentiable and batchable on every kind of
//! step: a batched matmul, a diagonal, an implicit trace, a Hadamard product with size-1
//! broadcasting, an outer product, an ellipsis contraction and greedy chains.

mod common;

use common::sweep::{arr, Sweep};
use rmlx::{ops, Array};

#[test]
fn einsum_rules() {
    let mut s = Sweep::new("einsum");
    let cases: Vec<(&str, Vec<Vec<i32>>)> = vec![
        ("ij,jk->ik", vec![vec![3, 4], vec![4, 2]]),
        ("bij,bjk->bik", vec![vec![2, 3, 4], vec![2, 4, 2]]),
        ("ii->i", vec![vec![3, 3]]),
        ("ii", vec![vec![3, 3]]),
        ("iij->ji", vec![vec![3, 3, 2]]),
        ("ij,ij->ij", vec![vec![2, 1], vec![1, 3]]),
        ("i,j->ij", vec![vec![3], vec![2]]),
        ("bi,bij,bj->b", vec![vec![2, 3], vec![2, 3, 4], vec![2, 4]]),
        ("...ij,...jk", vec![vec![2, 1, 3, 2], vec![2, 2, 3]]),
        (
            "ab,bc,cd,de->ae",
            vec![vec![3, 4], vec![4, 2], vec![2, 3], vec![3, 2]],
        ),
        ("ij,jk,ki->", vec![vec![2, 3], vec![3, 4], vec![4, 2]]),
        ("bhqd,bhkd->bhqk", vec![vec![1, 2, 3, 2], vec![1, 2, 4, 2]]),
    ];
    for (i, (sub, shapes)) in cases.into_iter().enumerate() {
        let inputs: Vec<Array> = shapes
            .iter()
            .enumerate()
            .map(|(j, sh)| arr(sh, (10 * i + j) as u64, -1.0, 1.0))
            .collect();
        let f = move |v: &[Array]| Ok(vec![ops::einsum(sub, v)?]);
        s.grads(sub, &f, &inputs);
        // Mapping axis 0 of every operand: the subscripts see one slice each.
        s.vmap(sub, &f, &inputs, 0);
    }
    // vmap over the last axis (the batch stacked after each operand's own axis).
    let vectors: Vec<Array> = [[3], [4], [2]]
        .iter()
        .enumerate()
        .map(|(j, sh)| arr(sh, 90 + j as u64, -1.0, 1.0))
        .collect();
    let f = |v: &[Array]| Ok(vec![ops::einsum("a,b,c->abc", v)?]);
    s.vmap("a,b,c->abc (last axis)", &f, &vectors, 1);
    let f = |v: &[Array]| Ok(vec![ops::einsum("ij,jk->ki", v)?]);
    let pair = [arr(&[2, 3], 95, -1.0, 1.0), arr(&[3, 4], 96, -1.0, 1.0)];
    s.vmap("ij,jk->ki (last axis)", &f, &pair, 2);
    s.finish();
}

//! Executing one step of an einsum plan with existing ops, so every transform (grad, vjp,
//! jvp, vmap) comes from theirs: repeated letters become `diagonal` views, letters no other
//! term needs are summed first, a pair with a letter to contract becomes one batched
//! `matmul` (transpose + reshape to `(batch..., m, k) @ (batch..., k, n)`), and anything else
//! (one operand, Hadamard or outer products, the naive fallback) is a broadcast `multiply`
//! followed by a `sum`.

use super::parse::{bit, CharSet, Term};
use crate::array::Array;
use crate::error::Result;
use crate::ops;

/// Replaces repeated letters of `a`'s term by their diagonal: `ii` → `i` (the letter moves
/// to the last axis, where `diagonal` puts it).
fn collapse_repeats(mut a: Array, term: &mut Term) -> Result<Array> {
    loop {
        let dup = term.chars.iter().enumerate().find_map(|(j, c)| {
            term.chars[j + 1..]
                .iter()
                .position(|d| d == c)
                .map(|k| (j, j + 1 + k))
        });
        let Some((p, q)) = dup else {
            return Ok(a);
        };
        a = ops::diagonal(&a, 0, p as i32, q as i32)?;
        let c = term.chars[p];
        term.chars.remove(q);
        term.chars.remove(p);
        term.chars.push(c);
    }
}

/// Sums the axes of `a` whose letters are in `drop`, removing them from `term`.
fn sum_letters(a: Array, term: &mut Term, drop: CharSet) -> Result<Array> {
    let axes: Vec<i32> = (0..term.chars.len())
        .filter(|&j| drop & bit(term.chars[j]) != 0)
        .map(|j| j as i32)
        .collect();
    if axes.is_empty() {
        return Ok(a);
    }
    term.chars.retain(|&c| drop & bit(c) == 0);
    *term = Term::new(std::mem::take(&mut term.chars));
    ops::sum(&a, &axes, false)
}

/// Transposes `a` (whose axes carry `from`'s letters) to the order of `to`, if different.
fn reorder(a: Array, from: &[u8], to: &[u8]) -> Result<Array> {
    if from == to {
        return Ok(a);
    }
    let perm = to
        .iter()
        .map(|&c| {
            from.iter()
                .position(|&d| d == c)
                .map(|p| p as i32)
                .ok_or_else(|| {
                    crate::error::invalid!(
                        "[einsum] Internal error: letter '{}' missing from an intermediate '{}'.",
                        c as char,
                        String::from_utf8_lossy(from)
                    )
                })
        })
        .collect::<Result<Vec<i32>>>()?;
    ops::transpose_axes(&a, &perm)
}

/// The size of letter `c` in `x` (whose axes carry `t`'s letters); 1 if absent.
fn size(x: &Array, t: &Term, c: u8) -> i32 {
    t.chars
        .iter()
        .position(|&d| d == c)
        .map_or(1, |p| x.shape()[p])
}

/// `a` (term `ta`) times `b` (term `tb`) contracted over the letters not in `out`, as one
/// batched matmul. Returns the product and its letters (batch, `a`'s own, `b`'s own).
fn batched_dot(a: &Array, ta: &Term, b: &Array, tb: &Term, out: &Term) -> Result<(Array, Vec<u8>)> {
    let contract: Vec<u8> = ta.chars.iter().copied().filter(|&c| !out.has(c)).collect();
    let batch: Vec<u8> = ta
        .chars
        .iter()
        .copied()
        .filter(|&c| out.has(c) && tb.has(c))
        .collect();
    let a_own: Vec<u8> = ta
        .chars
        .iter()
        .copied()
        .filter(|&c| out.has(c) && !tb.has(c))
        .collect();
    let b_own: Vec<u8> = tb
        .chars
        .iter()
        .copied()
        .filter(|&c| out.has(c) && !ta.has(c))
        .collect();
    // Shared letters (batch and contracted) broadcast between the operands (size-1 axes).
    let shared_dim = |c: u8| size(a, ta, c).max(size(b, tb, c));
    let stretch = |x: &Array, t: &Term| -> Result<Array> {
        let target: Vec<i32> = t
            .chars
            .iter()
            .enumerate()
            .map(|(j, &c)| {
                if batch.contains(&c) || contract.contains(&c) {
                    shared_dim(c)
                } else {
                    x.shape()[j]
                }
            })
            .collect();
        if target == x.shape() {
            Ok(x.clone())
        } else {
            ops::broadcast_to(x, &target)
        }
    };
    let (a, b) = (stretch(a, ta)?, stretch(b, tb)?);
    let prod =
        |x: &Array, t: &Term, cs: &[u8]| -> i32 { cs.iter().map(|&c| size(x, t, c)).product() };
    let batch_shape: Vec<i32> = batch.iter().map(|&c| size(&a, ta, c)).collect();
    // (batch..., m, k) and (batch..., k, n).
    let a_order: Vec<u8> = [&batch[..], &a_own[..], &contract[..]].concat();
    let b_order: Vec<u8> = [&batch[..], &contract[..], &b_own[..]].concat();
    let mut a_shape = batch_shape.clone();
    a_shape.extend([prod(&a, ta, &a_own), prod(&a, ta, &contract)]);
    let mut b_shape = batch_shape.clone();
    b_shape.extend([prod(&b, tb, &contract), prod(&b, tb, &b_own)]);
    let a2 = ops::reshape(&reorder(a.clone(), &ta.chars, &a_order)?, &a_shape)?;
    let b2 = ops::reshape(&reorder(b.clone(), &tb.chars, &b_order)?, &b_shape)?;
    let mut out_shape = batch_shape;
    out_shape.extend(a_own.iter().map(|&c| size(&a, ta, c)));
    out_shape.extend(b_own.iter().map(|&c| size(&b, tb, c)));
    let product = ops::reshape(&ops::matmul(&a2, &b2)?, &out_shape)?;
    Ok((product, [batch, a_own, b_own].concat()))
}

/// The one-shot contraction of several operands: each is expanded to all the step's
/// letters (size-1 axes where it lacks one), they are multiplied with broadcasting and the
/// letters not in `out` are summed.
fn naive(arrays: Vec<Array>, terms: &[Term], out: &Term) -> Result<Array> {
    let mut all: Vec<u8> = Vec::new();
    for t in terms {
        for &c in &t.chars {
            if !all.contains(&c) {
                all.push(c);
            }
        }
    }
    let mut acc: Option<Array> = None;
    for (x, t) in arrays.into_iter().zip(terms) {
        // Append size-1 axes for the missing letters, then order the axes like `all`.
        let mut shape = x.shape().to_vec();
        let mut chars = t.chars.clone();
        for &c in &all {
            if !t.has(c) {
                shape.push(1);
                chars.push(c);
            }
        }
        let x = if shape.len() == x.ndim() {
            x
        } else {
            ops::reshape(&x, &shape)?
        };
        let x = reorder(x, &chars, &all)?;
        acc = Some(match acc {
            None => x,
            Some(p) => ops::multiply(&p, &x)?,
        });
    }
    let Some(mut acc) = acc else {
        return Err(crate::error::invalid!("[einsum] A step without operands."));
    };
    let summed: Vec<i32> = (0..all.len())
        .filter(|&j| !out.has(all[j]))
        .map(|j| j as i32)
        .collect();
    if !summed.is_empty() {
        acc = ops::sum(&acc, &summed, false)?;
    }
    let kept: Vec<u8> = all.into_iter().filter(|&c| out.has(c)).collect();
    reorder(acc, &kept, &out.chars)
}

/// Runs one step on its operands (in the order of `terms`), returning the result with the
/// axes of `out`.
pub(crate) fn run_step(arrays: Vec<Array>, terms: &[Term], out: &Term) -> Result<Array> {
    let mut terms: Vec<Term> = terms.to_vec();
    let mut arrays = arrays;
    for (x, t) in arrays.iter_mut().zip(terms.iter_mut()) {
        if (t.set.count_ones() as usize) < t.chars.len() {
            *x = collapse_repeats(x.clone(), t)?;
        }
    }
    // Letters in only one term (and not in the output) are summed right away.
    let mut once: CharSet = 0;
    let mut twice: CharSet = out.set;
    for t in &terms {
        twice |= once & t.set;
        once |= t.set;
    }
    let single = once & !twice;
    for (x, t) in arrays.iter_mut().zip(terms.iter_mut()) {
        if t.set & single != 0 {
            *x = sum_letters(x.clone(), t, single)?;
        }
    }
    let contracts = terms.len() == 2 && terms[0].set & !out.set != 0;
    if contracts {
        let (product, chars) = batched_dot(&arrays[0], &terms[0], &arrays[1], &terms[1], out)?;
        return reorder(product, &chars, &out.chars);
    }
    naive(arrays, &terms, out)
}

//! Rules of `Select` (`where(cond, x, y)`; inputs broadcast to the output's shape by the
//! op layer). The condition gets no gradient.

use super::batching::align_elementwise;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::VmapResult;

pub(crate) fn vjp(p: &[Array], c: &[Array], argnums: &[usize]) -> Result<Vec<Array>> {
    let zeros = ops::zeros_like(&c[0])?;
    argnums
        .iter()
        .map(|&i| match i {
            1 => ops::where_(&p[0], &c[0], &zeros),
            2 => ops::where_(&p[0], &zeros, &c[0]),
            _ => ops::zeros_like(&p[i]),
        })
        .collect()
}

pub(crate) fn jvp(p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
    let tangent = |i: usize| -> Result<Array> {
        match argnums.iter().position(|&a| a == i) {
            Some(k) => Ok(t[k].clone()),
            None => ops::zeros_like(&o[0]),
        }
    };
    Ok(vec![ops::where_(&p[0], &tangent(1)?, &tangent(2)?)?])
}

pub(crate) fn vmap(x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    let (x, ax) = align_elementwise(x, axes)?;
    Ok((vec![ops::where_(&x[0], &x[1], &x[2])?], vec![Some(ax)]))
}

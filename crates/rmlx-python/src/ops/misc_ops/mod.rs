//! MLX's assorted ops, one concept per file: triangular and diagonal matrices, windows
//! and grids, comparisons, order statistics, searching, dtype predicates, `depends` and
//! `from_dlpack`.

mod compare;
mod dtype_kind;
mod graph;
mod grid;
mod interop;
mod matrix;
mod search;
mod stats;
mod windows;

use pyo3::prelude::*;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    compare::register(m)?;
    dtype_kind::register(m)?;
    graph::register(m)?;
    grid::register(m)?;
    interop::register(m)?;
    matrix::register(m)?;
    search::register(m)?;
    stats::register(m)?;
    windows::register(m)?;
    Ok(())
}

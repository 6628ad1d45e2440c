//! `_fuse_eval`: an internal hook that runs the engine's elementwise fusion on a function's
//! graph, for benchmarks and tests until `compile` lands (not part of MLX's API).

use crate::array::PyArray;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rmlx::Array;

/// `_fuse_eval(fun, *arrays)`: calls `fun(*arrays)` (which must return an array or a
/// tuple/list of arrays), fuses its elementwise chains into `Compiled` nodes, evaluates the
/// result and returns it (an array, or a tuple of arrays).
#[pyfunction(name = "_fuse_eval", signature = (fun, *args))]
fn fuse_eval<'py>(
    py: Python<'py>,
    fun: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut inputs: Vec<Array> = Vec::new();
    for a in args.iter() {
        inputs.push(a.cast::<PyArray>()?.borrow().inner.clone());
    }
    let result = fun.call1(args)?;
    let (outputs, single) = if let Ok(a) = result.cast::<PyArray>() {
        (vec![a.borrow().inner.clone()], true)
    } else {
        let items: Vec<Bound<'py, PyAny>> = if let Ok(t) = result.cast::<PyTuple>() {
            t.iter().collect()
        } else {
            result.cast::<PyList>()?.iter().collect()
        };
        let outs = items
            .iter()
            .map(|x| Ok(x.cast::<PyArray>()?.borrow().inner.clone()))
            .collect::<PyResult<Vec<Array>>>()?;
        (outs, false)
    };
    let fused = py
        .detach(|| -> rmlx::Result<Vec<Array>> {
            let fused = rmlx::fuse_for_tests(&inputs, &outputs)?;
            rmlx::eval(&fused)?;
            Ok(fused)
        })
        .py()?;
    let mut objs = Vec::with_capacity(fused.len());
    for a in fused {
        objs.push(Bound::new(py, PyArray::new_py(a))?.into_any());
    }
    if single {
        Ok(objs.remove(0))
    } else {
        Ok(PyTuple::new(py, objs)?.into_any())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fuse_eval, m)?)?;
    Ok(())
}

//! MLX's memory API (MEMORY.md): counters, limits, cache and device information.

use crate::device::device_of;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rmlx::memory;

#[pyfunction]
fn get_active_memory() -> usize {
    memory::get_active_memory()
}
#[pyfunction]
fn get_peak_memory() -> usize {
    memory::get_peak_memory()
}
#[pyfunction]
fn reset_peak_memory() {
    memory::reset_peak_memory()
}
#[pyfunction]
fn get_cache_memory() -> usize {
    memory::get_cache_memory()
}
#[pyfunction]
fn get_memory_limit() -> usize {
    memory::get_memory_limit()
}
#[pyfunction]
fn set_memory_limit(limit: usize) -> usize {
    memory::set_memory_limit(limit)
}
#[pyfunction]
fn set_cache_limit(limit: usize) -> usize {
    memory::set_cache_limit(limit)
}
#[pyfunction]
fn set_wired_limit(limit: usize) -> usize {
    memory::set_wired_limit(limit)
}
#[pyfunction]
fn clear_cache() {
    memory::clear_cache()
}

/// Bytes of the distinct buffers behind the arrays in `args` (pytrees allowed).
#[pyfunction(signature = (*args))]
fn get_array_buffer_size(args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<usize> {
    let mut arrays = vec![];
    for a in args.iter() {
        crate::transforms::tree_arrays(&a, &mut arrays)?;
    }
    memory::array_buffer_size(&arrays).py()
}

/// Facts about a device, as a dict (MLX's `device_info`).
#[pyfunction]
#[pyo3(signature = (device = None))]
fn device_info<'py>(
    py: Python<'py>,
    device: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = match device {
        Some(d) if !d.is_none() => device_of(d)?,
        _ => rmlx::device::default_device(),
    };
    let info = memory::device_info(d).py()?;
    let out = PyDict::new(py);
    for (k, v) in info {
        match v {
            memory::InfoValue::Text(s) => out.set_item(k, s)?,
            memory::InfoValue::Number(n) => out.set_item(k, n)?,
        }
    }
    Ok(out)
}

/// Registers the memory functions on `mx` and, as MLX still offers them, on `mx.metal`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let fs = [
        wrap_pyfunction!(get_active_memory, m)?,
        wrap_pyfunction!(get_peak_memory, m)?,
        wrap_pyfunction!(reset_peak_memory, m)?,
        wrap_pyfunction!(get_cache_memory, m)?,
        wrap_pyfunction!(get_memory_limit, m)?,
        wrap_pyfunction!(set_memory_limit, m)?,
        wrap_pyfunction!(set_cache_limit, m)?,
        wrap_pyfunction!(set_wired_limit, m)?,
        wrap_pyfunction!(clear_cache, m)?,
        wrap_pyfunction!(device_info, m)?,
        wrap_pyfunction!(get_array_buffer_size, m)?,
    ];
    for f in fs {
        m.add_function(f)?;
    }
    Ok(())
}

//! The `rmlx.core` extension module: MLX's `mlx.core`, name for name, over the rmlx engine.
//!
//! One file per concept: `array` (the class), `convert` (Python values to arrays),
//! `dtype`, `device` (devices, streams, `stream=`), `printing` (array text), `format` (number
//! text), `printoptions`, `scalars` (`item`/`tolist`),
//! `memory`, `transforms` (`eval`), `buffer`/`dlpack`/`pickle` (data in and out),
//! `distributed` (one process), and `ops/` (module functions by family).

// Python classes describe themselves through `__repr__`; Rust-side Debug adds nothing.
#![allow(missing_debug_implementations)]

mod array;
mod array_at;
mod array_methods;
mod array_scan_methods;
mod autodiff;
mod buffer;
mod compile;
mod convert;
mod custom;
mod device;
mod distributed;
mod dlpack;
mod dtype;
mod element;
mod errors;
mod export;
mod fast;
mod fft;
mod format;
mod fusion;
mod indexing;
mod io;
mod linalg;
mod memory;
mod ops;
mod pickle;
mod printing;
mod printoptions;
mod pytree;
mod random;
mod scalars;
mod transforms;
mod vmap;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "core")]
fn core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<array::PyArray>()?;
    m.add_class::<array::ArrayIterator>()?;
    m.add_class::<array_at::ArrayAt>()?;
    dtype::register(m)?;
    device::register(m)?;
    memory::register(m)?;
    transforms::register(m)?;
    autodiff::register(m)?;
    vmap::register(m)?;
    custom::register(m)?;
    compile::register(m)?;
    export::register(m)?;
    printoptions::register(m)?;
    ops::register(m)?;
    distributed::register(m)?;
    random::register(m)?;
    linalg::register(m)?;
    fft::register(m)?;
    fast::register(m)?;
    io::register(m)?;
    fusion::register(m)?;
    m.add("pi", std::f64::consts::PI)?;
    m.add("e", std::f64::consts::E)?;
    m.add("euler_gamma", 0.577_215_664_901_532_9_f64)?;
    m.add("inf", f64::INFINITY)?;
    m.add("nan", f64::NAN)?;
    m.add("newaxis", m.py().None())?;
    Ok(())
}

//! Backends. The CPU one is the reference; CUDA comes behind the `cuda` feature.

pub(crate) mod cpu;

//! Function transforms: `vjp`, `jvp`, `grad`, `value_and_grad` and `vmap`.
//!
//! A transform calls the user's function on *tracers* — fresh leaves (`Copy` nodes) standing
//! for its inputs — so the graph the function builds hangs off leaves of the transform's
//! own. It then walks the part of that graph that depends on the leaves
//! ([`trace::dependent_ops`]) and applies each primitive's rule (`Primitive::vjp`, `jvp`,
//! `vmap`). Rules are written with ops, so their results are graphs too: transforms nest
//! (a gradient of a gradient) and compose (a vmap of a gradient).
//!
//! While a transform runs on a thread, arrays derived from its tracers are tracers too, and
//! evaluating one keeps its graph (the walk needs it), so the function may call `eval`.
//! Tracing state is per thread: transforms on different threads are independent.

mod custom;
mod grad;
mod jvp;
pub(crate) mod rules;
pub(crate) mod trace;
mod vjp;
mod vmap;

pub use custom::{checkpoint, ArrayFn, CustomFunction, JvpFn, VjpFn, VmapFn};
pub use grad::{grad, grad_n, value_and_grad};
pub use jvp::jvp;
pub(crate) use trace::in_tracing;
pub use vjp::vjp;
pub use vmap::{vmap, vmap_with};

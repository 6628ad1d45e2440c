//! `compile`: trace a function once per input signature, simplify the recorded graph, and
//! replay it on every call.
//!
//! The first call with a new [cache key](cache::CompileCache) runs the function on tracer
//! leaves (the transforms' machinery: `transforms::trace`), lets [`fuse`] rewrite elementwise
//! chains, records the graph as a [tape](tape::Tape) (shared primitives over numbered
//! slots; captured arrays become constants) and [simplifies](simplify) it. Each call then
//! [replays](replay) the tape on the real inputs, building an ordinary lazy graph, so
//! `eval`, `grad` and `vmap` of the results need nothing special. See docs/ARCHITECTURE.md.

pub(crate) mod cache;
pub(crate) mod dot;
pub(crate) mod fuse;
pub(crate) mod replay;
mod simplify;
pub(crate) mod tape;

pub use cache::{CompileCache, TapeInfo};
pub use dot::export_to_dot;
pub use simplify::SimplifyStats;

use crate::array::Array;
use crate::error::Result;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Whether compilation is on: off from start-up when `MLX_DISABLE_COMPILE` is set (to
/// anything), then as `enable_compile` / `disable_compile` last said.
fn enabled_flag() -> &'static AtomicBool {
    static ENABLED: OnceLock<AtomicBool> = OnceLock::new();
    ENABLED.get_or_init(|| AtomicBool::new(std::env::var_os("MLX_DISABLE_COMPILE").is_none()))
}

/// Whether compiled functions trace and replay (otherwise they just call the function).
pub fn is_compile_enabled() -> bool {
    enabled_flag().load(Ordering::Relaxed)
}

/// Compiled functions just call their function from now on (MLX's `disable_compile`).
pub fn disable_compile() {
    enabled_flag().store(false, Ordering::Relaxed);
}

/// Compiled functions trace and replay again (MLX's `enable_compile`).
pub fn enable_compile() {
    enabled_flag().store(true, Ordering::Relaxed);
}

thread_local! {
    /// How many compile traces run on this thread (evaluation of tracers is refused then).
    static TRACING: Cell<usize> = const { Cell::new(0) };
    /// How many of them are shapeless.
    static SHAPELESS: Cell<usize> = const { Cell::new(0) };
}

/// Marks this thread as tracing a compiled function until dropped.
pub(crate) struct TracingFlag(bool);

impl TracingFlag {
    fn enter(shapeless: bool) -> TracingFlag {
        TRACING.with(|t| t.set(t.get() + 1));
        if shapeless {
            SHAPELESS.with(|t| t.set(t.get() + 1));
        }
        TracingFlag(shapeless)
    }
}

impl Drop for TracingFlag {
    fn drop(&mut self) {
        TRACING.with(|t| t.set(t.get().saturating_sub(1)));
        if self.0 {
            SHAPELESS.with(|t| t.set(t.get().saturating_sub(1)));
        }
    }
}

/// `filled` (an array of `like`'s shape holding `fill` broadcast, that does not read
/// `like`: `zeros_like` and the like), made to depend on `like` while a shapeless compiled
/// function is traced with `like` a tracer: a shapeless replay infers each shape from the
/// inputs, so a result shaped like an input must be computed from it. Here
/// `fill * (like_bool | true)` with kernels that broadcast their scalar operand (the mask
/// is all ones whatever `like` holds, NaN included; `like` is behind a `stop_gradient`).
/// Elsewhere `filled` comes back unchanged.
pub fn shaped_like(like: &Array, fill: &Array, filled: Array) -> Result<Array> {
    if SHAPELESS.with(|t| t.get()) == 0 || !like.is_tracer() || like.shape() != filled.shape() {
        return Ok(filled);
    }
    use crate::ops;
    let dt = filled.dtype();
    let mask = ops::astype(&ops::stop_gradient(like)?, crate::Dtype::Bool)?;
    let ones = ops::astype(&ops::logical_or(&mask, &Array::scalar(true))?, dt)?;
    ops::multiply(&ones, &ops::astype(fill, dt)?)
}

/// True while a shapeless compiled function is being traced on this thread (MLX's
/// "dynamic tracing": ops then build graphs that follow other input shapes).
pub(crate) fn in_shapeless_tracing() -> bool {
    SHAPELESS.with(|t| t.get() > 0)
}

/// True while a compiled function is being traced on this thread.
pub(crate) fn in_compile_tracing() -> bool {
    TRACING.with(|t| t.get() > 0)
}

/// Options of [`compile`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// Replay one trace for inputs of any shape (same ranks and dtypes); every primitive of
    /// the function must then infer its output shapes (`Primitive::output_shapes`).
    pub shapeless: bool,
}

/// A compiled function (see [`compile`]).
pub struct Compiled<F> {
    f: F,
    cache: CompileCache<()>,
}

impl<F> std::fmt::Debug for Compiled<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({:?})", self.cache)
    }
}

impl<F> Compiled<F>
where
    F: Fn(&[Array]) -> Result<Vec<Array>>,
{
    /// Calls the function: traced on the first call per input signature, replayed after.
    pub fn call(&self, inputs: &[Array]) -> Result<Vec<Array>> {
        Ok(self.cache.call(inputs, "", |x| Ok(((self.f)(x)?, ())))?.0)
    }

    /// The trace cache (trace count, the latest tape).
    pub fn cache(&self) -> &CompileCache<()> {
        &self.cache
    }
}

/// Compiles `f`: the same outputs as `f`, from a graph traced once per input signature
/// (default stream, dtypes, ranks and — unless `shapeless` — shapes), simplified and fused.
/// Arrays `f` captures are constants of the trace; `f` must otherwise be pure (state it
/// changes is not replayed).
pub fn compile<F>(f: F, options: CompileOptions) -> Compiled<F>
where
    F: Fn(&[Array]) -> Result<Vec<Array>>,
{
    Compiled {
        f,
        cache: CompileCache::new(options.shapeless),
    }
}

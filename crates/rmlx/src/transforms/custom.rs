//! `CustomFunction` (a function with its own vjp/jvp/vmap rules) and `checkpoint`.
//!
//! Calling a custom function computes its outputs with tracing suspended — so no transform
//! walks (or keeps) the graph inside it — and wraps them in a `CustomTransforms` node whose
//! inputs are the function's inputs. Transforms see that one node: its rules are the given
//! ones, or else the transform applied to the function itself, recomputing it. Without any
//! rule that is exactly gradient checkpointing: intermediates are freed after the forward
//! pass and recomputed in the backward pass.

use super::trace::TraceGuard;
use crate::array::Array;
use crate::error::{Error, Result};
use crate::primitives::custom::CustomTransforms;
use std::sync::Arc;

/// A function of arrays returning arrays.
pub type ArrayFn = Arc<dyn Fn(&[Array]) -> Result<Vec<Array>> + Send + Sync>;
/// A vjp rule: `(primals, cotangents, outputs)` → one cotangent per primal.
pub type VjpFn = Arc<dyn Fn(&[Array], &[Array], &[Array]) -> Result<Vec<Array>> + Send + Sync>;
/// A jvp rule: `(primals, tangents)` (a tangent for every primal; zeros for those not
/// differentiated) → one tangent per output.
pub type JvpFn = Arc<dyn Fn(&[Array], &[Array]) -> Result<Vec<Array>> + Send + Sync>;
/// A vmap rule: `(inputs, axes)` → `(outputs, output axes)`.
pub type VmapFn =
    Arc<dyn Fn(&[Array], &[Option<i32>]) -> Result<(Vec<Array>, Vec<Option<i32>>)> + Send + Sync>;

/// A function whose transforms may be given explicitly.
///
/// ```
/// # use rmlx::{ops, Array, transforms::{grad, CustomFunction}};
/// # use std::sync::Arc;
/// // exp with a (deliberately scaled) custom derivative.
/// let f = CustomFunction::new(Arc::new(|x: &[Array]| Ok(vec![ops::exp(&x[0])?])))
///     .with_vjp(Arc::new(|_p: &[Array], c: &[Array], out: &[Array]| {
///         Ok(vec![ops::multiply(&ops::multiply(&c[0], &out[0])?, &Array::scalar(2.0f32))?])
///     }));
/// let g = grad(|x: &Array| ops::sum_all(&f.call(std::slice::from_ref(x))?[0], false))(&Array::scalar(0.0f32))?;
/// assert_eq!(g.item::<f32>()?, 2.0);
/// # Ok::<(), rmlx::Error>(())
/// ```
#[derive(Clone)]
pub struct CustomFunction {
    pub(crate) fun: ArrayFn,
    pub(crate) vjp: Option<VjpFn>,
    pub(crate) jvp: Option<JvpFn>,
    pub(crate) vmap: Option<VmapFn>,
}

impl std::fmt::Debug for CustomFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomFunction")
            .field("vjp", &self.vjp.is_some())
            .field("jvp", &self.jvp.is_some())
            .field("vmap", &self.vmap.is_some())
            .finish()
    }
}

impl CustomFunction {
    /// Whether any transform rule was given (otherwise the function only checkpoints).
    pub(crate) fn has_rules(&self) -> bool {
        self.vjp.is_some() || self.jvp.is_some() || self.vmap.is_some()
    }

    /// Wraps `fun`; without rules, every transform recomputes `fun` (checkpointing).
    pub fn new(fun: ArrayFn) -> CustomFunction {
        CustomFunction {
            fun,
            vjp: None,
            jvp: None,
            vmap: None,
        }
    }
    /// Uses `vjp` for reverse mode.
    pub fn with_vjp(mut self, vjp: VjpFn) -> CustomFunction {
        self.vjp = Some(vjp);
        self
    }
    /// Uses `jvp` for forward mode.
    pub fn with_jvp(mut self, jvp: JvpFn) -> CustomFunction {
        self.jvp = Some(jvp);
        self
    }
    /// Uses `vmap` for vectorisation.
    pub fn with_vmap(mut self, vmap: VmapFn) -> CustomFunction {
        self.vmap = Some(vmap);
        self
    }

    /// Calls the function: its outputs, computed without tracing, behind one node that
    /// carries the rules.
    pub fn call(&self, inputs: &[Array]) -> Result<Vec<Array>> {
        let outputs = {
            let _quiet = TraceGuard::suspend();
            (self.fun)(inputs)?
        };
        if outputs.is_empty() {
            return Err(Error::InvalidArgument(
                "[custom_function] The function must return at least one array.".into(),
            ));
        }
        let stream = crate::ops::op_stream("custom_function")?;
        let specs = outputs
            .iter()
            .map(|o| (o.shape().to_vec(), o.dtype()))
            .collect();
        let mut all = inputs.to_vec();
        all.extend(outputs);
        let prim = CustomTransforms {
            f: self.clone(),
            num_inputs: inputs.len(),
        };
        Ok(Array::multi_from_op(specs, stream, prim, all))
    }
}

/// `f` with gradient checkpointing: its intermediates are not kept for the backward pass
/// but recomputed there, trading compute for memory.
pub fn checkpoint<F>(f: F) -> impl Fn(&[Array]) -> Result<Vec<Array>>
where
    F: Fn(&[Array]) -> Result<Vec<Array>> + Send + Sync + 'static,
{
    let custom = CustomFunction::new(Arc::new(f));
    move |inputs: &[Array]| custom.call(inputs)
}

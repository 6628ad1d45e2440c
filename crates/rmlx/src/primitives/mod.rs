//! Primitives: the operations a graph node can hold. One trait; one file per family.
//!
//! A primitive knows how to compute its outputs from evaluated inputs on each backend.
//! Ops (`crate::ops`) validate arguments and infer shapes before building nodes, so
//! kernels can assume consistent inputs.

/// The transform methods of a primitive that only changes its input's shape (the data order
/// is unchanged): cotangents are reshaped back, tangents forward, batches keep axis 0.
macro_rules! reshape_like_transforms {
    () => {
        fn vjp(&self, p: &[Array], c: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
            crate::transforms::rules::shape::reshape_vjp(p, c)
        }
        fn jvp(&self, _: &[Array], t: &[Array], _: &[usize], o: &[Array]) -> Result<Vec<Array>> {
            crate::transforms::rules::shape::reshape_jvp(t, o)
        }
        fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
            crate::transforms::rules::shape::reshape_vmap(x, axes, o)
        }
    };
}

/// `is_equivalent` for a primitive whose parameters are all its fields (`PartialEq`).
macro_rules! equivalent_by_eq {
    () => {
        fn is_equivalent(&self, other: &dyn crate::primitives::Primitive) -> bool {
            let other: &dyn std::any::Any = other;
            other.downcast_ref::<Self>().is_some_and(|o| o == self)
        }
    };
}

/// `output_shapes` for a primitive whose one output has its first input's shape.
macro_rules! same_shape_output {
    () => {
        fn output_shapes(
            &self,
            inputs: &[crate::array::Array],
            _traced: &[crate::shape::Shape],
        ) -> crate::error::Result<Vec<crate::shape::Shape>> {
            Ok(vec![inputs[0].shape().to_vec()])
        }
    };
}

/// `output_shapes` for a reduction over `self.axes` (see [`reduced_output_shape`]).
macro_rules! reduced_output {
    () => {
        fn output_shapes(
            &self,
            inputs: &[crate::array::Array],
            traced: &[crate::shape::Shape],
        ) -> crate::error::Result<Vec<crate::shape::Shape>> {
            Ok(vec![crate::primitives::reduced_output_shape(
                inputs[0].shape(),
                &self.axes,
                traced,
            )])
        }
    };
}

/// `output_shapes` for an elementwise primitive that broadcasts its inputs in the kernel.
macro_rules! broadcast_output {
    () => {
        fn output_shapes(
            &self,
            inputs: &[crate::array::Array],
            _traced: &[crate::shape::Shape],
        ) -> crate::error::Result<Vec<crate::shape::Shape>> {
            let mut shape: crate::shape::Shape = Vec::new();
            for x in inputs {
                shape = crate::shape::broadcast_shapes(&shape, x.shape())?;
            }
            Ok(vec![shape])
        }
    };
}

/// The shape of a reduction over `axes` of `input`; the reduced axes stay (as 1) when the
/// traced output kept the input's rank (`keepdims`).
pub(crate) fn reduced_output_shape(input: &[i32], axes: &[usize], traced: &[Shape]) -> Shape {
    let keepdims = traced.first().is_some_and(|t| t.len() == input.len());
    input
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

/// Batched outputs and the position of their batch axes.
pub(crate) type VmapResult = (Vec<Array>, Vec<Option<usize>>);

/// The error of a transform reaching a primitive that has no rule for it yet: it names the
/// primitive, so a gradient is never silently wrong.
pub(crate) fn no_rule(primitive: &str, transform: &str) -> crate::Error {
    crate::Error::NotImplemented(format!(
        "[{primitive}] The {transform} transform is not implemented for this primitive yet."
    ))
}

/// What a kernel sees: evaluated inputs, which of them it may write into, its outputs' specs.
pub(crate) struct KernelCtx<'a> {
    pub inputs: &'a [Array],
    pub outputs: &'a [Array],
    /// Bit i set: input i may donate its buffer (sole owner, not traced).
    pub donatable: u64,
    pub device: crate::device::Device,
}

impl<'a> KernelCtx<'a> {
    /// Evaluated data of input `i`.
    pub fn input(&self, i: usize) -> &'a ArrayData {
        self.inputs[i]
            .data()
            .expect("the scheduler evaluates inputs before their consumers")
    }
    /// The output array `i` (for its shape and dtype).
    pub fn output(&self, i: usize) -> &'a Array {
        &self.outputs[i]
    }
    /// Whether input `i` may give its buffer to an output of the same dtype and layout:
    /// MLX's rule (sole reference to array and buffer, buffer at most output + 16 KiB).
    pub fn can_donate(&self, i: usize, out_nbytes: usize) -> bool {
        if self.donatable & (1 << i) == 0 {
            return false;
        }
        let d = self.input(i);
        d.owns_buffer() && d.flags.contiguous && d.buffer_size() <= out_nbytes + DONATION_EXTRA
    }
}

/// MLX lets a buffer up to this much larger than the output be donated.
pub(crate) const DONATION_EXTRA: usize = 16384;

pub(crate) mod addmm;
pub(crate) mod arg_reduce;
pub(crate) mod axis_gather;
pub(crate) mod binary;
pub(crate) mod block_masked_mm;
pub(crate) mod compiled;
pub(crate) mod conv;
pub(crate) mod copy;
pub(crate) mod creation;
pub(crate) mod custom;
pub(crate) mod depends;
pub(crate) mod diagonal;
pub(crate) mod dynamic_slice;
pub(crate) mod fast;
pub(crate) mod fft;
pub(crate) mod gather;
pub(crate) mod gather_mm;
pub(crate) mod gemm_dispatch;
pub(crate) mod hadamard;
pub(crate) mod identity;
pub(crate) mod linalg;
pub(crate) mod matmul;
pub(crate) mod mlx_unary;
pub(crate) mod quantized;
pub(crate) mod quantized_mm;
pub(crate) mod random_bits;
pub(crate) mod reduce;
pub(crate) mod reinterpret;
pub(crate) mod scan;
pub(crate) mod scatter;
pub(crate) mod search;
pub(crate) mod segmented_mm;
pub(crate) mod shape;
pub(crate) mod sort;
pub(crate) mod ternary;
pub(crate) mod unary;
pub(crate) mod views;

use crate::array::{Array, ArrayData};
use crate::error::Result;
use crate::shape::Shape;
use std::any::Any;
use std::fmt;

/// An operation of the graph.
pub(crate) trait Primitive: Send + Sync + fmt::Debug + Any {
    /// MLX's name for the primitive (`Add`, `Reduce`, `Matmul`, ...).
    fn name(&self) -> String;
    /// Computes the outputs on the CPU.
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>>;

    /// Vector-Jacobian product: given the `cotangents` of every output, the cotangents of
    /// the inputs listed in `argnums` (in that order), built with ops so that they can be
    /// differentiated again. `outputs` are this operation's outputs (for rules that reuse
    /// them, such as `exp`).
    fn vjp(
        &self,
        primals: &[Array],
        cotangents: &[Array],
        argnums: &[usize],
        outputs: &[Array],
    ) -> Result<Vec<Array>> {
        let _ = (primals, cotangents, argnums, outputs);
        Err(no_rule(&self.name(), "vjp"))
    }

    /// Jacobian-vector product: given the `tangents` of the inputs listed in `argnums`, the
    /// tangent of every output. `outputs` as for `vjp`.
    fn jvp(
        &self,
        primals: &[Array],
        tangents: &[Array],
        argnums: &[usize],
        outputs: &[Array],
    ) -> Result<Vec<Array>> {
        let _ = (primals, tangents, argnums, outputs);
        Err(no_rule(&self.name(), "jvp"))
    }

    /// Vectorisation: `inputs` carry an extra (batch) axis where `axes[i]` is `Some`; returns
    /// the batched outputs and where each one's batch axis is (`None`: not batched).
    /// `outputs` are the unbatched outputs of the traced operation (their shapes and dtypes
    /// are what each batch element must produce).
    fn vmap(
        &self,
        inputs: &[Array],
        axes: &[Option<usize>],
        outputs: &[Array],
    ) -> Result<VmapResult> {
        let _ = (inputs, axes, outputs);
        Err(no_rule(&self.name(), "vmap"))
    }

    /// The output shapes for `inputs` of other shapes than those traced (a shapeless
    /// compiled function replays its tape this way). `traced` are the output shapes when the
    /// primitive was built, for parameters the primitive does not keep (a reduction's
    /// `keepdims` shows in its output's rank). The default is MLX's error.
    fn output_shapes(&self, inputs: &[Array], traced: &[Shape]) -> Result<Vec<Shape>> {
        let _ = (inputs, traced);
        Err(crate::Error::InvalidArgument(format!(
            "[Primitive::output_shapes] {} cannot infer output shapes.",
            self.name()
        )))
    }

    /// Whether `other` computes the same function of the same inputs (same primitive type
    /// and parameters): compile's common-subexpression elimination merges such nodes. The
    /// default, `false`, never merges.
    fn is_equivalent(&self, other: &dyn Primitive) -> bool {
        let _ = other;
        false
    }
}

//! Primitives: the operations a graph node can hold. One trait; one file per family.
//!
//! A primitive knows how to compute its outputs from evaluated inputs on each backend.
//! Ops (`crate::ops`) validate arguments and infer shapes before building nodes, so
//! kernels can assume consistent inputs.

pub(crate) mod arg_reduce;
pub(crate) mod binary;
pub(crate) mod copy;
pub(crate) mod creation;
pub(crate) mod gather;
pub(crate) mod matmul;
pub(crate) mod mlx_unary;
pub(crate) mod random_bits;
pub(crate) mod reduce;
pub(crate) mod scan;
pub(crate) mod scatter;
pub(crate) mod shape;
pub(crate) mod sort;
pub(crate) mod ternary;
pub(crate) mod unary;
pub(crate) mod views;

use crate::array::{Array, ArrayData};
use crate::error::Result;
use std::any::Any;
use std::fmt;

/// An operation of the graph.
pub(crate) trait Primitive: Send + Sync + fmt::Debug + Any {
    /// MLX's name for the primitive (`Add`, `Reduce`, `Matmul`, ...).
    fn name(&self) -> String;
    /// Computes the outputs on the CPU.
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>>;
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

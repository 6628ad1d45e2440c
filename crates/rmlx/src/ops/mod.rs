//! Public operations: each validates its arguments eagerly, infers the output shape and
//! dtype, and builds a graph node. Nothing is computed until evaluation.

pub mod binary;
pub mod compare;
pub mod conv;
pub mod creation;
pub mod depends;
pub mod diagonal;
pub mod dtype_kind;
pub mod dynamic_slice;
pub mod einsum;
pub mod fast;
pub mod fft;
pub mod fused_mm;
pub mod grid;
pub mod hadamard;
pub mod indexing;
pub mod linalg;
pub mod linalg_decomp;
pub mod linalg_eig;
pub mod linalg_lu;
pub mod linalg_misc;
pub mod linalg_norm;
pub mod pad;
pub mod products;
pub mod quantized;
mod quantized_global;
mod quantized_qq_affine;
pub mod rearrange;
pub mod reduce;
pub mod reinterpret;
pub mod scan;
pub mod search;
pub mod shape;
pub mod slicing;
pub mod sort;
pub mod stats;
pub mod ternary;
pub mod triangular;
pub mod unary;
pub mod weak;
pub mod window;

pub use binary::*;
pub use compare::*;
pub use conv::*;
pub use creation::*;
pub use depends::*;
pub use diagonal::*;
pub use dtype_kind::*;
pub use dynamic_slice::*;
pub use einsum::{einsum, einsum_path};
pub use fft::*;
pub use fused_mm::*;
pub use grid::*;
pub use hadamard::*;
pub use indexing::*;
pub use linalg::*;
pub use linalg_decomp::*;
pub use linalg_eig::*;
pub use linalg_lu::{det, lu, lu_factor, slogdet};
pub use linalg_misc::*;
pub use linalg_norm::*;
pub use pad::*;
pub use products::*;
pub use quantized::*;
pub use rearrange::*;
pub use reduce::*;
pub use reinterpret::*;
pub use scan::*;
pub use search::*;
pub use shape::*;
pub use slicing::*;
pub use sort::*;
pub use stats::*;
pub use ternary::*;
pub use triangular::*;
pub use unary::*;
pub use weak::*;
pub use window::*;

use crate::device::DeviceType;
use crate::error::Result;
use crate::stream::{current_stream, gpu_unavailable, Stream};

/// The stream an op called now runs on; GPU streams fail until the CUDA backend lands.
pub(crate) fn op_stream(func: &str) -> Result<Stream> {
    let s = current_stream()?;
    if s.device.kind == DeviceType::Gpu {
        return Err(gpu_unavailable(func, s));
    }
    Ok(s)
}

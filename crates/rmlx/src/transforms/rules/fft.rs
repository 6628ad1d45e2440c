//! Rules of `FFT`. The transform is linear, so its jvp applies it to the tangent and its
//! vjp applies the transpose to the cotangent.
//!
//! The vjp below is the plain transpose `Jᵀ·c`; the primitive wraps it in
//! [`super::hermitian`], which turns it into MLX's `Jᴴ·c` like every other complex rule:
//! - complex: the DFT matrix is symmetric, so the transpose of `scale·F` is itself: the vjp
//!   is the same transform of `c`;
//! - real forward (`rfft`): the transpose of keeping the `n/2 + 1` non-negative frequencies
//!   is the inverse real transform of `conj(c)` with every frequency except the zero and
//!   Nyquist ones halved (the inverse real transform counts each of those twice, once for
//!   its mirror image);
//! - real inverse (`irfft`): the conjugate of the forward real transform of the cotangent
//!   with the same frequencies doubled.
//!
//! Sizes never change inside the primitive (the op crops and pads), so the results have the
//! primal's shape directly.

use super::batching::batch_first;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::ops;
use crate::ops::fft::fft_array;
use crate::primitives::fft::Fft;
use crate::primitives::VmapResult;

/// The dtype the primitive reads.
fn input_dtype(p: &Fft) -> Dtype {
    if p.real && !p.inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    }
}

/// Weights `[1, w, …, w, last]` along the real axis (`half = n/2 + 1` entries), shaped to
/// broadcast against an array of `ndim` axes.
fn edge_weights(n: usize, w: f32, axis: usize, ndim: usize) -> Result<Array> {
    let half = n / 2 + 1;
    let mut v = vec![w; half];
    v[0] = 1.0;
    if n.is_multiple_of(2) {
        v[half - 1] = 1.0;
    }
    let mut shape = vec![1i32; ndim];
    shape[axis] = half as i32;
    Array::from_slice(&v, &shape)
}

/// The input cotangent of `FFT` at input `x` given the output cotangent `c`.
pub(crate) fn fft_vjp(p: &Fft, x: &Array, c: &Array) -> Result<Array> {
    let last = *p.axes.last().unwrap_or(&0);
    match (p.real, p.inverse) {
        (false, _) => {
            let c = ops::astype(c, Dtype::Complex64)?;
            fft_array(p.clone(), &c, x.shape().to_vec(), Dtype::Complex64)
        }
        (true, false) => {
            let n = x.shape()[last] as usize;
            let c = ops::conjugate(&ops::astype(c, Dtype::Complex64)?)?;
            let c = ops::multiply(&c, &edge_weights(n, 0.5, last, c.ndim())?)?;
            let adj = Fft {
                inverse: true,
                ..p.clone()
            };
            fft_array(adj, &c, x.shape().to_vec(), Dtype::Float32)
        }
        (true, true) => {
            let n = c.shape()[last] as usize;
            let c = ops::astype(c, Dtype::Float32)?;
            let adj = Fft {
                inverse: false,
                ..p.clone()
            };
            let g = fft_array(adj, &c, x.shape().to_vec(), Dtype::Complex64)?;
            ops::conjugate(&ops::multiply(&g, &edge_weights(n, 2.0, last, g.ndim())?)?)
        }
    }
}

/// The output tangent of `FFT` (linear: the transform of the tangent).
pub(crate) fn fft_jvp(p: &Fft, t: &Array, o: &Array) -> Result<Array> {
    let t = ops::astype(t, input_dtype(p))?;
    fft_array(p.clone(), &t, o.shape().to_vec(), o.dtype())
}

/// Batched `FFT`: the batch axis moves to the front and the transformed axes shift by one.
pub(crate) fn fft_vmap(p: &Fft, x: &Array, axis: Option<usize>, o: &Array) -> Result<VmapResult> {
    let xb = batch_first(x, axis)?;
    if axis.is_none() {
        return Ok((
            vec![fft_array(p.clone(), &xb, o.shape().to_vec(), o.dtype())?],
            vec![None],
        ));
    }
    let prim = Fft {
        axes: p.axes.iter().map(|a| a + 1).collect(),
        ..p.clone()
    };
    let mut shape = vec![xb.shape()[0]];
    shape.extend_from_slice(o.shape());
    Ok((vec![fft_array(prim, &xb, shape, o.dtype())?], vec![Some(0)]))
}

//! Convolutions with MLX's channels-last layouts: `conv1d`, `conv2d`, `conv3d`,
//! `conv_general`, `conv_transpose1d/2d/3d` and `convolve`.
//!
//! Inputs are `[N, spatial.., C_in]`, weights `[C_out, kernel spatial.., C_in / groups]`,
//! outputs `[N, out spatial.., C_out]`. Everything lowers to one `Convolution` primitive;
//! transposed convolutions are convolutions of the input dilated by the stride with the
//! flipped kernel (as in MLX), `convolve` a flipped 1-D convolution.

use super::op_stream;
use crate::array::Array;
use crate::dtype::promote_types;
use crate::error::{bail, Error, Result};
use crate::ops;
use crate::primitives::conv::Convolution;
use crate::shape::fmt_shape;

/// The primitive node for already-validated operands of one dtype (used by the op layer and
/// the transform rules, whose paddings may be negative: see `Convolution`).
pub(crate) fn conv_raw(x: &Array, w: &Array, p: Convolution) -> Result<Array> {
    let nd = x.ndim().saturating_sub(2);
    let ok = (1..=3).contains(&nd)
        && w.ndim() == x.ndim()
        && [
            &p.stride,
            &p.pad_lo,
            &p.pad_hi,
            &p.kernel_dilation,
            &p.input_dilation,
        ]
        .iter()
        .all(|v| v.len() == nd)
        && p.groups > 0
        && x.shape()[nd + 1] == w.shape()[nd + 1] * p.groups
        && w.shape()[0] % p.groups == 0
        && p.stride
            .iter()
            .chain(&p.kernel_dilation)
            .chain(&p.input_dilation)
            .all(|&s| s > 0);
    if !ok {
        return Err(Error::Runtime(format!(
            "[conv] Inconsistent convolution of input {} and weight {} ({p:?}).",
            fmt_shape(x.shape()),
            fmt_shape(w.shape())
        )));
    }
    let dt = promote_types(x.dtype(), w.dtype());
    let (x, w) = (ops::astype(x, dt)?, ops::astype(w, dt)?);
    let shape = p.out_shape(x.shape(), w.shape());
    let s = op_stream("conv")?;
    Ok(Array::from_op(shape, dt, s, p, vec![x, w]))
}

/// A per-dimension parameter: one value for every spatial dimension, or one per dimension.
fn per_dim(v: &[i32], nd: usize) -> Option<Vec<i32>> {
    match v.len() {
        1 => Some(vec![v[0]; nd]),
        n if n == nd => Some(v.to_vec()),
        _ => None,
    }
}

/// MLX's general convolution. Every parameter slice has one entry per spatial dimension
/// (or a single entry used for all of them): `stride`, padding before (`padding_lo`) and
/// after (`padding_hi`) each spatial dimension (negative values crop the input),
/// `kernel_dilation`, `input_dilation` (zeros inserted between input samples), `groups`
/// (input and output channels split into that many independent groups), and `flip`
/// (convolution instead of cross-correlation).
#[allow(clippy::too_many_arguments)]
pub fn conv_general(
    input: &Array,
    weight: &Array,
    stride: &[i32],
    padding_lo: &[i32],
    padding_hi: &[i32],
    kernel_dilation: &[i32],
    input_dilation: &[i32],
    groups: i32,
    flip: bool,
) -> Result<Array> {
    let nd = input.ndim() as i64 - 2;
    if !(1..=3).contains(&nd) {
        bail!(
            "[conv] Only works for inputs with 1-3 spatial dimensions. The inputs must be in \
             the format [N, ..., C_in]"
        );
    }
    let nd = nd as usize;
    if groups != 1 && nd == 3 {
        bail!("[conv] Can only handle groups != 1 in 1D or 2D convolutions.");
    }
    if !input.dtype().is_floating() {
        bail!(
            "[conv] Invalid input array with type {}. Convolution currently only supports \
             floating point types",
            input.dtype()
        );
    }
    if weight.ndim() != input.ndim() {
        bail!(
            "[conv] Invalid weight array with {} dimensions for {nd}D convolution. Expected an \
             array with {} dimensions following the format [C_out, ..., C_in].",
            weight.ndim(),
            input.ndim()
        );
    }
    let dt = promote_types(input.dtype(), weight.dtype());
    if !dt.is_floating() {
        bail!(
            "[conv] Invalid weight array with type {}. Convolution currently only supports \
             floating point types",
            weight.dtype()
        );
    }
    let stride = per_dim(stride, nd).ok_or_else(|| {
        crate::error::invalid!(
            "[conv] Invalid strides {} for {nd}D convolution.",
            fmt_shape(stride)
        )
    })?;
    let (lo, hi) = match (per_dim(padding_lo, nd), per_dim(padding_hi, nd)) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => bail!(
            "[conv] Invalid padding {} | {} for {nd}D convolution.",
            fmt_shape(padding_lo),
            fmt_shape(padding_hi)
        ),
    };
    let kd = per_dim(kernel_dilation, nd).ok_or_else(|| {
        crate::error::invalid!(
            "[conv] Invalid kernel dilation {} for {nd}D convolution.",
            fmt_shape(kernel_dilation)
        )
    })?;
    let id = per_dim(input_dilation, nd).ok_or_else(|| {
        crate::error::invalid!(
            "[conv] Invalid input dilation {} for {nd}D convolution.",
            fmt_shape(input_dilation)
        )
    })?;
    if stride.iter().any(|&s| s <= 0) {
        bail!(
            "[conv] Stride sizes must be positive. Got strides {}.",
            fmt_shape(&stride)
        );
    }
    if kd.iter().any(|&s| s <= 0) {
        bail!(
            "[conv] Kernel dilation sizes must be positive. Got kernel dilation {}.",
            fmt_shape(&kd)
        );
    }
    if id.iter().any(|&s| s <= 0) {
        bail!(
            "[conv] Input dilation sizes must be positive. Got input dilation {}.",
            fmt_shape(&id)
        );
    }
    check_channels(input, weight, groups)?;
    // MLX's negative padding crops the input before it is dilated: a slice.
    let mut start = vec![0; input.ndim()];
    let mut stop = input.shape().to_vec();
    for d in 0..nd {
        start[1 + d] = (-lo[d]).max(0);
        stop[1 + d] = (stop[1 + d] + hi[d].min(0)).max(start[1 + d]);
    }
    let x = ops::slice(input, &start, &stop, &vec![1; input.ndim()])?;
    let lo: Vec<i32> = lo.iter().map(|&p| p.max(0)).collect();
    let hi: Vec<i32> = hi.iter().map(|&p| p.max(0)).collect();
    for d in 0..nd {
        let span = Convolution::dilated(x.shape()[1 + d], id[d]) + lo[d] as i64 + hi[d] as i64;
        if span < Convolution::dilated(weight.shape()[1 + d], kd[d]) {
            bail!(
                "[conv] Spatial dimensions of input after padding cannot be smaller than weight \
                 spatial dimensions. Got error at axis {} for input with shape {}, padding low \
                 {}, padding high {}, and weight of shape {}.",
                d + 1,
                fmt_shape(x.shape()),
                fmt_shape(&lo),
                fmt_shape(&hi),
                fmt_shape(weight.shape())
            );
        }
    }
    let p = Convolution {
        stride,
        pad_lo: lo,
        pad_hi: hi,
        kernel_dilation: kd,
        input_dilation: id,
        groups,
        flip,
    };
    conv_raw(&ops::astype(&x, dt)?, &ops::astype(weight, dt)?, p)
}

/// MLX's channel and group checks (in its order and words).
fn check_channels(input: &Array, weight: &Array, groups: i32) -> Result<()> {
    let (xs, ws) = (input.shape(), weight.shape());
    let (c, o, wc) = (xs[xs.len() - 1], ws[0], ws[ws.len() - 1]);
    if groups <= 0 {
        bail!("[conv] The number of groups must be positive. Got {groups} groups.");
    }
    if c % groups != 0 {
        bail!(
            "[conv] The input channels must be divisible by the number of groups. Got input \
             with shape {} and {groups} groups.",
            fmt_shape(xs)
        );
    }
    if groups > 1 && o % groups != 0 {
        bail!(
            "[conv] If groups > 1, the output channels must be divisible by the number of \
             groups. Got {o} output channels and {groups} groups."
        );
    }
    if c != wc * groups {
        if groups == 1 {
            bail!(
                "[conv] Expect the input channels in the input and weight array to match but \
                 got shapes - input: {} and weight: {}",
                fmt_shape(xs),
                fmt_shape(ws)
            );
        }
        bail!(
            "Given groups={groups} and weights of shape {}, expected to have {} input channels \
             but got {c} input channels instead.",
            fmt_shape(ws),
            wc * groups
        );
    }
    Ok(())
}

/// 1-D convolution (cross-correlation) of `[N, L, C_in]` with `[C_out, K, C_in / groups]`.
pub fn conv1d(
    input: &Array,
    weight: &Array,
    stride: i32,
    padding: i32,
    dilation: i32,
    groups: i32,
) -> Result<Array> {
    conv_general(
        input,
        weight,
        &[stride],
        &[padding],
        &[padding],
        &[dilation],
        &[1],
        groups,
        false,
    )
}

/// 2-D convolution of `[N, H, W, C_in]` with `[C_out, KH, KW, C_in / groups]`.
pub fn conv2d(
    input: &Array,
    weight: &Array,
    stride: (i32, i32),
    padding: (i32, i32),
    dilation: (i32, i32),
    groups: i32,
) -> Result<Array> {
    let pad = [padding.0, padding.1];
    conv_general(
        input,
        weight,
        &[stride.0, stride.1],
        &pad,
        &pad,
        &[dilation.0, dilation.1],
        &[1, 1],
        groups,
        false,
    )
}

/// 3-D convolution of `[N, D, H, W, C_in]` with `[C_out, KD, KH, KW, C_in / groups]`.
pub fn conv3d(
    input: &Array,
    weight: &Array,
    stride: (i32, i32, i32),
    padding: (i32, i32, i32),
    dilation: (i32, i32, i32),
    groups: i32,
) -> Result<Array> {
    let pad = [padding.0, padding.1, padding.2];
    conv_general(
        input,
        weight,
        &[stride.0, stride.1, stride.2],
        &pad,
        &pad,
        &[dilation.0, dilation.1, dilation.2],
        &[1, 1, 1],
        groups,
        false,
    )
}

/// The transposed convolution (MLX's definition): the input dilated by `stride`, padded by
/// `dilation * (K - 1) - padding` (plus `output_padding` behind), convolved with the flipped
/// kernel. Parameter slices have one entry per spatial dimension.
fn conv_transpose_general(
    input: &Array,
    weight: &Array,
    stride: &[i32],
    padding: &[i32],
    dilation: &[i32],
    output_padding: &[i32],
    groups: i32,
) -> Result<Array> {
    let nd = stride.len();
    let ws = weight.shape();
    // A weight of the wrong rank is reported by `conv_general`; any kernel size will do here.
    let k = |d: usize| if ws.len() == nd + 2 { ws[1 + d] } else { 1 };
    let lo: Vec<i32> = (0..nd)
        .map(|d| dilation[d] * (k(d) - 1) - padding[d])
        .collect();
    let hi: Vec<i32> = (0..nd).map(|d| lo[d] + output_padding[d]).collect();
    conv_general(
        input,
        weight,
        &vec![1; nd],
        &lo,
        &hi,
        dilation,
        stride,
        groups,
        true,
    )
}

/// 1-D transposed convolution of `[N, L, C_in]` with `[C_out, K, C_in / groups]`.
pub fn conv_transpose1d(
    input: &Array,
    weight: &Array,
    stride: i32,
    padding: i32,
    dilation: i32,
    output_padding: i32,
    groups: i32,
) -> Result<Array> {
    conv_transpose_general(
        input,
        weight,
        &[stride],
        &[padding],
        &[dilation],
        &[output_padding],
        groups,
    )
}

/// 2-D transposed convolution of `[N, H, W, C_in]` with `[C_out, KH, KW, C_in / groups]`.
pub fn conv_transpose2d(
    input: &Array,
    weight: &Array,
    stride: (i32, i32),
    padding: (i32, i32),
    dilation: (i32, i32),
    output_padding: (i32, i32),
    groups: i32,
) -> Result<Array> {
    conv_transpose_general(
        input,
        weight,
        &[stride.0, stride.1],
        &[padding.0, padding.1],
        &[dilation.0, dilation.1],
        &[output_padding.0, output_padding.1],
        groups,
    )
}

/// 3-D transposed convolution of `[N, D, H, W, C_in]` with `[C_out, KD, KH, KW, C_in / groups]`.
pub fn conv_transpose3d(
    input: &Array,
    weight: &Array,
    stride: (i32, i32, i32),
    padding: (i32, i32, i32),
    dilation: (i32, i32, i32),
    output_padding: (i32, i32, i32),
    groups: i32,
) -> Result<Array> {
    conv_transpose_general(
        input,
        weight,
        &[stride.0, stride.1, stride.2],
        &[padding.0, padding.1, padding.2],
        &[dilation.0, dilation.1, dilation.2],
        &[output_padding.0, output_padding.1, output_padding.2],
        groups,
    )
}

/// NumPy's `convolve` of two 1-D arrays: `mode` is `"full"` (every overlap), `"same"`
/// (the length of the longer input, centred) or `"valid"` (full overlaps only).
pub fn convolve(a: &Array, v: &Array, mode: &str) -> Result<Array> {
    if a.ndim() != 1 || v.ndim() != 1 {
        bail!("[convolve] Inputs must be 1D.");
    }
    if a.size() == 0 || v.size() == 0 {
        bail!("[convolve] Inputs cannot be empty.");
    }
    // The longer array slides over the shorter one's flipped kernel (convolution commutes).
    let (a, v) = if v.size() > a.size() { (v, a) } else { (a, v) };
    let m = v.size() as i32;
    let (lo, hi) = match mode {
        "full" => (m - 1, m - 1),
        "valid" => (0, 0),
        "same" => {
            let tail = (m - 1) / 2;
            (m - 1 - tail, tail)
        }
        _ => bail!("[convolve] Invalid mode."),
    };
    let x = ops::reshape(a, &[1, -1, 1])?;
    let w = ops::reshape(v, &[1, -1, 1])?;
    let out = conv_general(&x, &w, &[1], &[lo], &[hi], &[1], &[1], 1, true)?;
    ops::reshape(&out, &[-1])
}

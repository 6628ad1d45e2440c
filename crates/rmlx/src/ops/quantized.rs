//! Quantization (MLX 0.32.4's packed layouts): `quantize`, `dequantize`,
//! `quantized_matmul`, `gather_qmm`, `to_fp8`, `from_fp8`, `qqmm`, `gather_qqmm`.
//!
//! Modes: `"affine"` (group sizes 32/64/128, 1–6 or 8 bits, a scale and a bias per group in
//! the input dtype) and the microscaling modes `"mxfp4"` (E2M1 codes, E8M0 scales, groups of
//! 32), `"mxfp8"` (E4M3 codes, E8M0 scales, groups of 32) and `"nvfp4"` (E2M1 codes, E4M3
//! scales, groups of 16), whose scales are uint8 and which have no biases. Packed words are
//! uint32 with the first element in the lowest bits; values, scales and biases match MLX bit
//! for bit (see `backend::cpu::quantized`).

use super::op_stream;
use super::quantized_global::{check_global_scale, dequantize_nvfp4_global, quantize_nvfp4_global};
use crate::array::Array;
use crate::backend::cpu::quantized::Mode;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Error, Result};
use crate::primitives::quantized::{ConvertFP8, Dequantize, Quantize};
use crate::primitives::quantized_mm::{GatherQMM, QQMatmul, QSpec, QuantizedMatmul};
use crate::shape::{broadcast_shapes, fmt_shape};

/// The mode named `mode`, or MLX's error for `func`.
fn parse_mode(func: &str, mode: &str) -> Result<Mode> {
    Mode::parse(mode).ok_or_else(|| {
        Error::InvalidArgument(format!("[{func}] Invalid quantization mode '{mode}'."))
    })
}

/// Group size and bits, defaulting to the mode's.
fn params(mode: Mode, group_size: Option<i32>, bits: Option<i32>) -> (i32, i32) {
    (
        group_size.unwrap_or(mode.group_size() as i32),
        bits.unwrap_or(mode.bits() as i32),
    )
}

/// The microscaling modes' fixed group size and bits.
fn check_fp_params(func: &str, mode: Mode, gs: i32, bits: i32) -> Result<()> {
    if gs != mode.group_size() as i32 {
        bail!(
            "[{func}] {} quantization requires group size {} but got {gs}.",
            mode.name(),
            mode.group_size()
        );
    }
    if bits != mode.bits() as i32 {
        bail!(
            "[{func}] {} quantization requires bits to be {} but got {bits}.",
            mode.name(),
            mode.bits()
        );
    }
    Ok(())
}

/// MLX's checks of a `global_scale` for `func` in `mode` (nvfp4 only).
fn check_global(func: &str, mode: Mode, gs: Option<&Array>) -> Result<()> {
    match gs {
        Some(_) if mode != Mode::Nvfp4 => {
            bail!("[{func}] Global scale is only supported for 'nvfp4' quantization mode.")
        }
        Some(g) => check_global_scale(func, g),
        None => Ok(()),
    }
}

/// Quantizes `w` along its last axis in groups of `group_size` elements.
///
/// Returns `[w_q, scales, biases]` for `"affine"` (uint32 words with the last axis
/// `K·bits/32`; scales and biases of `w`'s dtype, `K/group_size` per row) and `[w_q, scales]`
/// (uint8 scales) for the microscaling modes. Defaults: affine 64/4, mxfp4 32/4, mxfp8
/// 32/8, nvfp4 16/4. nvfp4 accepts a float32 `global_scale` (see `quantized_global`).
pub fn quantize(
    w: &Array,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale: Option<&Array>,
) -> Result<Vec<Array>> {
    let mode = parse_mode("quantize", mode)?;
    let (gs, bits) = params(mode, group_size, bits);
    let dt = w.dtype();
    if !dt.is_floating() {
        bail!("[quantize] Only real floating types can be quantized but w has type {dt}.");
    }
    if w.ndim() < 2 {
        bail!(
            "[quantize] The matrix to be quantized must have at least 2 dimension but it has \
             only {}.",
            w.ndim()
        );
    }
    check_global("quantize", mode, global_scale)?;
    let k = w.shape()[w.ndim() - 1];
    if gs <= 0 || k % gs != 0 {
        bail!(
            "[quantize] The last dimension of the matrix needs to be divisible by the \
             quantization group size {gs}. However the provided  matrix has shape {}",
            fmt_shape(w.shape())
        );
    }
    if mode == Mode::Affine {
        if ![32, 64, 128].contains(&gs) {
            bail!(
                "[quantize] The requested group size {gs} is not supported. The supported \
                 group sizes are 32, 64, and 128."
            );
        }
        if !(1..=8).contains(&bits) || bits == 7 {
            bail!(
                "[quantize] The requested number of bits {bits} is not supported. The \
                 supported bits are 1, 2, 3, 4, 5, 6 and 8."
            );
        }
    } else {
        check_fp_params("quantize", mode, gs, bits)?;
        if mode.bits() == 4 && !w.size().is_multiple_of(32) {
            // MLX packs fp4 codes through a reshape to (-1, 4, 8).
            bail!(
                "[reshape] Cannot reshape array of size {} into shape ({},4,8).",
                w.size(),
                w.size() / 32
            );
        }
    }
    let mut wq_shape = w.shape().to_vec();
    *wq_shape.last_mut().unwrap_or(&mut 0) = k * bits / 32;
    let mut s_shape = w.shape().to_vec();
    *s_shape.last_mut().unwrap_or(&mut 0) = k / gs;
    let s = op_stream("quantize")?;
    if let Some(g) = global_scale {
        return quantize_nvfp4_global(w, g);
    }
    let prim = Quantize {
        mode,
        group: gs as usize,
        bits: bits as u32,
    };
    let specs = if mode == Mode::Affine {
        vec![
            (wq_shape, Dtype::Uint32),
            (s_shape.clone(), dt),
            (s_shape, dt),
        ]
    } else {
        vec![(wq_shape, Dtype::Uint32), (s_shape, Dtype::Uint8)]
    };
    Ok(Array::multi_from_op(specs, s, prim, vec![w.clone()]))
}

/// The output dtype of a dequantization and the checked mode (MLX's
/// `validate_mode_with_type`).
fn mode_and_type(
    func: &str,
    mode: &str,
    scales: &Array,
    biases: Option<&Array>,
    out: Option<Dtype>,
) -> Result<(Mode, Dtype)> {
    let m = parse_mode(func, mode)?;
    if let Some(d) = out {
        if !d.is_floating() {
            bail!("[{func}] Only real floating types are supported but output dtype == {d}.");
        }
    }
    if m == Mode::Affine {
        let Some(b) = biases else {
            bail!("[{func}] Biases must be provided for affine quantization.");
        };
        let dt = promote_types(scales.dtype(), b.dtype());
        if !dt.is_floating() {
            bail!(
                "[{func}] Only real floating types are supported but scales.dtype() == {} and \
                 biases.dtype() == {}.",
                scales.dtype(),
                b.dtype()
            );
        }
        return Ok((m, out.unwrap_or(dt)));
    }
    if scales.dtype() != Dtype::Uint8 {
        bail!(
            "[{func}] Scale type must be uint8 but received type {}.",
            scales.dtype()
        );
    }
    if biases.is_some() {
        bail!("[{func}] Biases must be null for quantization mode '{mode}'.");
    }
    Ok((m, out.unwrap_or(Dtype::Bfloat16)))
}

/// Dequantizes `w` (uint32 words from [`quantize`]) with its `scales` (and `biases` for
/// affine). The output dtype is `dtype`, else the scales' (and biases') dtype for affine and
/// bfloat16 for the microscaling modes.
#[allow(clippy::too_many_arguments)]
pub fn dequantize(
    w: &Array,
    scales: &Array,
    biases: Option<&Array>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale: Option<&Array>,
    dtype: Option<Dtype>,
) -> Result<Array> {
    let (m, out_dt) = mode_and_type("dequantize", mode, scales, biases, dtype)?;
    let (gs, bits) = params(m, group_size, bits);
    check_global("dequantize", m, global_scale)?;
    if bits <= 0 {
        bail!("[dequantize] Invalid value for bits: {bits}");
    }
    if gs <= 0 {
        bail!("[dequantize] Invalid value for group_size: {gs}");
    }
    if w.dtype() != Dtype::Uint32 {
        bail!("[dequantize] The matrix should be given as a uint32");
    }
    if w.ndim() < 2 {
        bail!(
            "[dequantize] The matrix to be dequantized must have at least 2 dimension but it \
             has only {}.",
            w.ndim()
        );
    }
    let nd = w.ndim();
    let same_lead = |a: &Array| a.ndim() == nd && a.shape()[..nd - 1] == w.shape()[..nd - 1];
    let cols = w.shape()[nd - 1];
    let out_size = cols as i64 * 32 / bits as i64;
    let groups = scales.shape().last().copied().unwrap_or(0) as i64;
    let mut prim_inputs = vec![w.clone()];
    if m == Mode::Affine {
        let b = biases.unwrap_or(scales);
        if !same_lead(scales) || !same_lead(b) || scales.shape() != b.shape() {
            bail!("[dequantize] Shape of scales and biases does not match the matrix");
        }
        if out_size != groups * gs as i64 || (cols as i64 * 32) % bits as i64 != 0 {
            bail!(
                "[dequantize] Shape of scales and biases does not match the matrix given the \
                 quantization parameters. Provided matrix of shape {} and scales/biases of \
                 shape {} with group_size={gs} and bits={bits}.",
                fmt_shape(w.shape()),
                fmt_shape(scales.shape())
            );
        }
        if ![1, 2, 3, 4, 5, 6, 8].contains(&bits) || ![16, 32, 64, 128].contains(&gs) {
            bail!(
                "[dequantize] Unsupported quantization parameters group_size={gs} and bits={bits}."
            );
        }
        let sdt = promote_types(scales.dtype(), b.dtype());
        prim_inputs.push(super::astype(scales, sdt)?);
        prim_inputs.push(super::astype(b, sdt)?);
    } else {
        check_fp_params("dequantize", m, gs, bits)?;
        if !same_lead(scales) {
            bail!("[dequantize] Shape of scales does not match the matrix");
        }
        if out_size != groups * gs as i64 {
            bail!(
                "[dequantize] Shape of scales does not match the matrix given the quantization \
                 parameters. Provided matrix of shape {} and scales of shape {}.",
                fmt_shape(w.shape()),
                fmt_shape(scales.shape())
            );
        }
        prim_inputs.push(scales.clone());
    }
    if let Some(g) = global_scale {
        op_stream("dequantize")?;
        return dequantize_nvfp4_global(w, scales, g, out_dt);
    }
    let mut out_shape = w.shape().to_vec();
    out_shape[nd - 1] = out_size as i32;
    let s = op_stream("dequantize")?;
    let prim = Dequantize {
        mode: m,
        group: gs as usize,
        bits: bits as u32,
    };
    Ok(Array::from_op(out_shape, out_dt, s, prim, prim_inputs))
}

/// The checked (inner, outer) sizes of the expanded quantized matrix for a product with `x`
/// (MLX's `extract_quantized_matmul_dims`).
#[allow(clippy::too_many_arguments)]
fn quantized_dims(
    func: &str,
    x: &Array,
    w: &Array,
    scales: &Array,
    biases: Option<&Array>,
    transpose: bool,
    gs: i32,
    bits: i32,
) -> Result<(i32, i32)> {
    if w.dtype() != Dtype::Uint32 {
        bail!(
            "[{func}] The weight matrix should be uint32 but received {}",
            w.dtype()
        );
    }
    if let Some(b) = biases {
        if scales.shape() != b.shape() {
            bail!(
                "[{func}] Scales and biases should have the same shape. Received scales with \
                 shape {} and biases with {}",
                fmt_shape(scales.shape()),
                fmt_shape(b.shape())
            );
        }
    }
    let (wn, sn) = (w.ndim(), scales.ndim());
    if wn < 2 || sn < 2 || w.shape()[..wn - 2] != scales.shape()[..sn - 2] || wn != sn {
        bail!(
            "[{func}] Weight and scales should have the same batch shape. Received weight with \
             shape {}, scales with {}.",
            fmt_shape(w.shape()),
            fmt_shape(scales.shape())
        );
    }
    let (rows, cols) = (w.shape()[wn - 2], w.shape()[wn - 1]);
    let groups = scales.shape()[sn - 1];
    if gs <= 0 || bits <= 0 || (cols as i64 * 32) != groups as i64 * gs as i64 * bits as i64 {
        bail!(
            "[{func}] The shapes of the weight and scales are incompatible based on bits and \
             group_size. w.shape() == {} and scales.shape() == {} with group_size={gs} and \
             bits={bits}",
            fmt_shape(w.shape()),
            fmt_shape(scales.shape())
        );
    }
    // rmlx reads one scale per group of every row: the row counts must agree (MLX reads
    // past a shorter scales array).
    if scales.shape()[sn - 2] != rows {
        bail!(
            "[{func}] The weight matrix with shape {} and scales with shape {} have different \
             numbers of rows.",
            fmt_shape(w.shape()),
            fmt_shape(scales.shape())
        );
    }
    let k = x.shape().last().copied().unwrap_or(0);
    let w_inner = if transpose { cols * 32 / bits } else { rows };
    let w_outer = if transpose { rows } else { cols * 32 / bits };
    if k != w_inner {
        let (a, b) = (w_inner, w_outer);
        bail!(
            "[{func}] Last dimension of first input with shape (..., {k}) does not match the \
             expanded quantized matrix ({a}, {b}) computed from shape {} with group_size={gs}, \
             bits={bits} and transpose={transpose}",
            fmt_shape(w.shape())
        );
    }
    Ok((w_inner, w_outer))
}

/// The quantization parameters every product kernel supports.
fn check_kernel_params(mode: Mode, gs: i32, bits: i32) -> Result<()> {
    if mode == Mode::Affine {
        if ![32, 64, 128].contains(&gs) {
            return Err(Error::Runtime(
                "Quantization group size must be 32, 64 or 128.".into(),
            ));
        }
        if ![1, 2, 3, 4, 5, 6, 8].contains(&bits) {
            return Err(Error::Runtime(
                "Quantization bits must be 2, 3, 4, 6 or 8.".into(),
            ));
        }
    } else if gs != mode.group_size() as i32 || bits != mode.bits() as i32 {
        return Err(Error::Runtime(format!(
            "[quantized_matmul] {} requires group size {} and {} bits.",
            mode.name(),
            mode.group_size(),
            mode.bits()
        )));
    }
    Ok(())
}

/// The output dtype of a quantized product with `x`.
fn product_dtype(func: &str, m: Mode, x: &Array, scale_dt: Dtype) -> Result<Dtype> {
    let dt = if m == Mode::Affine {
        promote_types(x.dtype(), scale_dt)
    } else {
        x.dtype()
    };
    if !dt.is_floating() {
        bail!(
            "[{func}] Only real floating types are supported but x.dtype() == {}.",
            x.dtype()
        );
    }
    Ok(dt)
}

/// `x @ wᵀ` (`transpose`, the default in MLX) or `x @ w` with the quantized matrix `w`.
///
/// The output dtype is `promote(x, scales, biases)` for affine and `x`'s for the
/// microscaling modes. With a 2-D `w`, `x` may have any leading dimensions; batched `w`
/// broadcasts its batch with `x`'s when `x` has rank > 2.
#[allow(clippy::too_many_arguments)]
pub fn quantized_matmul(
    x: &Array,
    w: &Array,
    scales: &Array,
    biases: Option<&Array>,
    transpose: bool,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
) -> Result<Array> {
    let func = "quantized_matmul";
    let (m, sdt) = mode_and_type(func, mode, scales, biases, None)?;
    let (gs, bits) = params(m, group_size, bits);
    if x.ndim() == 0 {
        return Err(Error::Index(format!(
            "[{func}] The input must have at least one dimension."
        )));
    }
    let (_, n) = quantized_dims(func, x, w, scales, biases, transpose, gs, bits)?;
    let dt = product_dtype(func, m, x, sdt)?;
    check_kernel_params(m, gs, bits)?;
    let mut inputs = vec![super::astype(x, dt)?, w.clone()];
    if m == Mode::Affine {
        inputs.push(super::astype(scales, dt)?);
        inputs.push(super::astype(biases.unwrap_or(scales), dt)?);
    } else {
        inputs.push(scales.clone());
    }
    let out_shape = product_shape(x.shape(), w.shape(), n)?;
    let s = op_stream(func)?;
    let spec = QSpec {
        mode: m,
        group: gs as usize,
        bits: bits as u32,
        transpose,
    };
    Ok(Array::from_op(
        out_shape,
        dt,
        s,
        QuantizedMatmul { spec },
        inputs,
    ))
}

/// The output shape of a `quantized_matmul` of these shapes with `n` output columns.
fn product_shape(xs: &[i32], ws: &[i32], n: i32) -> Result<Vec<i32>> {
    let mut out = if xs.len() > 2 && ws.len() > 2 {
        let b = broadcast_shapes(&xs[..xs.len() - 2], &ws[..ws.len() - 2])?;
        let mut o = b;
        o.push(xs[xs.len() - 2]);
        o.push(0);
        o
    } else {
        xs.to_vec()
    };
    let last = out.len() - 1;
    out[last] = n;
    Ok(out)
}

/// `arange` over the batch of `a` (all but its last two axes), as MLX's default indices.
fn default_indices(a: &Array) -> Result<Array> {
    let batch = &a.shape()[..a.ndim() - 2];
    let count: i32 = batch.iter().product();
    super::reshape(&super::arange(0.0, count as f64, 1.0, Dtype::Int64)?, batch)
}

/// [`quantized_matmul`] of matrices of `x` and `w` selected by `lhs_indices` and
/// `rhs_indices` (flat indices into their batches; missing ones default to every matrix in
/// order). The indices broadcast together; the output is `indices.shape + [M, N]`.
/// Out-of-range indices are clamped. `sorted_indices` is a hint (accepted, unused).
#[allow(clippy::too_many_arguments)]
pub fn gather_qmm(
    x: &Array,
    w: &Array,
    scales: &Array,
    biases: Option<&Array>,
    lhs_indices: Option<&Array>,
    rhs_indices: Option<&Array>,
    transpose: bool,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale: Option<&Array>,
    sorted_indices: bool,
) -> Result<Array> {
    let _ = sorted_indices;
    let func = "gather_qmm";
    if lhs_indices.is_none() && rhs_indices.is_none() {
        if global_scale.is_some() {
            bail!("[{func}] Global scale is not supported without indices.");
        }
        return quantized_matmul(x, w, scales, biases, transpose, group_size, bits, mode);
    }
    let (m, sdt) = mode_and_type(func, mode, scales, biases, None)?;
    let (gs, bits) = params(m, group_size, bits);
    if let Some(g) = global_scale {
        // MLX checks the scale, then refuses it off the GPU.
        if m != Mode::Nvfp4 {
            bail!("[{func}] Global scale is only supported for 'nvfp4' quantization mode.");
        }
        if g.dtype() != Dtype::Float32 {
            bail!(
                "[{func}] Global scale must have dtype float32 but got {}.",
                g.dtype()
            );
        }
        let experts = &w.shape()[..w.ndim().saturating_sub(2)];
        if g.shape() != experts {
            bail!(
                "[{func}] Global scale must have one entry per expert with shape {} but got {}.",
                fmt_shape(experts),
                fmt_shape(g.shape())
            );
        }
        bail!("[{func}] Global scale is only supported on the GPU.");
    }
    if x.ndim() < 2 {
        bail!(
            "[{func}] Input must have at least two dimensions but got input with shape {}.",
            fmt_shape(x.shape())
        );
    }
    let (_, n) = quantized_dims(func, x, w, scales, biases, transpose, gs, bits)?;
    let dt = product_dtype(func, m, x, sdt)?;
    for idx in [lhs_indices, rhs_indices].into_iter().flatten() {
        if !idx.dtype().is_integer() {
            bail!("[{func}] Got indices with invalid dtype. Indices must be integral.");
        }
    }
    check_kernel_params(m, gs, bits)?;
    let lhs = match lhs_indices {
        Some(i) => i.clone(),
        None => default_indices(x)?,
    };
    let rhs = match rhs_indices {
        Some(i) => i.clone(),
        None => default_indices(w)?,
    };
    let bshape = broadcast_shapes(lhs.shape(), rhs.shape())?;
    let lhs = super::broadcast_to(&super::astype(&lhs, Dtype::Int64)?, &bshape)?;
    let rhs = super::broadcast_to(&super::astype(&rhs, Dtype::Int64)?, &bshape)?;
    let mut inputs = vec![super::astype(x, dt)?, w.clone()];
    if m == Mode::Affine {
        inputs.push(super::astype(scales, dt)?);
        inputs.push(super::astype(biases.unwrap_or(scales), dt)?);
    } else {
        inputs.push(scales.clone());
    }
    inputs.push(lhs);
    inputs.push(rhs);
    let mut out_shape = bshape;
    out_shape.push(x.shape()[x.ndim() - 2]);
    out_shape.push(n);
    let s = op_stream(func)?;
    let spec = QSpec {
        mode: m,
        group: gs as usize,
        bits: bits as u32,
        transpose,
    };
    Ok(Array::from_op(out_shape, dt, s, GatherQMM { spec }, inputs))
}

/// `x` (float16, bfloat16, float32, float64) as E4M3 bytes (uint8), saturating at ±448.
pub fn to_fp8(x: &Array) -> Result<Array> {
    if !x.dtype().is_floating() {
        bail!(
            "[to_fp8] Only real floating types are supported but x.dtype() == {}.",
            x.dtype()
        );
    }
    let s = op_stream("to_fp8")?;
    Ok(Array::from_op(
        x.shape().to_vec(),
        Dtype::Uint8,
        s,
        ConvertFP8 { to_fp8: true },
        vec![x.clone()],
    ))
}

/// E4M3 bytes (uint8) as `dtype` (MLX's default: bfloat16).
pub fn from_fp8(x: &Array, dtype: Dtype) -> Result<Array> {
    if x.dtype() != Dtype::Uint8 {
        bail!(
            "[from_fp8] Input must have type uint8 but x.dtype() == {}.",
            x.dtype()
        );
    }
    if !dtype.is_floating() {
        bail!("[from_fp8] Only real floating types are supported but dtype == {dtype}.");
    }
    let s = op_stream("from_fp8")?;
    Ok(Array::from_op(
        x.shape().to_vec(),
        dtype,
        s,
        ConvertFP8 { to_fp8: false },
        vec![x.clone()],
    ))
}

/// Quantized-times-quantized product (`x` quantized on the fly). Validation follows MLX;
/// like MLX's CPU build, evaluation supports only a pre-quantized `w` with a single row of
/// `x` and fails with MLX's error ("NYI for the general case") otherwise. In affine mode
/// MLX's CPU kernel reads the affine data as microscaling data; see `quantized_qq_affine`.
#[allow(clippy::too_many_arguments)]
pub fn qqmm(
    x: &Array,
    w: &Array,
    scales: Option<&Array>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale_x: Option<&Array>,
    global_scale_w: Option<&Array>,
) -> Result<Array> {
    let func = "qqmm";
    let m = parse_mode(func, mode)?;
    let (gs, bits) = params(m, group_size, bits);
    check_qq_global(func, m, global_scale_x, global_scale_w)?;
    let float_ok = |d: Dtype| d.is_floating() && d != Dtype::Float64;
    let n = if w.dtype() == Dtype::Uint32 {
        let Some(sc) = scales else {
            bail!("[{func}] Scales must be provided if second argument is quantized.");
        };
        if !float_ok(x.dtype()) {
            bail!(
                "[{func}] Only real floating types except float64 are supported but first \
                 argument dtype == {}.",
                x.dtype()
            );
        }
        quantized_dims(func, x, w, sc, None, true, gs, bits)?.1
    } else {
        if !float_ok(w.dtype()) {
            bail!(
                "[{func}] Only real floating types except float64 are supported but second \
                 argument dtype == {}.",
                w.dtype()
            );
        }
        if !float_ok(x.dtype()) {
            bail!(
                "[{func}] Only real floating types except float64 are supported but first \
                 argument dtype == {}.",
                x.dtype()
            );
        }
        if x.shape().last() != w.shape().last() {
            bail!(
                "[{func}] Last dimension of first input with shape {} must match last \
                 dimension of second input with shape {}.",
                fmt_shape(x.shape()),
                fmt_shape(w.shape())
            );
        }
        w.shape()[0]
    };
    let mut out_shape = x.shape().to_vec();
    if let Some(l) = out_shape.last_mut() {
        *l = n;
    }
    let s = op_stream(func)?;
    let spec = QSpec {
        mode: m,
        group: gs as usize,
        bits: bits as u32,
        transpose: true,
    };
    let nyi = |shape: Vec<i32>| {
        Array::failed(
            shape,
            x.dtype(),
            Error::Runtime("[QQMatmul] NYI for the general case".into()),
        )
    };
    // MLX evaluates one row of `x` in all only (checked first, at evaluation).
    let one_row = crate::primitives::quantized_mm::single_row(x.shape());
    let x_quant = (gs as usize, bits as u32);
    let (spec, inputs) = match scales {
        Some(sc) if w.dtype() == Dtype::Uint32 && m == Mode::Affine && one_row => {
            let k = x.shape().last().copied().unwrap_or(0);
            match super::quantized_qq_affine::reinterpret(w, sc, n, k, gs, bits) {
                Ok((spec, words, sbytes)) => (spec, vec![x.clone(), words, sbytes]),
                Err(e) => return Ok(Array::failed(out_shape, x.dtype(), e)),
            }
        }
        Some(sc)
            if w.dtype() == Dtype::Uint32
                && m != Mode::Affine
                && check_kernel_params(m, gs, bits).is_ok()
                && sc.dtype() == Dtype::Uint8 =>
        {
            (spec, vec![x.clone(), w.clone(), sc.clone()])
        }
        _ => return Ok(nyi(out_shape)),
    };
    Ok(Array::from_op(
        out_shape,
        x.dtype(),
        s,
        QQMatmul { spec, x_quant },
        inputs,
    ))
}

/// [`qqmm`] with a gather over the batches: MLX's CPU build evaluates no case of it; after
/// MLX's argument checks the result fails with MLX's error ("[GatherQQMM] NYI").
#[allow(clippy::too_many_arguments)]
pub fn gather_qqmm(
    x: &Array,
    w: &Array,
    scales: Option<&Array>,
    lhs_indices: Option<&Array>,
    rhs_indices: Option<&Array>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale_x: Option<&Array>,
    global_scale_w: Option<&Array>,
    sorted_indices: bool,
) -> Result<Array> {
    let _ = (scales, sorted_indices, global_scale_x, global_scale_w);
    let func = "gather_qqmm";
    let m = parse_mode(func, mode)?;
    let _ = params(m, group_size, bits);
    for idx in [lhs_indices, rhs_indices].into_iter().flatten() {
        if !idx.dtype().is_integer() {
            bail!("[{func}] Got indices with invalid dtype. Indices must be integral.");
        }
    }
    let batch = match (lhs_indices, rhs_indices) {
        (Some(l), Some(r)) => broadcast_shapes(l.shape(), r.shape())?,
        (Some(i), None) | (None, Some(i)) => i.shape().to_vec(),
        (None, None) => x.shape()[..x.ndim().saturating_sub(2)].to_vec(),
    };
    let rows = if x.ndim() >= 2 {
        x.shape()[x.ndim() - 2]
    } else {
        1
    };
    let n = if w.ndim() >= 2 {
        w.shape()[w.ndim() - 2]
    } else {
        1
    };
    let mut out_shape = batch;
    out_shape.push(rows);
    out_shape.push(n);
    op_stream(func)?;
    Ok(Array::failed(
        out_shape,
        x.dtype(),
        Error::Runtime("[GatherQQMM] NYI".into()),
    ))
}

/// MLX's checks of `qqmm`'s global scales: nvfp4 only, both or neither, each a float32
/// scalar. (MLX's CPU evaluation then ignores them.)
fn check_qq_global(func: &str, m: Mode, gx: Option<&Array>, gw: Option<&Array>) -> Result<()> {
    if gx.is_none() && gw.is_none() {
        return Ok(());
    }
    if m != Mode::Nvfp4 {
        bail!("[{func}] Global scale is only supported for 'nvfp4' quantization mode.");
    }
    let (Some(x), Some(w)) = (gx, gw) else {
        bail!(
            "[{func}] For nvfp4 mode, either both global_scale_x and global_scale_w must be \
             provided, or neither."
        );
    };
    check_global_scale(func, x)?;
    check_global_scale(func, w)
}

//! Matrix products fused with a step around them, each one primitive whose CPU kernel calls
//! `gemm` per product: `addmm` (scaled accumulation into `c`), `gather_mm` (products of
//! batch matrices picked by indices), `segmented_mm` (products over segments of the inner
//! dimension) and `block_masked_mm` (products with tiles masked out).

use super::op_stream;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Result};
use crate::primitives::addmm::AddMM;
use crate::primitives::block_masked_mm::{BlockMaskedMM, MaskKind};
use crate::primitives::gather_mm::GatherMM;
use crate::primitives::segmented_mm::SegmentedMM;
use crate::shape::{broadcast_shapes, fmt_shape, size_of, Shape};

/// The shapes of a product `a @ b` under `matmul`'s rules (vectors expanded to one row or
/// one column), checked with `func`'s messages.
struct MmShapes {
    a_vec: bool,
    b_vec: bool,
    /// `a`'s shape with a vector as `[1, K]`, `b`'s with a vector as `[K, 1]`.
    a2: Shape,
    b2: Shape,
}

impl MmShapes {
    fn new(func: &str, a: &Array, b: &Array) -> Result<MmShapes> {
        if a.ndim() == 0 || b.ndim() == 0 {
            bail!("[{func}] Got 0 dimension input. Inputs must have at least one dimension.");
        }
        let (a_vec, b_vec) = (a.ndim() == 1, b.ndim() == 1);
        let a2: Shape = if a_vec {
            vec![1, a.shape()[0]]
        } else {
            a.shape().to_vec()
        };
        let b2: Shape = if b_vec {
            vec![b.shape()[0], 1]
        } else {
            b.shape().to_vec()
        };
        Ok(MmShapes {
            a_vec,
            b_vec,
            a2,
            b2,
        })
    }

    /// Checks that the inner dimensions agree.
    fn check_inner(&self, func: &str) -> Result<()> {
        let (na, nb) = (self.a2.len(), self.b2.len());
        if self.a2[na - 1] != self.b2[nb - 2] {
            bail!(
                "[{func}] Last dimension of first input with shape {} must match second to \
                 last dimension of second input with shape {}.",
                fmt_shape(&self.a2),
                fmt_shape(&self.b2)
            );
        }
        Ok(())
    }

    fn m(&self) -> i32 {
        self.a2[self.a2.len() - 2]
    }
    fn k(&self) -> i32 {
        self.a2[self.a2.len() - 1]
    }
    fn n(&self) -> i32 {
        self.b2[self.b2.len() - 1]
    }
    fn a_batch(&self) -> &[i32] {
        &self.a2[..self.a2.len() - 2]
    }
    fn b_batch(&self) -> &[i32] {
        &self.b2[..self.b2.len() - 2]
    }

    /// `batch` followed by the output's matrix dimensions (vector dimensions left out).
    fn out_shape(&self, batch: &[i32]) -> Shape {
        let mut out = batch.to_vec();
        if !self.a_vec {
            out.push(self.m());
        }
        if !self.b_vec {
            out.push(self.n());
        }
        out
    }

    /// `a` and `b` of dtype `dt` broadcast to `batch` (vectors stay vectors).
    fn operands(&self, a: &Array, b: &Array, dt: Dtype, batch: &[i32]) -> Result<(Array, Array)> {
        let with = |tail: &[i32]| -> Shape { batch.iter().chain(tail).copied().collect() };
        let (na, nb) = (self.a2.len(), self.b2.len());
        let at = if self.a_vec {
            with(&self.a2[1..])
        } else {
            with(&self.a2[na - 2..])
        };
        let bt = if self.b_vec {
            with(&self.b2[..1])
        } else {
            with(&self.b2[nb - 2..])
        };
        Ok((
            super::broadcast_to(&super::astype(a, dt)?, &at)?,
            super::broadcast_to(&super::astype(b, dt)?, &bt)?,
        ))
    }
}

/// The result dtype of `inputs`, which must be a real floating type (MLX's rule for the
/// gathered, segmented and masked products).
fn real_floating(func: &str, inputs: &[&Array]) -> Result<Dtype> {
    let dt = inputs
        .iter()
        .map(|a| a.dtype())
        .reduce(promote_types)
        .unwrap_or(Dtype::Float32);
    if !dt.is_floating() {
        bail!(
            "[{func}] Only real floating point types are supported but {} were provided which \
             results in {dt}, which is not a real floating point type.",
            dtype_list(inputs)
        );
    }
    Ok(dt)
}

/// "x and y" / "x, y and z", as in MLX's messages.
fn dtype_list(inputs: &[&Array]) -> String {
    let names: Vec<String> = inputs.iter().map(|a| a.dtype().to_string()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// `alpha * (a @ b) + beta * c`, in one GEMM pass (MLX's `AddMM`). `a` and `b` follow
/// `matmul`'s shape rules; `c` must broadcast to the product's shape. The result dtype
/// promotes all three and must be inexact (floats or complex64). `beta == 0` ignores `c`'s
/// values and `alpha == 0` the product's (no NaN from either leaks in), as in MLX.
pub fn addmm(c: &Array, a: &Array, b: &Array, alpha: f64, beta: f64) -> Result<Array> {
    let sh = MmShapes::new("addmm", a, b)?;
    let dt = promote_types(promote_types(a.dtype(), b.dtype()), c.dtype());
    if !dt.is_inexact() {
        bail!(
            "[addmm] Only real floating point types are supported but {} were provided which \
             results in {dt}, which is not a real floating point type.",
            dtype_list(&[a, b, c])
        );
    }
    sh.check_inner("addmm")?;
    let batch = broadcast_shapes(sh.a_batch(), sh.b_batch())?;
    let out_shape = sh.out_shape(&batch);
    if broadcast_shapes(c.shape(), &out_shape)? != out_shape {
        bail!("[addmm] input c must broadcast to the output shape");
    }
    let (a, b) = sh.operands(a, b, dt, &batch)?;
    let c = super::broadcast_to(&super::astype(c, dt)?, &out_shape)?;
    let s = op_stream("addmm")?;
    Ok(Array::from_op(
        out_shape,
        dt,
        s,
        AddMM {
            a_vec: sh.a_vec,
            b_vec: sh.b_vec,
            alpha,
            beta,
        },
        vec![c, a, b],
    ))
}

/// The default gather index of an operand: every matrix of its batch, in batch shape.
fn all_matrices(batch: &[i32]) -> Result<Array> {
    let count = size_of(batch) as i64;
    super::reshape(&super::arange_of::<i64>(0, count, 1)?, batch)
}

/// Integer index arrays only (not bool).
fn check_indices(func: &str, what: &str, idx: &Array) -> Result<()> {
    if !idx.dtype().is_integer() {
        bail!(
            "[{func}] Got {what} with invalid dtype. {} must be integral.",
            capitalise(what)
        );
    }
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Products of matrices gathered from the batches of `a` and `b` (MLX's `GatherMM`).
///
/// `lhs_indices` holds flat indices into `a`'s batch (all but the last two dimensions),
/// `rhs_indices` into `b`'s; a missing one means every matrix, in batch shape. The output is
/// `broadcast(lhs_indices.shape, rhs_indices.shape) + [M, N]` (vector dimensions left out).
/// Without any indices this is `matmul`. Index values out of range are **clamped** into
/// the batch (`-1` reads matrix 0, `100` the last one): rmlx never reads outside a buffer,
/// where MLX reads stray memory. `sorted_indices` is a hint with no effect on results.
pub fn gather_mm(
    a: &Array,
    b: &Array,
    lhs_indices: Option<&Array>,
    rhs_indices: Option<&Array>,
    _sorted_indices: bool,
) -> Result<Array> {
    if lhs_indices.is_none() && rhs_indices.is_none() {
        return super::matmul(a, b);
    }
    let sh = MmShapes::new("gather_mm", a, b)?;
    let dt = real_floating("gather_mm", &[a, b])?;
    sh.check_inner("gather_mm")?;
    for idx in [lhs_indices, rhs_indices].into_iter().flatten() {
        check_indices("gather_mm", "indices", idx)?;
    }
    let lhs = match lhs_indices {
        Some(i) => i.clone(),
        None => all_matrices(sh.a_batch())?,
    };
    let rhs = match rhs_indices {
        Some(i) => i.clone(),
        None => all_matrices(sh.b_batch())?,
    };
    let batch = broadcast_shapes(lhs.shape(), rhs.shape())?;
    let index = |i: &Array| super::broadcast_to(&super::astype(i, Dtype::Int64)?, &batch);
    let (lhs, rhs) = (index(&lhs)?, index(&rhs)?);
    let out_shape = sh.out_shape(&batch);
    let s = op_stream("gather_mm")?;
    Ok(Array::from_op(
        out_shape,
        dt,
        s,
        GatherMM {
            a_vec: sh.a_vec,
            b_vec: sh.b_vec,
        },
        vec![super::astype(a, dt)?, super::astype(b, dt)?, lhs, rhs],
    ))
}

/// One product per segment of the inner dimension (MLX's `SegmentedMM`): `a` is `M × K`,
/// `b` is `K × N`, `segments` has shape `S + [2]` with `[start, end)` pairs; the output is
/// `S + [M, N]`. Segment bounds are clamped into `[0, K]`; an empty or reversed segment
/// gives zeros. Unlike MLX (which reads past `b`), `a` and `b` must agree on `K`.
pub fn segmented_mm(a: &Array, b: &Array, segments: &Array) -> Result<Array> {
    if a.ndim() != 2 || b.ndim() != 2 {
        bail!("[segmented_mm] Batched matmul not supported");
    }
    let ss = segments.shape();
    if ss.last() != Some(&2) {
        bail!(
            "[segmented_mm] The segments should have shape (..., 2) but {} was provided.",
            fmt_shape(ss)
        );
    }
    let dt = real_floating("segmented_mm", &[a, b])?;
    check_indices("segmented_mm", "segments", segments)?;
    let sh = MmShapes::new("segmented_mm", a, b)?;
    sh.check_inner("segmented_mm")?;
    let mut out_shape = ss[..ss.len() - 1].to_vec();
    out_shape.extend([sh.m(), sh.n()]);
    let s = op_stream("segmented_mm")?;
    Ok(Array::from_op(
        out_shape,
        dt,
        s,
        SegmentedMM,
        vec![
            super::astype(a, dt)?,
            super::astype(b, dt)?,
            super::astype(segments, Dtype::Int64)?,
        ],
    ))
}

/// A mask of `block_masked_mm` broadcast to `expected`: bool masks stay bool (keep/drop),
/// others become float64 scales.
fn mask_operand(mask: &Array, expected: &[i32]) -> Result<(Array, MaskKind)> {
    if broadcast_shapes(mask.shape(), expected)? != expected {
        bail!(
            "[block_masked_mm] Cannot broadcast mask of shape {} into shape {}.",
            fmt_shape(mask.shape()),
            fmt_shape(expected)
        );
    }
    let (m, kind) = if mask.dtype() == Dtype::Bool {
        (mask.clone(), MaskKind::Keep)
    } else {
        (super::astype(mask, Dtype::Float64)?, MaskKind::Scale)
    };
    Ok((super::broadcast_to(&m, expected)?, kind))
}

/// A matrix product with `block_size × block_size` tiles masked (MLX's `BlockMaskedMM`).
///
/// For `a` of shape `(..., M, K)` and `b` of `(..., K, N)`, `mask_lhs` has shape
/// `(..., ceil(M/bs), ceil(K/bs))`, `mask_rhs` `(..., ceil(K/bs), ceil(N/bs))` and
/// `mask_out` `(..., ceil(M/bs), ceil(N/bs))` (each broadcast to that). A bool mask keeps or
/// drops tiles (a dropped tile is never read); any other dtype scales them. For a vector
/// operand the masks leave out its missing dimension. `block_size` must be 32 or 64 when a
/// mask is given; without masks this is `matmul`.
pub fn block_masked_mm(
    a: &Array,
    b: &Array,
    block_size: i32,
    mask_out: Option<&Array>,
    mask_lhs: Option<&Array>,
    mask_rhs: Option<&Array>,
) -> Result<Array> {
    if mask_out.is_none() && mask_lhs.is_none() && mask_rhs.is_none() {
        return super::matmul(a, b);
    }
    if block_size != 32 && block_size != 64 {
        bail!(
            "[block_masked_mm] Only block_sizes 32, 64 are supported.Got block size {block_size}."
        );
    }
    let sh = MmShapes::new("block_masked_mm", a, b)?;
    let dt = real_floating("block_masked_mm", &[a, b])?;
    sh.check_inner("block_masked_mm")?;
    let batch = broadcast_shapes(sh.a_batch(), sh.b_batch())?;
    // Work on matrices: vectors get their missing dimension (and so do their masks).
    let (a2, b2) = sh.operands(a, b, dt, &batch)?;
    let a2 = if sh.a_vec {
        super::expand_dims(&a2, &[-2])?
    } else {
        a2
    };
    let b2 = if sh.b_vec {
        super::expand_dims(&b2, &[-1])?
    } else {
        b2
    };
    let tiles = |d: i32| (d + block_size - 1) / block_size;
    let (tm, tk, tn) = (tiles(sh.m()), tiles(sh.k()), tiles(sh.n()));
    let expect = |r: i32, c: i32| -> Shape { batch.iter().copied().chain([r, c]).collect() };
    let expand = |m: &Array, row: bool, col: bool| -> Result<Array> {
        let m = if row {
            super::expand_dims(m, &[-2])?
        } else {
            m.clone()
        };
        if col {
            super::expand_dims(&m, &[-1])
        } else {
            Ok(m)
        }
    };
    let mut inputs = vec![a2, b2];
    let mut kinds = [None; 3];
    let specs = [
        (mask_out, sh.a_vec, sh.b_vec, expect(tm, tn)),
        (mask_lhs, sh.a_vec, false, expect(tm, tk)),
        (mask_rhs, false, sh.b_vec, expect(tk, tn)),
    ];
    for (slot, (mask, row, col, expected)) in specs.into_iter().enumerate() {
        if let Some(m) = mask {
            let (m, kind) = mask_operand(&expand(m, row, col)?, &expected)?;
            inputs.push(m);
            kinds[slot] = Some(kind);
        }
    }
    let mut full = batch.clone();
    full.extend([sh.m(), sh.n()]);
    let s = op_stream("block_masked_mm")?;
    let out = Array::from_op(
        full,
        dt,
        s,
        BlockMaskedMM {
            block: block_size as usize,
            mask_out: kinds[0],
            mask_lhs: kinds[1],
            mask_rhs: kinds[2],
        },
        inputs,
    );
    let out_shape = sh.out_shape(&batch);
    if out_shape.as_slice() == out.shape() {
        Ok(out)
    } else {
        super::reshape(&out, &out_shape)
    }
}

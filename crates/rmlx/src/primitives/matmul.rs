//! `Matmul`: batched matrix products through the `gemm` crate.
//!
//! The op layer casts both inputs to the output dtype and broadcasts their batch dimensions,
//! so input `a` has shape `batch + [M, K]` (or `batch + [K]` for a vector) and `b` has
//! `batch + [K, N]` (or `batch + [K]`); in a shapeless compile trace it leaves the batch
//! dimensions as they are, and the kernel broadcasts them (so a replay with other batch
//! sizes broadcasts them again, as MLX's does). The output is row-major
//! `batch + [M] + [N]`, with the vector dimensions left out. `gemm` takes any element strides, so transposed, sliced or
//! broadcast inputs are read in place. f32, f64, f16 and complex64 run natively; bfloat16 is
//! converted to f32 first and the result rounded back.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::convert::convert_into;
use crate::backend::cpu::elementwise::SendPtr;
use crate::backend::cpu::gemm::{gemm_one, GemmElem};
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::transforms::rules::hermitian;
use crate::transforms::rules::linalg as rules;
use gemm::Parallelism;
use half::f16;
use num_complex::Complex32;

/// Matrix product of the last two dimensions, batched over the others.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matmul {
    /// `a` is a vector (`batch + [K]`): one row.
    pub a_vec: bool,
    /// `b` is a vector (`batch + [K]`): one column.
    pub b_vec: bool,
}

/// Sizes and element strides of one product and of the batch walk.
struct Geometry {
    m: usize,
    n: usize,
    k: usize,
    /// (row stride, column stride) of `a` and `b`.
    a_rc: (isize, isize),
    b_rc: (isize, isize),
    /// Start offset of each batch's `a` and `b` matrix.
    offsets: Vec<(isize, isize)>,
}

impl Geometry {
    fn new(
        mm: &Matmul,
        a: &ArrayData,
        a_shape: &[i32],
        b: &ArrayData,
        b_shape: &[i32],
    ) -> Geometry {
        let (na, nb) = (a_shape.len(), b_shape.len());
        let (m, k, a_rc, a_batch) = if mm.a_vec {
            (1, a_shape[na - 1], (0, a.strides[na - 1]), na - 1)
        } else {
            (
                a_shape[na - 2],
                a_shape[na - 1],
                (a.strides[na - 2], a.strides[na - 1]),
                na - 2,
            )
        };
        let (n, b_rc, b_batch) = if mm.b_vec {
            (1, (b.strides[nb - 1], 0), nb - 1)
        } else {
            (
                b_shape[nb - 1],
                (b.strides[nb - 2], b.strides[nb - 1]),
                nb - 2,
            )
        };
        // The batch is the broadcast of both operands' batch dimensions (equal unless a
        // shapeless trace kept them apart, see `ops::matmul`); an operand's size-1 or
        // missing batch dimensions repeat its matrix.
        let (a_dims, b_dims) = (&a_shape[..a_batch], &b_shape[..b_batch]);
        let nb = a_dims.len().max(b_dims.len());
        let dim = |dims: &[i32], d: usize| {
            let lead = nb - dims.len();
            if d < lead {
                1
            } else {
                dims[d - lead]
            }
        };
        let stride = |dims: &[i32], strides: &[i64], d: usize| {
            let lead = nb - dims.len();
            if d < lead || dims[d - lead] == 1 {
                0
            } else {
                strides[d - lead]
            }
        };
        let batch: Vec<i32> = (0..nb)
            .map(|d| dim(a_dims, d).max(dim(b_dims, d)))
            .collect();
        let a_str: Vec<i64> = (0..nb).map(|d| stride(a_dims, &a.strides, d)).collect();
        let b_str: Vec<i64> = (0..nb).map(|d| stride(b_dims, &b.strides, d)).collect();
        let count: usize = batch.iter().map(|&d| d as usize).product();
        let mut offsets = Vec::with_capacity(count);
        let mut idx = vec![0i32; nb];
        for _ in 0..count {
            let oa: i64 = idx.iter().zip(&a_str).map(|(&i, &s)| i as i64 * s).sum();
            let ob: i64 = idx.iter().zip(&b_str).map(|(&i, &s)| i as i64 * s).sum();
            offsets.push((oa as isize, ob as isize));
            for d in (0..nb).rev() {
                idx[d] += 1;
                if idx[d] < batch[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        Geometry {
            m: m as usize,
            n: n as usize,
            k: k as usize,
            a_rc: (a_rc.0 as isize, a_rc.1 as isize),
            b_rc: (b_rc.0 as isize, b_rc.1 as isize),
            offsets,
        }
    }
}

impl Primitive for Matmul {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let (a, b) = (inputs[0].shape(), inputs[1].shape());
        let k_a = a[a.len() - 1];
        let k_b = if self.b_vec {
            b[b.len() - 1]
        } else {
            b[b.len() - 2]
        };
        if k_a != k_b {
            return Err(crate::Error::InvalidArgument(format!(
                "[matmul] Last dimension of first input with shape {} must match second to last \
                 dimension of second input with shape {}.",
                crate::shape::fmt_shape(a),
                crate::shape::fmt_shape(b)
            )));
        }
        let batch = if self.a_vec { a.len() - 1 } else { a.len() - 2 };
        let b_batch = if self.b_vec { b.len() - 1 } else { b.len() - 2 };
        // Batch dimensions broadcast (MLX's rule; the kernel repeats size-1 ones).
        let dims = crate::shape::broadcast_shapes(&a[..batch], &b[..b_batch]).map_err(|_| {
            crate::Error::InvalidArgument(format!(
                "[broadcast_shapes] Shapes {} and {} cannot be broadcast.",
                crate::shape::fmt_shape(&a[..batch]),
                crate::shape::fmt_shape(&b[..b_batch])
            ))
        })?;
        let mut out = dims;
        if !self.a_vec {
            out.push(a[a.len() - 2]);
        }
        if !self.b_vec {
            out.push(b[b.len() - 1]);
        }
        Ok(vec![out])
    }
    fn name(&self) -> String {
        "Matmul".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let g = hermitian(p, c, |c| rules::vjp(self.a_vec, self.b_vec, p, c, argnums))?;
        // Operands whose batch dimensions were broadcast by the kernel (shapeless traces)
        // get their cotangent summed back to their shape.
        g.into_iter()
            .zip(argnums)
            .map(|(g, &i)| {
                if g.shape() == p[i].shape() {
                    Ok(g)
                } else {
                    sum_batch(&g, p[i].shape())
                }
            })
            .collect()
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::jvp(self.a_vec, self.b_vec, p, t, argnums)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::vmap(self.a_vec, self.b_vec, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        let (a_shape, b_shape) = (ctx.inputs[0].shape(), ctx.inputs[1].shape());
        let out_arr = ctx.output(0);
        let dt = out_arr.dtype();
        let out = ArrayData::alloc(out_arr.shape(), dt, ctx.device)?;
        match dt {
            Dtype::Float32 => run::<f32>(self, a, a_shape, b, b_shape, &out),
            Dtype::Float64 => run::<f64>(self, a, a_shape, b, b_shape, &out),
            Dtype::Float16 => run::<f16>(self, a, a_shape, b, b_shape, &out),
            Dtype::Complex64 => run::<Complex32>(self, a, a_shape, b, b_shape, &out),
            Dtype::Bfloat16 => {
                // Products in f32 on row-major f32 copies, rounded to bfloat16 at the end.
                let a32 = ArrayData::alloc(a_shape, Dtype::Float32, ctx.device)?;
                convert_into(a, Dtype::Bfloat16, a_shape, &a32, Dtype::Float32);
                let b32 = ArrayData::alloc(b_shape, Dtype::Float32, ctx.device)?;
                convert_into(b, Dtype::Bfloat16, b_shape, &b32, Dtype::Float32);
                let o32 = ArrayData::alloc(out_arr.shape(), Dtype::Float32, ctx.device)?;
                run::<f32>(self, &a32, a_shape, &b32, b_shape, &o32);
                convert_into(&o32, Dtype::Float32, out_arr.shape(), &out, Dtype::Bfloat16);
            }
            other => {
                return Err(Error::InvalidArgument(format!(
                    "[matmul] Unsupported dtype {other}."
                )));
            }
        }
        Ok(vec![out])
    }
}

/// Sums cotangent `g` down to `shape` over broadcast batch dimensions, with sums only (no
/// reshape), so a shapeless replay of the gradient follows other batch sizes.
fn sum_batch(g: &Array, shape: &[i32]) -> Result<Array> {
    let lead = g.ndim() - shape.len();
    let mut g = g.clone();
    if lead > 0 {
        let axes: Vec<i32> = (0..lead as i32).collect();
        g = crate::ops::sum(&g, &axes, false)?;
    }
    let axes: Vec<i32> = (0..shape.len())
        .filter(|&i| shape[i] == 1 && g.shape()[i] != 1)
        .map(|i| i as i32)
        .collect();
    if axes.is_empty() {
        return Ok(g);
    }
    crate::ops::sum(&g, &axes, true)
}

/// Computes every product of the batch into the fresh row-major `out`.
fn run<T: GemmElem>(
    mm: &Matmul,
    a: &ArrayData,
    a_shape: &[i32],
    b: &ArrayData,
    b_shape: &[i32],
    out: &ArrayData,
) {
    let g = Geometry::new(mm, a, a_shape, b, b_shape);
    // SAFETY: `out` is a fresh buffer owned by this kernel.
    let dst = unsafe { out.dense_mut::<T>() };
    let per = g.m * g.n;
    if per == 0 {
        return;
    }
    if g.k == 0 {
        dst.fill(T::zero());
        return;
    }
    let (pa, pb) = (SendPtr(a.ptr::<T>()), SendPtr(b.ptr::<T>()));
    let product = |i: usize, d: &mut [T], par: Parallelism| {
        let (oa, ob) = g.offsets[i];
        // SAFETY: `d` is this batch's m×n row-major block; the offsets and strides come from
        // the inputs' own shapes and strides, so every element read is in bounds.
        // `read_dst` is false, so the uninitialised destination is never read.
        unsafe {
            gemm_one(
                (g.m, g.n, g.k),
                d.as_mut_ptr(),
                g.n as isize,
                false,
                (pa.get().offset(oa), g.a_rc),
                (pb.get().offset(ob), g.b_rc),
                T::zero(),
                T::one(),
                par,
            )
        }
    };
    let native = T::has_native(g.m, g.n, g.k);
    crate::backend::cpu::gemm::for_each_product(dst, per, g.offsets.len(), g.k, native, product);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Array;
    use crate::device::default_device;
    use crate::ops;

    /// A view of `data` (row-major `rows × cols`) transposed: shape `cols × rows`.
    fn transposed(data: &[f32], rows: i32, cols: i32) -> Array {
        let base = Array::from_slice(data, &[rows, cols]).unwrap();
        base.eval().unwrap();
        let d = base
            .data()
            .unwrap()
            .view(&[cols, rows], vec![1, cols as i64], 0);
        Array::from_data(vec![cols, rows], Dtype::Float32, d)
    }

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    #[test]
    fn transposed_inputs_are_read_in_place() {
        let (m, k, n) = (3usize, 4usize, 5usize);
        let a: Vec<f32> = (0..m * k).map(|i| i as f32 - 3.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32) * 0.5).collect();
        // a^T stored as k×m, b^T as n×k.
        let mut at = vec![0.0; m * k];
        let mut bt = vec![0.0; k * n];
        for i in 0..m {
            for p in 0..k {
                at[p * m + i] = a[i * k + p];
            }
        }
        for p in 0..k {
            for j in 0..n {
                bt[j * k + p] = b[p * n + j];
            }
        }
        let av = transposed(&at, k as i32, m as i32);
        let bv = transposed(&bt, n as i32, k as i32);
        let c = ops::matmul(&av, &bv).unwrap();
        assert_eq!(c.shape(), &[m as i32, n as i32]);
        assert_eq!(c.to_vec::<f32>().unwrap(), naive(&a, &b, m, k, n));
    }

    #[test]
    fn negative_strides() {
        // Rows of `a` reversed through a view with a negative row stride.
        let a: Vec<f32> = (0..6).map(|i| i as f32).collect(); // 2×3
        let base = Array::from_slice(&a, &[2, 3]).unwrap();
        base.eval().unwrap();
        let d = base.data().unwrap().view(&[2, 3], vec![-3, 1], 3);
        let rev = Array::from_data(vec![2, 3], Dtype::Float32, d);
        let b = Array::from_slice(&[1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0], &[3, 2]).unwrap();
        let c = ops::matmul(&rev, &b).unwrap();
        let want = naive(
            &[3.0, 4.0, 5.0, 0.0, 1.0, 2.0],
            &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            2,
            3,
            2,
        );
        assert_eq!(c.to_vec::<f32>().unwrap(), want);
        let _ = default_device();
    }
}

//! Reduction primitives: `Reduce` (sum, prod, max, min, all, any, as MLX), and rmlx's own
//! `Mean`, `Var` (var and std), `LogSumExp` and `Softmax` (MLX builds the first two from
//! other ops; dedicated kernels read the input fewer times).
//!
//! Every primitive holds the sorted, normalized axes it reduces. Kernels write the
//! keepdims-shaped result row-major, which is also the layout of the squeezed shape.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::accumulate::{Accumulate, Arith, Compare, FloatAcc, FloatElem, Ordered};
use crate::backend::cpu::dispatch::{dispatch_all, dispatch_float};
use crate::backend::cpu::reduce::{no_aux, reduce, Plan};
use crate::backend::cpu::scratch::Scratch;
use crate::backend::cpu::softmax;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::transforms::rules::hermitian;
use crate::transforms::rules::reduce as rules;

/// Which reduction a `Reduce` node performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    /// `all`: on a bool input (the op layer converts).
    And,
    /// `any`: on a bool input.
    Or,
}

/// MLX's `Reduce` primitive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reduce {
    pub op: ReduceOp,
    pub axes: Vec<usize>,
}

/// Mean over `axes`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mean {
    pub axes: Vec<usize>,
}

/// Variance (or, with `sqrt`, standard deviation) over `axes` of a float input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Var {
    pub axes: Vec<usize>,
    pub ddof: i32,
    pub sqrt: bool,
}

/// `log(sum(exp(x)))` over `axes` of a float input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogSumExp {
    pub axes: Vec<usize>,
}

/// Softmax over `axes` of a float input. Reductions always accumulate in f32 for f16 and
/// bf16, so `precise` (MLX's request for exactly that) only changes the node's identity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Softmax {
    pub axes: Vec<usize>,
    /// Kept for the node's identity (graph comparison, export); kernels ignore it.
    #[allow(dead_code)]
    pub precise: bool,
}

/// A fresh row-major output filled by `fill` from the plan of input 0.
fn with_output<U: Element>(
    ctx: &KernelCtx<'_>,
    axes: &[usize],
    fill: impl FnOnce(&ArrayData, &Plan, &mut [U]) -> Result<()>,
) -> Result<ArrayData> {
    let x = ctx.input(0);
    let plan = Plan::new(ctx.inputs[0].shape(), &x.strides, axes);
    let out_arr = ctx.output(0);
    debug_assert_eq!(out_arr.dtype(), U::DTYPE);
    let out = ArrayData::alloc(out_arr.shape(), U::DTYPE, ctx.device)?;
    // SAFETY: a fresh buffer, exclusively ours.
    let dst = unsafe { out.dense_mut::<U>() };
    fill(x, &plan, dst)?;
    Ok(out)
}

// Named functions (not closures) so `sum` and `mean` share one instantiation of the engine.
#[inline(always)]
fn load_acc<T: Accumulate>(x: T, _: ()) -> T::Acc {
    x.acc()
}
#[inline(always)]
fn load_cmp<T: Compare>(x: T, _: ()) -> T::Cmp {
    x.cmp()
}
#[inline(always)]
fn add<A: Arith>(a: A, b: A) -> A {
    a.add(b)
}
#[inline(always)]
fn mul<A: Arith>(a: A, b: A) -> A {
    a.mul(b)
}
#[inline(always)]
fn max<A: Ordered>(a: A, b: A) -> A {
    A::max(a, b)
}
#[inline(always)]
fn min<A: Ordered>(a: A, b: A) -> A {
    A::min(a, b)
}
#[inline(always)]
fn load_widen<T: FloatElem>(x: T, _: ()) -> T::F {
    x.widen()
}
#[inline(always)]
fn load_sq_dev<T: FloatElem>(x: T, mu: T::F) -> T::F {
    let d = x.widen() - mu;
    d.mul(d)
}

/// Sums (or multiplies) into accumulators, then converts each to the output type.
fn sum_like<T: Accumulate, U: Element>(
    ctx: &KernelCtx<'_>,
    axes: &[usize],
    prod: bool,
    fin: impl Fn(T::Acc) -> U,
) -> Result<ArrayData> {
    with_output(ctx, axes, |x, plan, dst: &mut [U]| {
        let units = no_aux(plan.n_out);
        let (init, mut acc) = if prod {
            (T::Acc::ONE, Scratch::filled(plan.n_out, T::Acc::ONE)?)
        } else {
            (T::Acc::ZERO, Scratch::filled(plan.n_out, T::Acc::ZERO)?)
        };
        if prod {
            reduce(
                x,
                plan,
                &units,
                &mut acc,
                init,
                load_acc::<T>,
                mul::<T::Acc>,
            );
        } else {
            reduce(
                x,
                plan,
                &units,
                &mut acc,
                init,
                load_acc::<T>,
                add::<T::Acc>,
            );
        }
        for (o, &a) in dst.iter_mut().zip(acc.iter()) {
            *o = fin(a);
        }
        Ok(())
    })
}

fn max_like<T: Compare>(ctx: &KernelCtx<'_>, axes: &[usize], is_max: bool) -> Result<ArrayData> {
    with_output(ctx, axes, |x, plan, dst: &mut [T]| {
        let units = no_aux(plan.n_out);
        let init = if is_max {
            T::Cmp::LOWEST
        } else {
            T::Cmp::HIGHEST
        };
        let mut acc = Scratch::filled(plan.n_out, init)?;
        if is_max {
            reduce(
                x,
                plan,
                &units,
                &mut acc,
                init,
                load_cmp::<T>,
                max::<T::Cmp>,
            );
        } else {
            reduce(
                x,
                plan,
                &units,
                &mut acc,
                init,
                load_cmp::<T>,
                min::<T::Cmp>,
            );
        }
        for (o, &a) in dst.iter_mut().zip(acc.iter()) {
            *o = T::from_cmp(a);
        }
        Ok(())
    })
}

fn unsupported(func: &str, dt: crate::Dtype) -> Error {
    Error::InvalidArgument(format!("[{func}] Unsupported dtype {dt}."))
}

impl Primitive for Reduce {
    equivalent_by_eq!();
    reduced_output!();
    fn name(&self) -> String {
        "Reduce".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| {
            Ok(vec![rules::reduce_vjp(
                self.op, &self.axes, &p[0], &c[0], &o[0],
            )?])
        })
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::reduce_jvp(
            self.op, &self.axes, &p[0], &t[0], &o[0],
        )?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::reduce_vmap(self.op, &self.axes, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let axes = &self.axes;
        let out = match self.op {
            ReduceOp::Sum => {
                dispatch_all!(dt, T => sum_like::<T, <T as Accumulate>::Out>(ctx, axes, false, <T as Accumulate>::out))
            }
            ReduceOp::Prod => {
                dispatch_all!(dt, T => sum_like::<T, <T as Accumulate>::Out>(ctx, axes, true, <T as Accumulate>::out))
            }
            ReduceOp::Max => dispatch_all!(dt, T => max_like::<T>(ctx, axes, true)),
            ReduceOp::Min => dispatch_all!(dt, T => max_like::<T>(ctx, axes, false)),
            ReduceOp::And | ReduceOp::Or if dt != crate::Dtype::Bool => {
                Err(unsupported("reduce", dt))
            }
            // all = min over bools, any = max.
            ReduceOp::And => max_like::<bool>(ctx, axes, false),
            ReduceOp::Or => max_like::<bool>(ctx, axes, true),
        }?;
        Ok(vec![out])
    }
}

impl Primitive for Mean {
    equivalent_by_eq!();
    reduced_output!();
    fn name(&self) -> String {
        "Mean".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::mean_vjp(&self.axes, &p[0], &c[0])?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::mean_jvp(&self.axes, &t[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::mean_vmap(&self.axes, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let shape = ctx.inputs[0].shape();
        let n: usize = self.axes.iter().map(|&a| shape[a] as usize).product();
        // 1/0 = inf turns the empty sum 0 into NaN, as in MLX.
        let inv_n = 1.0 / n as f64;
        let out = dispatch_all!(dt, T => sum_like::<T, <T as Accumulate>::MeanOut>(ctx, &self.axes, false, |a| T::mean(a, inv_n)))?;
        Ok(vec![out])
    }
}

fn var_typed<T: FloatElem>(
    ctx: &KernelCtx<'_>,
    axes: &[usize],
    ddof: i32,
    sqrt: bool,
) -> Result<ArrayData> {
    with_output(ctx, axes, |x, plan, dst: &mut [T]| {
        let units = no_aux(plan.n_out);
        let n = plan.n_red as f64;
        let zero = T::F::ZERO;
        // Two passes: the mean, then the squared deviations from it (exact for data with a
        // large mean, unlike `E[x^2] - E[x]^2`).
        let mut mu = Scratch::filled(plan.n_out, zero)?;
        reduce(x, plan, &units, &mut mu, zero, load_widen::<T>, add::<T::F>);
        let inv_n = T::F::from_f64(1.0 / n);
        mu.iter_mut().for_each(|m| *m = m.mul(inv_n));
        let mut ss = Scratch::filled(plan.n_out, zero)?;
        reduce(x, plan, &mu, &mut ss, zero, load_sq_dev::<T>, add::<T::F>);
        // MLX divides by max(n - ddof, 0): 0/0 is NaN, anything else over 0 is inf.
        let div = (n - ddof as f64).max(0.0);
        for (o, &s) in dst.iter_mut().zip(ss.iter()) {
            let v = s.real() / div;
            let v = if sqrt { v.sqrt() } else { v };
            *o = T::narrow(T::F::from_f64(v));
        }
        Ok(())
    })
}

impl Primitive for Var {
    equivalent_by_eq!();
    reduced_output!();
    fn name(&self) -> String {
        if self.sqrt { "Std" } else { "Var" }.into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::var_vjp(
            &self.axes, self.ddof, self.sqrt, &p[0], &c[0], &o[0],
        )?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::var_jvp(
            &self.axes, self.ddof, self.sqrt, &p[0], &t[0], &o[0],
        )?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::var_vmap(&self.axes, self.ddof, self.sqrt, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let out = dispatch_float!(dt, T => var_typed::<T>(ctx, &self.axes, self.ddof, self.sqrt), else => Err(unsupported("var", dt)))?;
        Ok(vec![out])
    }
}

impl Primitive for LogSumExp {
    equivalent_by_eq!();
    reduced_output!();
    fn name(&self) -> String {
        "LogSumExp".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::logsumexp_vjp(&self.axes, &p[0], &c[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::logsumexp_jvp(&self.axes, &p[0], &t[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::logsumexp_vmap(&self.axes, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let out = dispatch_float!(dt, T => with_output(ctx, &self.axes, |x, plan, dst: &mut [T]| softmax::logsumexp::<T>(x, plan, dst)), else => Err(unsupported("logsumexp", dt)))?;
        Ok(vec![out])
    }
}

fn softmax_typed<T: FloatElem>(ctx: &KernelCtx<'_>, axes: &[usize]) -> Result<ArrayData> {
    let x = ctx.input(0);
    let shape = ctx.inputs[0].shape();
    let out = ArrayData::alloc(shape, T::DTYPE, ctx.device)?;
    // SAFETY: a fresh buffer, exclusively ours.
    let dst = unsafe { out.dense_mut::<T>() };
    softmax::softmax::<T>(x, shape, axes, dst)?;
    Ok(out)
}

impl Primitive for Softmax {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        "Softmax".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::softmax_rule(&self.axes, &c[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::softmax_rule(&self.axes, &t[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::softmax_vmap(&self.axes, self.precise, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let out = dispatch_float!(dt, T => softmax_typed::<T>(ctx, &self.axes), else => Err(unsupported("softmax", dt)))?;
        Ok(vec![out])
    }
}

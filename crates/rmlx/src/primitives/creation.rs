//! Primitives that create values from nothing: `Arange`, `Linspace` and `Eye`.

use super::{KernelCtx, Primitive};
use crate::array::ArrayData;
use crate::backend::cpu::convert::{cast, Cast};
use crate::backend::cpu::dispatch::dispatch_all;
use crate::error::{invalid, Result};
use half::{bf16, f16};
use num_complex::Complex32;

/// Element arithmetic for `Arange`, which works in the output type as MLX does: the start
/// and the step are converted first, then the step is added repeatedly (so integer outputs
/// wrap and half-precision outputs accumulate rounding exactly like MLX's).
trait Step: Cast {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
}

macro_rules! step_int {
    ($($t:ty),*) => {$(
        impl Step for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn sub(self, o: Self) -> Self { self.wrapping_sub(o) }
        }
    )*};
}
step_int!(u8, u16, u32, u64, i8, i16, i32, i64);

macro_rules! step_float {
    ($($t:ty),*) => {$(
        impl Step for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self + o }
            #[inline(always)] fn sub(self, o: Self) -> Self { self - o }
        }
    )*};
}
step_float!(f32, f64, Complex32);

// Half types compute in f32 and round once per operation, as C++'s float16_t does.
impl Step for f16 {
    fn add(self, o: Self) -> Self {
        f16::from_f32(self.to_f32() + o.to_f32())
    }
    fn sub(self, o: Self) -> Self {
        f16::from_f32(self.to_f32() - o.to_f32())
    }
}
impl Step for bf16 {
    fn add(self, o: Self) -> Self {
        bf16::from_f32(self.to_f32() + o.to_f32())
    }
    fn sub(self, o: Self) -> Self {
        bf16::from_f32(self.to_f32() - o.to_f32())
    }
}

impl Step for bool {
    // The op rejects bool; this only satisfies the dispatch.
    fn add(self, o: Self) -> Self {
        self | o
    }
    fn sub(self, o: Self) -> Self {
        self & !o
    }
}

fn fill_arange<T: Step>(out: &ArrayData, start: f64, step: f64) {
    let first = T::from_f64(start);
    let delta = T::from_f64(start + step).sub(first);
    // SAFETY: a fresh buffer owned by this kernel.
    let dst = unsafe { out.dense_mut::<T>() };
    let mut v = first;
    for o in dst.iter_mut() {
        *o = v;
        v = v.add(delta);
    }
}

/// `start, start + step, ...` (the op fixed the length).
#[derive(Debug, Clone)]
pub(crate) struct Arange {
    pub start: f64,
    pub step: f64,
}

impl Primitive for Arange {
    fn name(&self) -> String {
        "Arange".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let o = ctx.output(0);
        if o.dtype() == crate::Dtype::Bool {
            return Err(invalid!("[arange] bool not supported for arange."));
        }
        let out = ArrayData::alloc(o.shape(), o.dtype(), ctx.device)?;
        dispatch_all!(o.dtype(), T => fill_arange::<T>(&out, self.start, self.step));
        Ok(vec![out])
    }
}

/// `num` evenly spaced values from `start` to `stop`, computed as MLX's composition does
/// (`(1 - t) * start + t * stop` with `t = i / (num - 1)`): in float64 for float64 output,
/// otherwise in float32 and then converted.
#[derive(Debug, Clone)]
pub(crate) struct Linspace {
    pub start: f64,
    pub stop: f64,
}

fn fill_linspace<D: Cast>(out: &ArrayData, start: f32, stop: f32) {
    // SAFETY: a fresh buffer owned by this kernel.
    let dst = unsafe { out.dense_mut::<D>() };
    let n = dst.len();
    if n == 1 {
        dst[0] = cast::<f32, D>(start);
        return;
    }
    let denom = (n - 1) as f32;
    for (i, o) in dst.iter_mut().enumerate() {
        let t = i as f32 / denom;
        *o = cast::<f32, D>((1.0 - t) * start + t * stop);
    }
}

fn fill_linspace_f64(out: &ArrayData, start: f64, stop: f64) {
    // SAFETY: a fresh buffer owned by this kernel.
    let dst = unsafe { out.dense_mut::<f64>() };
    let n = dst.len();
    if n == 1 {
        dst[0] = start;
        return;
    }
    let denom = (n - 1) as f64;
    for (i, o) in dst.iter_mut().enumerate() {
        let t = i as f64 / denom;
        *o = (1.0 - t) * start + t * stop;
    }
}

impl Primitive for Linspace {
    fn name(&self) -> String {
        "Linspace".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let o = ctx.output(0);
        let out = ArrayData::alloc(o.shape(), o.dtype(), ctx.device)?;
        if o.dtype() == crate::Dtype::Float64 {
            fill_linspace_f64(&out, self.start, self.stop);
            return Ok(vec![out]);
        }
        let (a, b) = (self.start as f32, self.stop as f32);
        dispatch_all!(o.dtype(), D => fill_linspace::<D>(&out, a, b));
        Ok(vec![out])
    }
}

/// An `n x m` matrix of zeros with ones on diagonal `k`.
#[derive(Debug, Clone)]
pub(crate) struct Eye(pub i32);

fn fill_eye<D: Cast>(out: &ArrayData, n: i64, m: i64, k: i64) {
    // SAFETY: a fresh buffer owned by this kernel.
    let dst = unsafe { out.dense_mut::<D>() };
    let zero = D::from_bool(false);
    let one = D::from_bool(true);
    dst.fill(zero);
    for r in 0..n {
        let c = r + k;
        if (0..m).contains(&c) {
            dst[(r * m + c) as usize] = one;
        }
    }
}

impl Primitive for Eye {
    fn name(&self) -> String {
        "Eye".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let o = ctx.output(0);
        let (n, m) = (o.shape()[0] as i64, o.shape()[1] as i64);
        let out = ArrayData::alloc(o.shape(), o.dtype(), ctx.device)?;
        dispatch_all!(o.dtype(), D => fill_eye::<D>(&out, n, m, self.0 as i64));
        Ok(vec![out])
    }
}

//! The CPU kernel of `Compiled`: a blocked interpreter over the fused step list.
//!
//! The output (row-major) is cut into blocks. For each block every input is seen at the
//! output's shape (broadcast dimensions get stride 0) and loaded: a row-dense input or a
//! broadcast scalar is read in place, any other layout is gathered into block-sized
//! scratch. The steps then run over the block and the steps that are outputs land in the
//! output buffers. Intermediates never exceed a block, so memory traffic is one read of
//! each input and one write of each output.
//!
//! Two interpreters share that plan:
//! - f32 (every operand and step float32, ops with a float32 element function): tight
//!   per-op slice loops (`elementwise::map_slice`/`zip_*`, compiled for AVX2/AVX-512)
//!   over L1-resident blocks, calling the same element functions as the unfused kernels,
//!   except tanh, which uses the FMA formulation `vmath::tanh_fma_f32` where the CPU has
//!   FMA (within 1 ulp, about twice as fast as `vmath::tanh_f32`; the unfused kernel
//!   keeps `tanh_f32`, so a fused float32 tanh can differ from the unfused one by an ulp
//!   or two, as MLX's compiled kernels differ from its uncompiled ones).
//! - every other dtype: each step runs its own primitive's kernel on block-sized arrays
//!   (same code as the unfused graph, so values are identical), with intermediates donated
//!   in place when their last use is the step.

use super::arith::{Arith, Atan2, Inexact, Rem};
use super::elementwise::{map_slice, zip_scalar_a, zip_scalar_b, zip_slices};
use super::mlx_math;
use super::scratch::Scratch;
use super::threads::{num_threads, run_parallel, PARALLEL_THRESHOLD};
use super::vmath;
use crate::array::{Array, ArrayData};
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::primitives::binary::BinaryOp;
use crate::primitives::compiled::{Compiled, Operand, StepOp};
use crate::primitives::unary::UnaryOp;
use crate::primitives::KernelCtx;
use crate::shape::size_of;

/// Elements per block of the f32 interpreter: a few registers of it stay in L1.
const F32_BLOCK: usize = 1024;
/// Elements per block of the general interpreter: larger, to amortise the per-step kernel
/// call and buffer, but under the kernels' own threading threshold.
const GENERIC_BLOCK: usize = 16384;

/// Evaluates the fused group: its steps smaller than the output first, whole
/// (`compiled_small`), then the rest block by block.
pub(crate) fn eval(c: &Compiled, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
    if ctx.output(0).size() > 0 {
        if let Some((rest, inputs)) = super::compiled_small::run_small_steps(c, ctx)? {
            let ctx = KernelCtx {
                inputs: &inputs,
                outputs: ctx.outputs,
                donatable: 0,
                device: ctx.device,
            };
            return eval_blocks(&rest, &ctx);
        }
    }
    eval_blocks(c, ctx)
}

/// Evaluates the fused group block by block.
fn eval_blocks(c: &Compiled, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
    if let Some(done) = single_step(c, ctx) {
        return done;
    }
    let shape = ctx.output(0).shape().to_vec();
    let n = size_of(&shape);
    let inputs: Vec<InputView> = (0..ctx.inputs.len())
        .map(|i| InputView::new(ctx, i, &shape))
        .collect();
    let outs: Vec<ArrayData> = ctx
        .outputs
        .iter()
        .map(|o| ArrayData::alloc(&shape, o.dtype(), ctx.device))
        .collect::<Result<_>>()?;
    if n == 0 {
        return Ok(outs);
    }
    if let Some(plan) = F32Plan::new(c, ctx) {
        plan.run(&inputs, &outs, &shape, n)?;
    } else {
        run_generic(c, ctx, &inputs, &outs, n)?;
    }
    Ok(outs)
}

/// A group with one computing step, the others broadcasts of its operands (MLX fuses a
/// lone op with those: `x * w` is `CompiledBroadcastMultiply`): runs that step's own
/// kernel on the node's inputs. Binary kernels broadcast their operands in place, where
/// the interpreter would gather a broadcast row or column into every block (measured 1.3×
/// and 1.6× slower for `x * w` and `x * col` over 4096 × 4096 f32). `None`: not such a
/// group.
fn single_step(c: &Compiled, ctx: &KernelCtx<'_>) -> Option<Result<Vec<ArrayData>>> {
    let mut computing = c
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.op != StepOp::Broadcast);
    let (j, step) = computing.next()?;
    if computing.next().is_some() || c.outputs != [j] || c.expands {
        return None;
    }
    // The operands, through the broadcast aliases.
    let resolve = |mut a: Operand| loop {
        match a {
            Operand::Input(i) => return Some(i),
            Operand::Step(k) if c.steps[k].op == StepOp::Broadcast => a = c.steps[k].args[0],
            Operand::Step(_) => return None,
        }
    };
    let idx: Vec<usize> = step
        .args
        .iter()
        .map(|&a| resolve(a))
        .collect::<Option<_>>()?;
    let out_shape = ctx.output(0).shape();
    match step.op {
        StepOp::Binary(_) => {}
        StepOp::Unary(_) | StepOp::AsType if ctx.inputs[idx[0]].shape() == out_shape => {}
        _ => return None,
    }
    // Donation as the unfused op: an operand read once may give its buffer when the node's
    // input may (the copies of the handles below are this kernel's own).
    let args: Vec<Array> = idx.iter().map(|&i| ctx.inputs[i].clone()).collect();
    let mut donatable = 0u64;
    for (pos, &i) in idx.iter().enumerate() {
        let once = idx.iter().filter(|&&k| k == i).count() == 1;
        if i < 64 && pos < 64 && once && ctx.donatable & (1 << i) != 0 {
            donatable |= 1 << pos;
        }
    }
    let kctx = KernelCtx {
        inputs: &args,
        outputs: ctx.outputs,
        donatable,
        device: ctx.device,
    };
    Some(step.op.primitive().eval_cpu(&kctx))
}

/// An input seen at the output's shape.
struct InputView {
    data: ArrayData,
    dtype: Dtype,
    kind: Load,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Row-major over the output: block `[s, s + len)` is slots `s..s + len`.
    Dense,
    /// One element broadcast everywhere.
    Scalar,
    /// Anything else: gathered through its strides.
    Strided,
}

impl InputView {
    fn new(ctx: &KernelCtx<'_>, i: usize, shape: &[i32]) -> InputView {
        let d = ctx.input(i);
        let in_shape = ctx.inputs[i].shape();
        let n = size_of(shape);
        let data = if in_shape == shape {
            d.clone()
        } else {
            let lead = shape.len() - in_shape.len();
            let mut strides = vec![0i64; shape.len()];
            for (k, (&dim, &s)) in in_shape.iter().zip(&d.strides).enumerate() {
                strides[lead + k] = if dim == 1 { 0 } else { s };
            }
            d.view(shape, strides, d.offset)
        };
        let kind = if data.strides.iter().all(|&s| s == 0) {
            Load::Scalar
        } else if data.flags.row_contiguous && data.data_size == n {
            Load::Dense
        } else {
            Load::Strided
        };
        InputView {
            data,
            dtype: ctx.inputs[i].dtype(),
            kind,
        }
    }
}

/// Copies elements `[start, start + len)` (row-major over `shape`) of a strided view into
/// `dst`, one `T`-sized element at a time.
///
/// # Safety
/// `data` must be a valid view of `shape` whose elements are `T`-sized, and `dst` must hold
/// `len` elements with `start + len <= size_of(shape)`.
unsafe fn gather<T: Copy>(data: &ArrayData, shape: &[i32], start: usize, len: usize, dst: *mut T) {
    let nd = shape.len();
    let base = data.ptr::<T>();
    if nd == 0 {
        // SAFETY: a 0-d array has one element, and `len <= 1` by the contract.
        unsafe {
            for i in 0..len {
                *dst.add(i) = *base;
            }
        }
        return;
    }
    // Multi-index of `start`.
    let mut idx = vec![0i64; nd];
    let mut r = start as i64;
    for d in (0..nd).rev() {
        let dim = shape[d] as i64;
        idx[d] = r % dim;
        r /= dim;
    }
    let mut off: i64 = idx.iter().zip(&data.strides).map(|(i, s)| i * s).sum();
    let inner = shape[nd - 1] as i64;
    let step = data.strides[nd - 1];
    let mut done = 0usize;
    while done < len {
        let run = ((inner - idx[nd - 1]) as usize).min(len - done);
        // SAFETY: every offset is that of an element of the view (index within `shape`);
        // `dst` has room for `len` elements and is a separate buffer.
        unsafe {
            let src = base.offset(off as isize);
            match step {
                // A row of a broadcast operand (a bias read along the last axis): one copy.
                1 => std::ptr::copy_nonoverlapping(src, dst.add(done), run),
                // One value along the row.
                0 => std::slice::from_raw_parts_mut(dst.add(done), run).fill(*src),
                _ => {
                    for k in 0..run {
                        *dst.add(done + k) = *base.offset((off + k as i64 * step) as isize);
                    }
                }
            }
        }
        done += run;
        if done == len {
            break;
        }
        // Next row: carry the multi-index.
        off += (inner - idx[nd - 1]) * step;
        idx[nd - 1] = 0;
        off -= inner * step;
        let mut d = nd - 1;
        loop {
            if d == 0 {
                break;
            }
            d -= 1;
            idx[d] += 1;
            off += data.strides[d];
            if idx[d] < shape[d] as i64 {
                break;
            }
            off -= shape[d] as i64 * data.strides[d];
            idx[d] = 0;
        }
    }
}

/// `gather` dispatched on the element size.
///
/// # Safety
/// As `gather`, with `dst` holding `len * elem` bytes.
unsafe fn gather_bytes(
    data: &ArrayData,
    shape: &[i32],
    elem: usize,
    start: usize,
    len: usize,
    dst: *mut u8,
) {
    // SAFETY: forwarded contract; the element size picks a type of that size.
    unsafe {
        match elem {
            1 => gather::<u8>(data, shape, start, len, dst),
            2 => gather::<u16>(data, shape, start, len, dst as *mut u16),
            4 => gather::<u32>(data, shape, start, len, dst as *mut u32),
            _ => gather::<u64>(data, shape, start, len, dst as *mut u64),
        }
    }
}

/// A raw pointer handed to kernel threads (each writes a disjoint block).
#[derive(Clone, Copy)]
struct Ptr(*mut u8);
// SAFETY: threads write disjoint blocks of buffers that outlive the parallel call.
unsafe impl Send for Ptr {}
// SAFETY: as above.
unsafe impl Sync for Ptr {}

/// Runs `task(first_block, last_block)` over block ranges, in parallel when large.
fn for_block_ranges(
    n: usize,
    block: usize,
    task: &(dyn Fn(usize, usize) -> Result<()> + Sync),
) -> Result<()> {
    let blocks = n.div_ceil(block);
    if n < PARALLEL_THRESHOLD {
        return task(0, blocks);
    }
    // A few tasks per thread so uneven cores still finish together.
    let tasks = (num_threads() * 4).min(blocks).max(1);
    let per = blocks.div_ceil(tasks);
    let tasks = blocks.div_ceil(per);
    let err: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
    run_parallel(tasks, &|t| {
        let (a, b) = (t * per, ((t + 1) * per).min(blocks));
        if let Err(e) = task(a, b) {
            *err.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        }
    });
    match err.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// The general interpreter: every step runs its own primitive on block arrays.
// ---------------------------------------------------------------------------------------

fn run_generic(
    c: &Compiled,
    ctx: &KernelCtx<'_>,
    inputs: &[InputView],
    outs: &[ArrayData],
    n: usize,
) -> Result<()> {
    let shape = ctx.output(0).shape().to_vec();
    let prims: Vec<_> = c.steps.iter().map(|s| s.op.primitive()).collect();
    // Last step reading each step's value (donation), and whether it is an output.
    let mut last_use = vec![usize::MAX; c.steps.len()];
    for (j, s) in c.steps.iter().enumerate() {
        for a in &s.args {
            if let Operand::Step(k) = *a {
                last_use[k] = j;
            }
        }
    }
    let mut is_out = vec![false; c.steps.len()];
    for &k in &c.outputs {
        is_out[k] = true;
    }
    let out_ptrs: Vec<Ptr> = outs.iter().map(|o| Ptr(o.ptr_mut::<u8>())).collect();
    let device = ctx.device;
    let block_task = |b: usize| -> Result<()> {
        let start = b * GENERIC_BLOCK;
        let len = GENERIC_BLOCK.min(n - start);
        let bshape = [len as i32];
        let loaded: Vec<Array> = inputs
            .iter()
            .map(|v| load_block(v, &shape, start, len, device))
            .collect::<Result<_>>()?;
        let mut values: Vec<Option<Array>> = vec![None; c.steps.len()];
        for (j, step) in c.steps.iter().enumerate() {
            let args: Vec<Array> = step
                .args
                .iter()
                .map(|a| match *a {
                    Operand::Input(i) => Ok(loaded[i].clone()),
                    Operand::Step(k) => values[k]
                        .clone()
                        .ok_or_else(|| Error::Runtime("[Compiled] Step order.".into())),
                })
                .collect::<Result<_>>()?;
            if step.op == StepOp::Broadcast {
                // Operands are loaded at the output shape already.
                values[j] = Some(args[0].clone());
                continue;
            }
            let mut donatable = 0u64;
            for (ai, a) in step.args.iter().enumerate() {
                if let Operand::Step(k) = *a {
                    let once = step.args.iter().filter(|x| **x == *a).count() == 1;
                    if once && last_use[k] == j && !is_out[k] && ai < 64 {
                        donatable |= 1 << ai;
                    }
                }
            }
            // Values donated here are dropped from the table so the kernel owns them.
            for a in &step.args {
                if let Operand::Step(k) = *a {
                    if last_use[k] == j && !is_out[k] {
                        values[k] = None;
                    }
                }
            }
            let out = [Array::placeholder(bshape.to_vec(), step.dtype, 0)];
            let kctx = KernelCtx {
                inputs: &args,
                outputs: &out,
                donatable,
                device,
            };
            let mut res = prims[j].eval_cpu(&kctx)?;
            drop(args);
            let data = res
                .pop()
                .ok_or_else(|| Error::Runtime("[Compiled] No output.".into()))?;
            values[j] = Some(Array::from_data(bshape.to_vec(), step.dtype, data));
        }
        for (k, &j) in c.outputs.iter().enumerate() {
            let v = values[j]
                .as_ref()
                .and_then(|a| a.data())
                .ok_or_else(|| Error::Runtime("[Compiled] Missing output.".into()))?;
            let elem = c.steps[j].dtype.size();
            // SAFETY: output `k` is a fresh row-major buffer of `n` elements of this size;
            // this block writes its own slots `[start, start + len)` only.
            unsafe {
                let dst = out_ptrs[k].0.add(start * elem);
                gather_bytes(v, &bshape, elem, 0, len, dst);
            }
        }
        Ok(())
    };
    for_block_ranges(n, GENERIC_BLOCK, &|a, b| (a..b).try_for_each(&block_task))
}

/// Input block `[start, start + len)` as a 1-d array: a view when the layout allows.
fn load_block(
    v: &InputView,
    shape: &[i32],
    start: usize,
    len: usize,
    device: crate::device::Device,
) -> Result<Array> {
    let bshape = [len as i32];
    let data = match v.kind {
        Load::Dense => v.data.view(&bshape, vec![1], v.data.offset + start as i64),
        Load::Scalar => v.data.view(&bshape, vec![0], v.data.offset),
        Load::Strided => {
            let out = ArrayData::alloc(&bshape, v.dtype, device)?;
            // SAFETY: `out` is a fresh buffer of `len` elements of the input's size; the
            // view has the output's shape and `start + len <= n`.
            unsafe {
                gather_bytes(
                    &v.data,
                    shape,
                    v.dtype.size(),
                    start,
                    len,
                    out.ptr_mut::<u8>(),
                )
            };
            out
        }
    };
    Ok(Array::from_data(bshape.to_vec(), v.dtype, data))
}

// ---------------------------------------------------------------------------------------
// The float32 interpreter.
// ---------------------------------------------------------------------------------------

/// Where an f32 step reads from or writes to within a block.
#[derive(Clone, Copy)]
enum Slot {
    /// Input `i` read in place (dense) at the block's offset.
    Dense(usize),
    /// Input `i` gathered into scratch register `r`.
    Gathered(usize),
    /// One value everywhere (a broadcast scalar input).
    Splat(usize),
    /// Scratch register `r`.
    Reg(usize),
    /// Output `k` at the block's offset.
    Out(usize),
}

/// An f32 step with its operands and destination resolved.
struct F32Step {
    op: StepOp,
    args: [Slot; 2],
    dst: Slot,
}

/// The f32 program of a group, or `None` when some value or op is not float32.
struct F32Plan {
    steps: Vec<F32Step>,
    /// Input index → register for gathered inputs.
    gathers: Vec<(usize, usize)>,
    regs: usize,
    /// Tanh steps use `vmath::tanh_fma_f32` (FMA in hardware) instead of `vmath::tanh_f32`.
    fast_tanh: bool,
}

fn f32_unary_ok(op: UnaryOp) -> bool {
    use UnaryOp::*;
    !matches!(
        op,
        LogicalNot
            | BitwiseInvert
            | Real
            | Imag
            | Conjugate
            | IsNaN
            | IsInf
            | IsFinite
            | IsPosInf
            | IsNegInf
    )
}

fn f32_binary_ok(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(
        op,
        Add | Subtract
            | Multiply
            | Divide
            | Maximum
            | Minimum
            | Power
            | LogAddExp
            | ArcTan2
            | Remainder
            | FloorDivide
    )
}

impl F32Plan {
    fn new(c: &Compiled, ctx: &KernelCtx<'_>) -> Option<F32Plan> {
        if ctx.inputs.iter().any(|a| a.dtype() != Dtype::Float32) {
            return None;
        }
        for s in &c.steps {
            let ok = s.dtype == Dtype::Float32
                && match s.op {
                    StepOp::Unary(op) => f32_unary_ok(op),
                    StepOp::Binary(op) => f32_binary_ok(op),
                    StepOp::AsType | StepOp::Broadcast => true,
                    StepOp::Select => false,
                };
            if !ok {
                return None;
            }
        }
        let shape = ctx.output(0).shape();
        // Where each value lives: inputs first, then steps (aliases resolve through).
        let mut regs = 0usize;
        let mut free: Vec<usize> = Vec::new();
        let mut gathers = Vec::new();
        let input_slots: Vec<Slot> = (0..ctx.inputs.len())
            .map(|i| {
                let v = InputView::new(ctx, i, shape);
                match v.kind {
                    Load::Dense => Slot::Dense(i),
                    Load::Scalar => Slot::Splat(i),
                    Load::Strided => {
                        gathers.push((i, regs));
                        regs += 1;
                        Slot::Gathered(regs - 1)
                    }
                }
            })
            .collect();
        let mut last_use = vec![usize::MAX; c.steps.len()];
        for (j, s) in c.steps.iter().enumerate() {
            for a in &s.args {
                if let Operand::Step(k) = *a {
                    last_use[k] = j;
                }
            }
        }
        let mut out_of = vec![None; c.steps.len()];
        for (k, &j) in c.outputs.iter().enumerate() {
            out_of[j].get_or_insert(k);
        }
        let mut slots: Vec<Slot> = Vec::with_capacity(c.steps.len());
        let mut steps = Vec::new();
        for (j, s) in c.steps.iter().enumerate() {
            let resolve = |a: &Operand, slots: &Vec<Slot>| match *a {
                Operand::Input(i) => input_slots[i],
                Operand::Step(k) => slots[k],
            };
            let args: Vec<Slot> = s.args.iter().map(|a| resolve(a, &slots)).collect();
            let alias = matches!(s.op, StepOp::Broadcast | StepOp::AsType);
            let dst = match out_of[j] {
                Some(k) => Slot::Out(k),
                None if alias => args[0],
                None => Slot::Reg(free.pop().unwrap_or_else(|| {
                    regs += 1;
                    regs - 1
                })),
            };
            if !alias || matches!(dst, Slot::Out(_)) {
                steps.push(F32Step {
                    op: if alias { StepOp::AsType } else { s.op },
                    args: [args[0], *args.get(1).unwrap_or(&args[0])],
                    dst,
                });
            }
            slots.push(dst);
            // Registers whose value is read for the last time here become free (after the
            // destination is chosen, so a step never writes over its own operand). A
            // register an alias step handed on stays live through the alias.
            for a in &s.args {
                if let Operand::Step(k) = *a {
                    if last_use[k] == j {
                        if let Slot::Reg(r) = slots[k] {
                            let still_used = slots.iter().enumerate().any(|(m, sl)| {
                                matches!(sl, Slot::Reg(q) if *q == r)
                                    && m != k
                                    && last_use[m] != usize::MAX
                                    && last_use[m] > j
                            });
                            if !still_used && !free.contains(&r) {
                                free.push(r);
                            }
                        }
                    }
                }
            }
        }
        Some(F32Plan {
            steps,
            gathers,
            regs,
            fast_tanh: vmath::has_fma(),
        })
    }

    fn run(&self, inputs: &[InputView], outs: &[ArrayData], shape: &[i32], n: usize) -> Result<()> {
        let out_ptrs: Vec<Ptr> = outs.iter().map(|o| Ptr(o.ptr_mut::<u8>())).collect();
        let in_ptrs: Vec<Ptr> = inputs
            .iter()
            .map(|v| Ptr(v.data.ptr::<f32>() as *mut u8))
            .collect();
        let task = |first: usize, last: usize| -> Result<()> {
            let mut scratch = Scratch::filled(self.regs.max(1) * F32_BLOCK, 0.0f32)?;
            let sp = scratch.as_mut_ptr();
            for b in first..last {
                let start = b * F32_BLOCK;
                let len = F32_BLOCK.min(n - start);
                for &(i, r) in &self.gathers {
                    let v = &inputs[i];
                    // SAFETY: register `r` holds F32_BLOCK floats of the scratch; the view
                    // has the output's shape, of which `[start, start + len)` exists.
                    unsafe { gather::<f32>(&v.data, shape, start, len, sp.add(r * F32_BLOCK)) };
                }
                let src = |s: Slot| -> Src {
                    // SAFETY: in every arm, dense inputs and outputs have `n` row-major
                    // slots from their pointers; registers are in the scratch; a splat
                    // input has one readable element.
                    unsafe {
                        match s {
                            Slot::Dense(i) => Src::Slice((in_ptrs[i].0 as *const f32).add(start)),
                            Slot::Gathered(r) | Slot::Reg(r) => {
                                Src::Slice(sp.add(r * F32_BLOCK) as *const f32)
                            }
                            Slot::Splat(i) => Src::Splat(*(in_ptrs[i].0 as *const f32)),
                            Slot::Out(k) => Src::Slice((out_ptrs[k].0 as *const f32).add(start)),
                        }
                    }
                };
                for st in &self.steps {
                    // SAFETY: destinations are registers or this block's output slots, never
                    // an operand of the same step (see the plan's register allocation).
                    let dst: &mut [f32] = unsafe {
                        match st.dst {
                            Slot::Reg(r) => {
                                std::slice::from_raw_parts_mut(sp.add(r * F32_BLOCK), len)
                            }
                            Slot::Out(k) => std::slice::from_raw_parts_mut(
                                (out_ptrs[k].0 as *mut f32).add(start),
                                len,
                            ),
                            _ => return Err(Error::Runtime("[Compiled] Bad destination.".into())),
                        }
                    };
                    let (a, b) = (src(st.args[0]), src(st.args[1]));
                    // SAFETY: `a` and `b` point at `len` readable floats (or are splats).
                    unsafe { run_f32(st.op, a, b, dst, self.fast_tanh) };
                }
            }
            drop(scratch);
            Ok(())
        };
        for_block_ranges(n, F32_BLOCK, &task)
    }
}

/// An operand of an f32 step.
#[derive(Clone, Copy)]
enum Src {
    Slice(*const f32),
    Splat(f32),
}

/// Runs one f32 op over a block (`fast_tanh`: see `F32Plan`).
///
/// # Safety
/// Slice operands must point at `dst.len()` readable floats not overlapping `dst`.
unsafe fn run_f32(op: StepOp, a: Src, b: Src, dst: &mut [f32], fast_tanh: bool) {
    let len = dst.len();
    // SAFETY: the caller's contract.
    let slice = |s: *const f32| unsafe { std::slice::from_raw_parts(s, len) };
    macro_rules! un {
        ($f:expr) => {
            match a {
                Src::Slice(p) => map_slice(slice(p), dst, &$f),
                Src::Splat(x) => dst.fill(($f)(x)),
            }
        };
    }
    macro_rules! bin {
        ($f:expr) => {
            match (a, b) {
                (Src::Slice(p), Src::Slice(q)) => zip_slices(slice(p), slice(q), dst, &$f),
                (Src::Splat(x), Src::Slice(q)) => zip_scalar_a(x, slice(q), dst, &$f),
                (Src::Slice(p), Src::Splat(y)) => zip_scalar_b(slice(p), y, dst, &$f),
                (Src::Splat(x), Src::Splat(y)) => dst.fill(($f)(x, y)),
            }
        };
    }
    use BinaryOp as B;
    use UnaryOp as U;
    match op {
        StepOp::AsType | StepOp::Broadcast => un!(|x: f32| x),
        StepOp::Select => {}
        // The float32 element functions of `primitives::unary` (same functions, so the
        // same values as the unfused kernels), except tanh: see `vmath::tanh_fma_f32`.
        StepOp::Unary(u) => match u {
            U::Abs => un!(|x: f32| x.abs()),
            U::Negative => un!(|x: f32| -x),
            U::Sign => un!(|x: f32| (x > 0.0) as u8 as f32 - (x < 0.0) as u8 as f32),
            U::Square => un!(|x: f32| x * x),
            U::Floor => un!(|x: f32| x.floor()),
            U::Ceil => un!(|x: f32| x.ceil()),
            U::Round => un!(|x: f32| x.round_ties_even()),
            U::Sqrt => un!(|x: f32| x.sqrt()),
            U::Rsqrt => un!(|x: f32| 1.0 / x.sqrt()),
            U::Reciprocal => un!(|x: f32| 1.0 / x),
            U::Exp => un!(vmath::exp_f32),
            U::Expm1 => un!(vmath::expm1_f32),
            U::Log => un!(vmath::log_f32),
            U::Log2 => un!(vmath::log2_f32),
            U::Log10 => un!(vmath::log10_f32),
            U::Log1p => un!(vmath::log1p_f32),
            U::Sin => un!(vmath::sin_f32),
            U::Cos => un!(vmath::cos_f32),
            U::Tan => un!(f32::tan),
            U::ArcSin => un!(f32::asin),
            U::ArcCos => un!(f32::acos),
            U::ArcTan => un!(f32::atan),
            U::Sinh => un!(f32::sinh),
            U::Cosh => un!(f32::cosh),
            U::Tanh if fast_tanh => un!(vmath::tanh_fma_f32),
            U::Tanh => un!(vmath::tanh_f32),
            U::ArcSinh => un!(f32::asinh),
            U::ArcCosh => un!(f32::acosh),
            U::ArcTanh => un!(f32::atanh),
            U::Sigmoid => un!(vmath::sigmoid_f32),
            U::Erf => un!(vmath::erf_f32),
            U::ErfInv => un!(mlx_math::erfinv_f32),
            // Excluded by `f32_unary_ok`.
            _ => {}
        },
        StepOp::Binary(o) => match o {
            B::Add => bin!(<f32 as Arith>::add),
            B::Subtract => bin!(<f32 as Arith>::sub),
            B::Multiply => bin!(<f32 as Arith>::mul),
            B::Divide => bin!(<f32 as Inexact>::div),
            B::Maximum => bin!(<f32 as Arith>::max),
            B::Minimum => bin!(<f32 as Arith>::min),
            B::Power => bin!(<f32 as Arith>::pow),
            B::FloorDivide => bin!(<f32 as Arith>::floor_div),
            B::Remainder => bin!(<f32 as Rem>::rem),
            B::LogAddExp => bin!(<f32 as Inexact>::logaddexp),
            B::ArcTan2 => bin!(<f32 as Atan2>::atan2),
            // Excluded by `f32_binary_ok`.
            _ => {}
        },
    }
}

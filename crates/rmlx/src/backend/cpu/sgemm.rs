//! rmlx's own float32 GEMM for x86-64 CPUs with AVX-512 (the `gemm` crate runs the other
//! types and machines).
//!
//! Why our own: on the medium sizes of training steps (a 256-row batch by 512–1024 features)
//! the `gemm` crate reached under half of MKL's speed here, and matmuls are most of an MLP
//! step. This is the classic blocked scheme (Goto / BLIS): for each block of B columns
//! (`nc`) and of the inner dimension (`kc`) B is packed into `NR`-wide panels (kept in L1
//! while used), for each block of A rows (`mc`) A is packed into `MR`-tall panels (kept in
//! L2), and the register kernel (`sgemm_kernel`) multiplies panel pairs. Packing reads the
//! operands with any element strides, so transposed operands cost nothing extra. The block
//! sizes are balanced to the problem (784 splits into 4 × 196, not 3 × 256 + 16).
//!
//! Threads split the output into column ranges (or row ranges when it is narrow); each packs
//! its own panels. Packing buffers come from the memory manager; if one can't be had the
//! caller falls back to the `gemm` crate.

use super::sgemm_kernel::{kernel, kernel_rows, Update, MR, NR};
use crate::memory::{cpu_allocator, Buffer};
use std::sync::OnceLock;

/// Upper bounds of the block sizes: `KC × NR` floats of B (32 KiB) stay in L1 while a
/// `MC × KC` block of A (168 KiB) stays in L2.
const KC: usize = 256;
const MC: usize = MR * 12;
const NC: usize = NR * 64;

/// Below this many multiply-adds the `gemm` crate's small-matrix kernels do better.
const MIN_FLOPS: usize = 1 << 15;

/// A read-only operand: its first element and (row, column) element strides.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operand {
    pub ptr: *const f32,
    pub rs: isize,
    pub cs: isize,
}

// SAFETY: an operand is only read, and `sgemm`'s contract keeps it alive and unchanged for
// the call, so its threads may share it.
unsafe impl Send for Operand {}
// SAFETY: as above.
unsafe impl Sync for Operand {}

/// Whether this machine can run the kernel (checked once).
pub(crate) fn available() -> bool {
    static AVX512: OnceLock<bool> = OnceLock::new();
    *AVX512.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512f")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}

/// Whether `sgemm` should take an `m × n × k` product.
pub(crate) fn suits(m: usize, n: usize, k: usize) -> bool {
    available() && m * n * k >= MIN_FLOPS && n >= 8
}

/// `dst := alpha * a @ b (+ beta * dst when upd.load)` for an `m × n` row-major-strided
/// destination (row stride `dst_rs`, unit column stride), on up to `threads` threads.
/// Returns false (having written nothing) when packing memory can't be had.
///
/// # Safety
/// `available()` must hold; `a` and `b` must address `m × k` and `k × n` readable elements
/// with their strides; `dst` must address the `m × n` block, initialised when `upd.load`,
/// and nothing else may touch it during the call; `m, n, k > 0`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn sgemm(
    (m, n, k): (usize, usize, usize),
    dst: *mut f32,
    dst_rs: isize,
    a: Operand,
    b: Operand,
    upd: Update,
    threads: usize,
) -> bool {
    let threads = threads.clamp(1, 64);
    // Split the output among threads: by columns when there are enough NR panels, else by
    // rows; each part is a whole number of panels.
    let col_panels = n.div_ceil(NR);
    let row_panels = m.div_ceil(MR);
    let parts = if threads > 1 && m * n * k >= 1 << 20 {
        threads
    } else {
        1
    };
    let by_cols = col_panels >= 2 * parts || col_panels >= row_panels;
    let panels = if by_cols { col_panels } else { row_panels };
    let parts = parts.min(panels);
    let mut bufs = Vec::with_capacity(parts);
    for _ in 0..parts {
        match Packing::new(m, n, k) {
            Some(p) => bufs.push(p),
            None => return false,
        }
    }
    let d_ptr = DstPtr(dst);
    let run = |part: usize, pack: &mut Packing| {
        let lo = panels * part / parts;
        let hi = panels * (part + 1) / parts;
        let dst = d_ptr.get();
        if by_cols {
            let (j0, j1) = (lo * NR, (hi * NR).min(n));
            let b = Operand {
                ptr: b.ptr.wrapping_offset(j0 as isize * b.cs),
                ..b
            };
            // SAFETY: columns j0..j1 of B and of the destination; this part's own columns.
            unsafe { single((m, j1 - j0, k), dst.add(j0), dst_rs, a, b, upd, pack) }
        } else {
            let (i0, i1) = (lo * MR, (hi * MR).min(m));
            let a = Operand {
                ptr: a.ptr.wrapping_offset(i0 as isize * a.rs),
                ..a
            };
            // SAFETY: rows i0..i1 of A and of the destination; this part's own rows.
            unsafe {
                single(
                    (i1 - i0, n, k),
                    dst.offset(i0 as isize * dst_rs),
                    dst_rs,
                    a,
                    b,
                    upd,
                    pack,
                )
            }
        }
    };
    if parts == 1 {
        run(0, &mut bufs[0]);
    } else {
        // One lock per part: each is taken once, by the thread running that part.
        let bufs: Vec<std::sync::Mutex<Packing>> =
            bufs.into_iter().map(std::sync::Mutex::new).collect();
        super::threads::run_parallel(parts, &|part| {
            let mut pack = bufs[part].lock().unwrap_or_else(|p| p.into_inner());
            run(part, &mut pack)
        });
    }
    true
}

/// The destination, shared by the threads, each writing only its own part.
#[derive(Clone, Copy)]
struct DstPtr(*mut f32);
// SAFETY: the parts are disjoint blocks of the destination (see `sgemm`).
unsafe impl Send for DstPtr {}
// SAFETY: as above.
unsafe impl Sync for DstPtr {}
impl DstPtr {
    // A method (not `.0`) so closures capture the whole `Send` wrapper.
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// One thread's packing buffers (from the memory manager; no initialisation needed: packing
/// writes every slot the kernel reads).
struct Packing {
    a: Buffer,
    b: Buffer,
}

// SAFETY: the buffers are plain memory owned by this value; one thread uses it at a time.
unsafe impl Send for Packing {}

impl Packing {
    /// Buffers for any part of an `m × n × k` product (the block sizes never exceed these).
    fn new(m: usize, n: usize, k: usize) -> Option<Packing> {
        let kc = KC.min(k);
        let mc = MC.min(m.div_ceil(MR) * MR);
        let nc = NC.min(n.div_ceil(NR) * NR);
        let alloc = |floats: usize| cpu_allocator().malloc(floats * 4).ok();
        Some(Packing {
            a: alloc(mc * kc)?,
            b: alloc(nc * kc)?,
        })
    }
}

/// `total` split into equal blocks of at most `max` (rounded up to `unit`): the block size.
fn balanced(total: usize, max: usize, unit: usize) -> usize {
    let blocks = total.div_ceil(max);
    total.div_ceil(blocks).div_ceil(unit) * unit
}

/// The single-threaded blocked product (see the module comment).
///
/// # Safety
/// As `sgemm`, for this part's block; `pack` sized by `Packing::new` for the whole product.
unsafe fn single(
    (m, n, k): (usize, usize, usize),
    dst: *mut f32,
    dst_rs: isize,
    a: Operand,
    b: Operand,
    upd: Update,
    pack: &mut Packing,
) {
    let kc_max = balanced(k, KC, 1);
    let mc_max = balanced(m, MC, MR);
    let nc_max = balanced(n, NC, NR);
    let ap = pack.a.as_ptr() as *mut f32;
    let bp = pack.b.as_ptr() as *mut f32;
    for jc in (0..n).step_by(nc_max) {
        let nc = nc_max.min(n - jc);
        for pc in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - pc);
            // After the first k block the partial products accumulate into the destination.
            let upd = if pc == 0 {
                upd
            } else {
                Update {
                    beta: 1.0,
                    load: true,
                    ..upd
                }
            };
            // SAFETY: rows pc..pc+kc, columns jc..jc+nc of B; the buffer holds
            // nc_max.div_ceil(NR) panels of KC × NR.
            unsafe { pack_b(b, pc, jc, kc, nc, bp) };
            for ic in (0..m).step_by(mc_max) {
                let mc = mc_max.min(m - ic);
                // A row-major A is read in place by full panels; only its last, partial
                // panel (or a strided A) is packed.
                let direct = if a.cs == 1 { mc / MR * MR } else { 0 };
                if direct < mc {
                    // SAFETY: rows ic+direct..ic+mc, columns pc..pc+kc of A; the buffer holds
                    // mc_max / MR panels of MR × KC.
                    unsafe { pack_a(a, ic + direct, pc, mc - direct, kc, ap) };
                }
                for jr in (0..nc).step_by(NR) {
                    let nr = NR.min(nc - jr);
                    // SAFETY: panel (jr / NR) of B was packed with kc steps.
                    let bq = unsafe { bp.add(jr * kc) };
                    for ir in (0..mc).step_by(MR) {
                        let mr = MR.min(mc - ir);
                        let out =
                            dst.wrapping_offset((ic + ir) as isize * dst_rs + (jc + jr) as isize);
                        if ir < direct {
                            let rows = a
                                .ptr
                                .wrapping_offset((ic + ir) as isize * a.rs + pc as isize);
                            // SAFETY: MR full rows ic+ir.. of A from column pc, kc long; the
                            // destination block of MR × nr lies inside the output.
                            unsafe { kernel_rows(kc, rows, a.rs, bq, out, dst_rs, nr, upd) }
                        } else {
                            // SAFETY: panel ((ir - direct) / MR) of A was packed with kc
                            // steps; the mr × nr destination block lies inside the output.
                            unsafe {
                                kernel(kc, ap.add((ir - direct) * kc), bq, out, dst_rs, mr, nr, upd)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Packs rows `i0..i0+mc`, columns `p0..p0+kc` of A into `MR`-row panels: panel `q` holds,
/// for each step p, the `MR` values of rows `i0 + q*MR ..` (zeros past `mc`), at
/// `out[q*MR*kc + p*MR + i]`.
///
/// # Safety
/// The block must lie inside A; `out` must hold `mc.div_ceil(MR) * MR * kc` floats.
unsafe fn pack_a(a: Operand, i0: usize, p0: usize, mc: usize, kc: usize, out: *mut f32) {
    for q in 0..mc.div_ceil(MR) {
        let panel = out.wrapping_add(q * MR * kc);
        let rows = MR.min(mc - q * MR);
        let src = a
            .ptr
            .wrapping_offset((i0 + q * MR) as isize * a.rs + p0 as isize * a.cs);
        // Step-major: the panel is written in order while the rows are read as `rows`
        // sequential streams (or one, for a transposed A).
        for p in 0..kc {
            let dst = panel.wrapping_add(p * MR);
            let col = src.wrapping_offset(p as isize * a.cs);
            for i in 0..MR {
                let v = if i < rows {
                    // SAFETY: element (i0 + q*MR + i, p0 + p) of A, inside the block.
                    unsafe { *col.offset(i as isize * a.rs) }
                } else {
                    0.0
                };
                // SAFETY: slot p*MR + i of this panel.
                unsafe { *dst.add(i) = v };
            }
        }
    }
}

/// Packs rows `p0..p0+kc`, columns `j0..j0+nc` of B into `NR`-column panels: panel `q`
/// holds, for each step p, the `NR` values of columns `j0 + q*NR ..` (zeros past `nc`), at
/// `out[q*NR*kc + p*NR + j]`.
///
/// # Safety
/// The block must lie inside B; `out` must hold `nc.div_ceil(NR) * NR * kc` floats.
unsafe fn pack_b(b: Operand, p0: usize, j0: usize, kc: usize, nc: usize, out: *mut f32) {
    for q in 0..nc.div_ceil(NR) {
        let panel = out.wrapping_add(q * NR * kc);
        let width = NR.min(nc - q * NR);
        let col0 = j0 + q * NR;
        if b.cs == 1 {
            for p in 0..kc {
                let src = b
                    .ptr
                    .wrapping_offset((p0 + p) as isize * b.rs + col0 as isize);
                // SAFETY: `width` contiguous elements of B's row p0+p; slots p*NR.. of the
                // panel, then zero padding to NR.
                unsafe {
                    std::ptr::copy_nonoverlapping(src, panel.add(p * NR), width);
                    std::ptr::write_bytes(panel.add(p * NR + width), 0, NR - width);
                }
            }
        } else {
            for j in 0..NR {
                if j < width {
                    let src = b
                        .ptr
                        .wrapping_offset(p0 as isize * b.rs + (col0 + j) as isize * b.cs);
                    for p in 0..kc {
                        // SAFETY: element (p0+p, col0+j) of B; slot p*NR+j of the panel.
                        unsafe { *panel.add(p * NR + j) = *src.offset(p as isize * b.rs) };
                    }
                } else {
                    for p in 0..kc {
                        // SAFETY: slot p*NR+j of the panel (zero padding).
                        unsafe { *panel.add(p * NR + j) = 0.0 };
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// Every remainder of the blocking, both operand layouts, accumulation and threads,
    /// against a float64 triple loop.
    #[test]
    fn matches_a_reference_product() {
        if !available() {
            return;
        }
        let sizes = [
            (1, 33, 40),
            (14, 32, 256),
            (15, 33, 257),
            (29, 70, 513),
            (200, 100, 300),
            (300, 700, 64),
            (57, 9, 1000),
        ];
        for (case, &(m, n, k)) in sizes.iter().enumerate() {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for (load, threads) in [(false, 1), (true, 2), (false, 2)] {
                    let a = values(m * k, case as u64 * 7 + 1);
                    let b = values(k * n, case as u64 * 7 + 2);
                    let c0 = values(m * n, case as u64 * 7 + 3);
                    // Stored transposed: element (i, p) of A at p*m + i.
                    let (ars, acs) = if ta { (1, m as isize) } else { (k as isize, 1) };
                    let (brs, bcs) = if tb { (1, k as isize) } else { (n as isize, 1) };
                    let mut c = c0.clone();
                    let upd = Update {
                        alpha: 0.5,
                        beta: -2.0,
                        load,
                    };
                    // SAFETY: the vectors hold the m × k, k × n and m × n elements the strides
                    // address; `available()` was checked.
                    let ok = unsafe {
                        sgemm(
                            (m, n, k),
                            c.as_mut_ptr(),
                            n as isize,
                            Operand {
                                ptr: a.as_ptr(),
                                rs: ars,
                                cs: acs,
                            },
                            Operand {
                                ptr: b.as_ptr(),
                                rs: brs,
                                cs: bcs,
                            },
                            upd,
                            threads,
                        )
                    };
                    assert!(ok);
                    for i in 0..m {
                        for j in 0..n {
                            let mut acc = 0.0f64;
                            for p in 0..k {
                                let av = a[(i as isize * ars + p as isize * acs) as usize];
                                let bv = b[(p as isize * brs + j as isize * bcs) as usize];
                                acc += av as f64 * bv as f64;
                            }
                            let mut want = 0.5 * acc;
                            if load {
                                want += -2.0 * c0[i * n + j] as f64;
                            }
                            let got = c[i * n + j] as f64;
                            assert!(
                                (got - want).abs() <= 1e-4 * (1.0 + want.abs()) * (k as f64).sqrt(),
                                "{m}x{n}x{k} ta={ta} tb={tb} load={load} threads={threads} ({i},{j}): {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }
}

//! The transform sweep: every differentiable primitive's vjp, jvp and vmap rules checked in
//! float64 and float32, with per-family totals.
//!
//! - float64: the vjp against central finite differences of ⟨f(x), c⟩, and the jvp against
//!   the vjp (⟨jvp(t), c⟩ = ⟨t, vjp(c)⟩);
//! - float32, on non-contiguous copies of the inputs (a transposed view of a transposed
//!   copy, same values): the vjp against the float64 vjp within float32 tolerance, and the
//!   same jvp identity;
//! - vmap in both dtypes: a batch of three shifted variants of every input, stacked on the
//!   given axis, against `f` of each variant in a loop.
//!
//! A [`Sweep`] collects failures instead of stopping at the first one, prints one line per
//! dtype (`SWEEP <family> <dtype> vjp a/b jvp c/d vmap e/f`), appends the same line to the
//! file named by `RMLX_SWEEP_TOTALS` when that is set (`tools/sweep_totals.py` runs every
//! sweep and tabulates them), and panics in [`Sweep::finish`] if anything failed.

use rmlx::transforms::{jvp, vjp, vmap};
use rmlx::{ops, Array, Dtype, Result};
use std::collections::BTreeMap;
use std::io::Write;

/// A function under test: inputs to outputs; the checks use the first output.
pub type Fun = dyn Fn(&[Array]) -> Result<Vec<Array>>;

/// Deterministic values in [lo, hi) (a small LCG; no dependency needed).
pub fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// A float64 array of deterministic values in [lo, hi).
pub fn arr(shape: &[i32], seed: u64, lo: f64, hi: f64) -> Array {
    let n = shape.iter().product::<i32>() as usize;
    Array::from_slice(&values(n, seed, lo, hi), shape).unwrap()
}

/// The values of `a` as float64 (complex arrays: their real parts).
pub fn to_f64(a: &Array) -> Vec<f64> {
    ops::astype(a, Dtype::Float64)
        .unwrap()
        .to_vec::<f64>()
        .unwrap()
}

/// ⟨a, b⟩ in float64.
pub fn dot(a: &Array, b: &Array) -> f64 {
    to_f64(a).iter().zip(to_f64(b)).map(|(x, y)| x * y).sum()
}

fn is_float(x: &Array) -> bool {
    matches!(
        x.dtype(),
        Dtype::Float16 | Dtype::Bfloat16 | Dtype::Float32 | Dtype::Float64
    )
}

/// `x` in `dtype` (float inputs only) as a non-contiguous view with the same values.
fn strided_copy(x: &Array, dtype: Dtype) -> Result<Array> {
    if !is_float(x) {
        return Ok(x.clone());
    }
    let x = ops::astype(x, dtype)?;
    if x.ndim() < 2 {
        return Ok(x);
    }
    let t = ops::contiguous(&ops::transpose(&x)?, false)?;
    ops::transpose(&t)
}

/// One check's outcome: `Err` carries the failure text.
type Outcome = std::result::Result<(), String>;

/// The first output of `f` as a single-output function, for the transforms.
fn first(f: &Fun) -> impl Fn(&[Array]) -> Result<Vec<Array>> + '_ {
    move |x: &[Array]| Ok(vec![f(x)?.remove(0)])
}

/// Random tangents shaped and typed like the float inputs (zeros for the others).
fn tangents(inputs: &[Array]) -> Result<Vec<Array>> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if is_float(x) {
                ops::astype(&arr(x.shape(), 7 + i as u64, -1.0, 1.0), x.dtype())
            } else {
                ops::zeros_like(x)
            }
        })
        .collect()
}

/// The jvp identity ⟨jvp(t), c⟩ = ⟨t, vjp(c)⟩ given the vjp `g` for the cotangent `c`.
fn jvp_identity(f: &Fun, inputs: &[Array], c: &Array, g: &[Array], rtol: f64) -> Outcome {
    let t = tangents(inputs).map_err(|e| format!("tangents: {e}"))?;
    let (_, jt) = jvp(first(f), inputs, &t).map_err(|e| format!("jvp failed: {e}"))?;
    let lhs = dot(&jt[0], c);
    let rhs: f64 = t
        .iter()
        .zip(g)
        .zip(inputs)
        .filter(|(_, x)| is_float(x))
        .map(|((t, g), _)| dot(t, g))
        .sum();
    if (lhs - rhs).abs() <= rtol * (1.0 + lhs.abs().max(rhs.abs())) {
        Ok(())
    } else {
        Err(format!("<jvp(t), c> = {lhs} but <t, vjp(c)> = {rhs}"))
    }
}

/// The vjp of `f` at `inputs` for the cotangent `c` (cast to the output's dtype).
fn vjp_at(f: &Fun, inputs: &[Array], c: &Array) -> std::result::Result<Vec<Array>, String> {
    let out = f(inputs)
        .map_err(|e| format!("forward failed: {e}"))?
        .remove(0);
    let c = ops::astype(c, out.dtype()).map_err(|e| e.to_string())?;
    let (_, g) = vjp(first(f), inputs, &[c]).map_err(|e| format!("vjp failed: {e}"))?;
    for (i, (gi, x)) in g.iter().zip(inputs).enumerate() {
        if gi.shape() != x.shape() || (is_float(x) && gi.dtype() != x.dtype()) {
            return Err(format!(
                "cotangent {i} is {:?} {:?}, input is {:?} {:?}",
                gi.shape(),
                gi.dtype(),
                x.shape(),
                x.dtype()
            ));
        }
    }
    Ok(g)
}

/// The float64 checks: vjp against central finite differences, then the jvp identity.
/// Returns the outcomes and the vjp (for the float32 comparison).
fn check_f64(
    f: &Fun,
    inputs: &[Array],
    c: &Array,
    eps: f64,
    rtol: f64,
) -> (Outcome, Outcome, Option<Vec<Array>>) {
    let g = match vjp_at(f, inputs, c) {
        Ok(g) => g,
        Err(e) => return (Err(e.clone()), Err(e), None),
    };
    let fd_check = || -> Outcome {
        for (i, x) in inputs.iter().enumerate().filter(|(_, x)| is_float(x)) {
            let xs = to_f64(x);
            let gi = to_f64(&g[i]);
            for j in 0..xs.len() {
                let at = |delta: f64| -> std::result::Result<f64, String> {
                    let mut v = xs.clone();
                    v[j] += delta;
                    let mut args = inputs.to_vec();
                    args[i] = Array::from_slice(&v, x.shape()).map_err(|e| e.to_string())?;
                    let out = f(&args).map_err(|e| e.to_string())?.remove(0);
                    Ok(dot(&out, c))
                };
                let fd = (at(eps)? - at(-eps)?) / (2.0 * eps);
                if (fd - gi[j]).abs() > rtol * (1.0 + fd.abs()) {
                    return Err(format!(
                        "d/dx{i}[{j}]: vjp {} vs finite difference {fd}",
                        gi[j]
                    ));
                }
            }
        }
        Ok(())
    };
    let fd = fd_check();
    let jv = jvp_identity(f, inputs, c, &g, rtol * 1e-4 + 1e-9);
    (fd, jv, Some(g))
}

/// The float32 checks on non-contiguous inputs: the vjp against the float64 one, then the
/// jvp identity.
fn check_f32(f: &Fun, inputs: &[Array], c: &Array, g64: Option<&[Array]>) -> (Outcome, Outcome) {
    let xs = match inputs
        .iter()
        .map(|x| strided_copy(x, Dtype::Float32))
        .collect::<Result<Vec<_>>>()
    {
        Ok(xs) => xs,
        Err(e) => return (Err(e.to_string()), Err(e.to_string())),
    };
    let g = match vjp_at(f, &xs, c) {
        Ok(g) => g,
        Err(e) => return (Err(e.clone()), Err(e)),
    };
    let close = || -> Outcome {
        let g64 = g64.ok_or("no float64 vjp to compare with")?;
        for (i, _) in inputs.iter().enumerate().filter(|(_, x)| is_float(x)) {
            let (a, b) = (to_f64(&g[i]), to_f64(&g64[i]));
            let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (j, (a, b)) in a.iter().zip(&b).enumerate() {
                if (a - b).abs() > 2e-3 * (1.0 + b.abs()) + 1e-4 * scale {
                    return Err(format!("d/dx{i}[{j}]: float32 vjp {a} vs float64 {b}"));
                }
            }
        }
        Ok(())
    };
    let vj = close();
    let jv = jvp_identity(f, &xs, c, &g, 2e-3);
    (vj, jv)
}

/// `vmap(f)` against a loop over three shifted variants of the inputs, batched on `axis`.
fn check_vmap(f: &Fun, inputs: &[Array], axis: i32, dtype: Dtype) -> Outcome {
    let n = 3;
    let err = |e: rmlx::Error| e.to_string();
    let inputs = inputs
        .iter()
        .map(|x| strided_copy(x, dtype))
        .collect::<Result<Vec<_>>>()
        .map_err(err)?;
    let variant = |x: &Array, b: i32| -> Result<Array> {
        if !is_float(x) {
            return Ok(x.clone());
        }
        ops::add(x, &ops::scalar_like(0.1 * b as f64, x)?)
    };
    let batched = inputs
        .iter()
        .map(|x| {
            ops::stack(
                &(0..n).map(|b| variant(x, b)).collect::<Result<Vec<_>>>()?,
                axis,
            )
        })
        .collect::<Result<Vec<_>>>()
        .map_err(err)?;
    let axes = vec![Some(axis); inputs.len()];
    let got = vmap(first(f), &batched, &axes, &[0])
        .map_err(|e| format!("vmap failed: {e}"))?
        .remove(0);
    let rows = (0..n)
        .map(|b| {
            let args = inputs
                .iter()
                .map(|x| variant(x, b))
                .collect::<Result<Vec<_>>>()?;
            Ok(f(&args)?.remove(0))
        })
        .collect::<Result<Vec<_>>>()
        .map_err(err)?;
    let want = ops::stack(&rows, 0).map_err(err)?;
    if got.shape() != want.shape() {
        return Err(format!(
            "vmap shape {:?} vs loop {:?}",
            got.shape(),
            want.shape()
        ));
    }
    let tol = if dtype == Dtype::Float64 { 1e-12 } else { 1e-5 };
    for (i, (a, b)) in to_f64(&got).iter().zip(to_f64(&want)).enumerate() {
        if !((a - b).abs() <= tol * (1.0 + b.abs()) || (a.is_nan() && b.is_nan())) {
            return Err(format!("vmap[{i}] {a} vs loop {b}"));
        }
    }
    Ok(())
}

/// Passed/run counts of one (dtype, check) pair.
#[derive(Default)]
struct Count {
    passed: usize,
    run: usize,
}

/// A family's sweep: run checks, then [`Sweep::finish`].
pub struct Sweep {
    family: String,
    counts: BTreeMap<(&'static str, &'static str), Count>,
    failures: Vec<String>,
}

impl Sweep {
    pub fn new(family: &str) -> Self {
        Self {
            family: family.to_string(),
            counts: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    fn record(&mut self, dtype: &'static str, check: &'static str, name: &str, o: Outcome) {
        let c = self.counts.entry((dtype, check)).or_default();
        c.run += 1;
        match o {
            Ok(()) => c.passed += 1,
            Err(e) => self.failures.push(format!("{name} [{dtype} {check}]: {e}")),
        }
    }

    /// vjp and jvp of `f`'s first output at the (float64) `inputs`, in float64 and float32.
    pub fn grads(&mut self, name: &str, f: &Fun, inputs: &[Array]) {
        self.grads_with(name, f, inputs, 1e-6, 1e-5);
    }

    /// [`Sweep::grads`] of one function at several inputs, one named case each.
    pub fn grads_each(&mut self, f: &Fun, cases: &[(&str, &[Array])]) {
        for (name, inputs) in cases {
            self.grads(name, f, inputs);
        }
    }

    /// [`Sweep::grads`] with a finite-difference step and relative tolerance (for functions
    /// computed in float32 precision even on float64 inputs, as MLX's `erfinv`).
    pub fn grads_with(&mut self, name: &str, f: &Fun, inputs: &[Array], eps: f64, rtol: f64) {
        let c = match f(inputs) {
            Ok(mut out) => arr(out.remove(0).shape(), 99, -1.0, 1.0),
            Err(e) => {
                for (d, k) in [
                    ("f64", "vjp"),
                    ("f64", "jvp"),
                    ("f32", "vjp"),
                    ("f32", "jvp"),
                ] {
                    self.record(d, k, name, Err(format!("forward failed: {e}")));
                }
                return;
            }
        };
        let (fd, jv, g64) = check_f64(f, inputs, &c, eps, rtol);
        self.record("f64", "vjp", name, fd);
        self.record("f64", "jvp", name, jv);
        let (vj, jv) = check_f32(f, inputs, &c, g64.as_deref());
        self.record("f32", "vjp", name, vj);
        self.record("f32", "jvp", name, jv);
    }

    /// `vmap(f)` over `axis` of every input against a loop, in float64 and float32.
    pub fn vmap(&mut self, name: &str, f: &Fun, inputs: &[Array], axis: i32) {
        for (d, dtype) in [("f64", Dtype::Float64), ("f32", Dtype::Float32)] {
            let o = check_vmap(f, inputs, axis, dtype);
            self.record(d, "vmap", name, o);
        }
    }

    /// Prints (and, with `RMLX_SWEEP_TOTALS`, appends) the totals; panics on any failure.
    pub fn finish(self) {
        let mut lines = Vec::new();
        for dtype in ["f64", "f32"] {
            let mut line = format!("SWEEP {} {dtype}", self.family);
            for check in ["vjp", "jvp", "vmap"] {
                if let Some(c) = self.counts.get(&(dtype, check)) {
                    line.push_str(&format!(" {check} {}/{}", c.passed, c.run));
                }
            }
            lines.push(line);
        }
        for l in &lines {
            println!("{l}");
        }
        if let Ok(path) = std::env::var("RMLX_SWEEP_TOTALS") {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("RMLX_SWEEP_TOTALS file");
            writeln!(file, "{}", lines.join("\n")).expect("write sweep totals");
        }
        assert!(
            self.failures.is_empty(),
            "{} sweep: {} failure(s):\n{}",
            self.family,
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

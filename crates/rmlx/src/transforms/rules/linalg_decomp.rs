//! Rules of the dense linear algebra primitive (`Linalg`: Inverse, Cholesky, QRF, SVD,
//! Eigh, Eig, LUF, Solve, SolveTriangular), written with ops so they can be transformed
//! again.
//!
//! MLX 0.32 has no vjp/jvp for these primitives (only `det`/`slogdet` of small matrices are
//! differentiable there, by composition); rmlx gives them the standard matrix-calculus
//! rules. Conventions:
//! - Primitives that read one triangle (`tri_inv`, `cholesky`, `eigh`, `solve_triangular`)
//!   are differentiated as functions of the entries they read: the gradient is zero on the
//!   other triangle, so it matches finite differences of the kernel exactly.
//! - `svd` and `qr` need distinct nonzero singular values / a full-rank `R`. For a
//!   non-square `svd`, `U` and `Vᵀ` are full matrices whose columns beyond `min(m, n)` are
//!   not unique; their cotangents are ignored (the thin-SVD rule, as PyTorch does).
//! - `eig` (general eigendecomposition) has no rule (MLX neither): a NotImplemented error.
//! - `LUF` is differentiable for square matrices (through its packed `L\U` output); its
//!   integer outputs (pivots, permutation) carry no gradient.
//!
//! vmap: every primitive is already batched over its leading axes, so the batch axis moves
//! to the front and the op is applied again.

use super::batching::batch_first;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::linalg::LinalgKind;
use crate::primitives::{no_rule, VmapResult};

fn name(kind: LinalgKind) -> &'static str {
    match kind {
        LinalgKind::Inverse { .. } => "Inverse",
        LinalgKind::Cholesky { .. } => "Cholesky",
        LinalgKind::Qrf => "QRF",
        LinalgKind::Svd { .. } => "SVD",
        LinalgKind::Eigh { .. } => "Eigh",
        LinalgKind::Solve => "Solve",
        LinalgKind::SolveTriangular { .. } => "SolveTriangular",
        LinalgKind::Luf => "LUF",
        LinalgKind::Eig { .. } => "Eig",
    }
}

/// Applies the op of `kind` again to (batched) inputs.
pub(crate) fn apply(kind: LinalgKind, x: &[Array]) -> Result<Vec<Array>> {
    Ok(match kind {
        LinalgKind::Inverse { triangular: None } => vec![ops::inv(&x[0])?],
        LinalgKind::Inverse {
            triangular: Some(upper),
        } => vec![ops::tri_inv(&x[0], upper)?],
        LinalgKind::Cholesky { upper } => vec![ops::cholesky(&x[0], upper)?],
        LinalgKind::Qrf => {
            let (q, r) = ops::qr(&x[0])?;
            vec![q, r]
        }
        LinalgKind::Svd { compute_uv } => ops::svd(&x[0], compute_uv)?,
        LinalgKind::Eigh { upper, vectors } => {
            let uplo = if upper { "U" } else { "L" };
            if vectors {
                let (w, v) = ops::eigh(&x[0], uplo)?;
                vec![w, v]
            } else {
                vec![ops::eigvalsh(&x[0], uplo)?]
            }
        }
        LinalgKind::Eig { vectors } => {
            if vectors {
                let (w, v) = ops::eig(&x[0])?;
                vec![w, v]
            } else {
                vec![ops::eigvals(&x[0])?]
            }
        }
        LinalgKind::Luf => {
            let (lu, piv, perm) = ops::linalg_lu::luf(&x[0])?;
            vec![lu, piv, perm]
        }
        LinalgKind::Solve => vec![ops::solve(&x[0], &x[1])?],
        LinalgKind::SolveTriangular { upper } => vec![ops::solve_triangular(&x[0], &x[1], upper)?],
    })
}

pub(crate) fn vmap(
    kind: LinalgKind,
    x: &[Array],
    axes: &[Option<usize>],
    _outputs: &[Array],
) -> Result<VmapResult> {
    // Batch axes first; an unbatched operand (solves) gets a size-1 axis that broadcasts.
    let lifted = x
        .iter()
        .zip(axes)
        .map(|(x, ax)| match ax {
            Some(_) => batch_first(x, *ax),
            None => ops::expand_dims(x, &[0]),
        })
        .collect::<Result<Vec<_>>>()?;
    let outs = apply(kind, &lifted)?;
    let n = outs.len();
    Ok((outs, vec![Some(0); n]))
}

/// The error of a rule that does not cover this input (complex, non-square LU).
fn unsupported(kind: LinalgKind, transform: &str, what: &str) -> crate::Error {
    crate::Error::NotImplemented(format!(
        "[{}] The {transform} transform is not implemented for {what}.",
        name(kind)
    ))
}

/// The primitive's outputs for a rule. The transforms hand a dropped sibling output (one
/// the traced function did not keep) over as zeros; a rule that needs it recomputes all
/// outputs from the primals. Outputs still produced by this primitive are used as they are.
fn live_outputs(kind: LinalgKind, p: &[Array], o: &[Array]) -> Result<Vec<Array>> {
    let nm = name(kind);
    if o.len() == 1 || o.iter().all(|x| x.primitive_name().as_deref() == Some(nm)) {
        return Ok(o.to_vec());
    }
    apply(kind, p)
}

// --- small matrix helpers (batched over the leading axes) -------------------------------

fn t(x: &Array) -> Result<Array> {
    ops::swapaxes(x, -1, -2)
}

fn mm(a: &Array, b: &Array) -> Result<Array> {
    ops::matmul(a, b)
}

fn add(a: &Array, b: &Array) -> Result<Array> {
    ops::add(a, b)
}

fn sub(a: &Array, b: &Array) -> Result<Array> {
    ops::subtract(a, b)
}

fn neg(a: &Array) -> Result<Array> {
    ops::negative(a)
}

/// `X T⁻¹` for a triangular `T` (`upper` or lower).
fn right_tri_solve(x: &Array, tri: &Array, upper: bool) -> Result<Array> {
    // X T⁻¹ = (T⁻ᵀ Xᵀ)ᵀ, and Tᵀ is triangular the other way.
    t(&ops::solve_triangular(&t(tri)?, &t(x)?, !upper)?)
}

/// The triangle (diagonal included) a one-triangle primitive reads.
fn tri(x: &Array, upper: bool) -> Result<Array> {
    if upper {
        ops::triu(x, 0)
    } else {
        ops::tril(x, 0)
    }
}

/// The symmetric matrix a one-triangle primitive sees: `tril(X) + tril(X, -1)ᵀ` (or upper).
fn sym_from(x: &Array, upper: bool) -> Result<Array> {
    if upper {
        add(&ops::triu(x, 0)?, &t(&ops::triu(x, 1)?)?)
    } else {
        add(&ops::tril(x, 0)?, &t(&ops::tril(x, -1)?)?)
    }
}

/// Adjoint of [`sym_from`]: a gradient `g` with respect to the symmetric matrix folded onto
/// the triangle that was read.
fn fold_sym(g: &Array, upper: bool) -> Result<Array> {
    if upper {
        add(&ops::triu(g, 0)?, &ops::triu(&t(g)?, 1)?)
    } else {
        add(&ops::tril(g, 0)?, &ops::tril(&t(g)?, -1)?)
    }
}

/// `diag(v)` for the last axis of `v` (batched).
fn diag_embed(v: &Array) -> Result<Array> {
    let n = v.shape()[v.ndim() - 1];
    ops::multiply(&ops::expand_dims(v, &[-2])?, &ops::eye(n, n, 0, v.dtype())?)
}

/// The diagonal of the last two axes.
fn diag_of(x: &Array) -> Result<Array> {
    ops::diagonal(x, 0, -2, -1)
}

/// `F[i, j] = 1 / (d[j] - d[i])` off the diagonal, 0 on it (`d` on the last axis).
fn gap_inverse(d: &Array) -> Result<Array> {
    let n = d.shape()[d.ndim() - 1];
    let diff = sub(&ops::expand_dims(d, &[-2])?, &ops::expand_dims(d, &[-1])?)?;
    let on_diag = ops::astype(&ops::eye(n, n, 0, d.dtype())?, crate::dtype::Dtype::Bool)?;
    let one = super::k(1.0, d)?;
    let zero = super::k(0.0, d)?;
    let safe = ops::where_(&on_diag, &one, &diff)?;
    ops::where_(&on_diag, &zero, &ops::reciprocal(&safe)?)
}

fn last_two(x: &Array) -> (i32, i32) {
    (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1])
}

fn slice_last(x: &Array, axis: i32, start: i32, stop: i32) -> Result<Array> {
    ops::slice_axis(x, axis, ops::SliceArg::range(start, stop))
}

// --- rules ---------------------------------------------------------------------------------

pub(crate) fn vjp(
    kind: LinalgKind,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    if p[0].dtype().is_complex() {
        return Err(unsupported(kind, "vjp", "complex64 input"));
    }
    let a = &p[0];
    let o = &live_outputs(kind, p, o)?[..];
    let grads: Vec<Array> = match kind {
        LinalgKind::Inverse { triangular } => {
            // Ā = -Yᵀ C Yᵀ (restricted to the triangle read).
            let yt = t(&o[0])?;
            let g = neg(&mm(&mm(&yt, &c[0])?, &yt)?)?;
            vec![match triangular {
                Some(upper) => tri(&g, upper)?,
                None => g,
            }]
        }
        LinalgKind::Cholesky { upper } => vec![cholesky_vjp(&o[0], &c[0], upper)?],
        LinalgKind::Solve | LinalgKind::SolveTriangular { .. } => {
            let x = &o[0];
            let (gb, ga) = match kind {
                LinalgKind::SolveTriangular { upper } => {
                    let gb = ops::solve_triangular(&t(a)?, &c[0], !upper)?;
                    let ga = tri(&neg(&mm(&gb, &t(x)?)?)?, upper)?;
                    (gb, ga)
                }
                _ => {
                    let gb = ops::solve(&t(a)?, &c[0])?;
                    (gb.clone(), neg(&mm(&gb, &t(x)?)?)?)
                }
            };
            return argnums
                .iter()
                .map(|&i| super::cast_like(if i == 0 { &ga } else { &gb }, &p[i]))
                .collect();
        }
        LinalgKind::Qrf => vec![qr_vjp(&o[0], &o[1], &c[0], &c[1], a)?],
        LinalgKind::Svd { compute_uv } => vec![svd_vjp(a, c, o, compute_uv)?],
        LinalgKind::Eigh { upper, vectors } => vec![eigh_vjp(a, c, o, upper, vectors)?],
        LinalgKind::Luf => vec![lu_vjp(kind, a, &c[0], o)?],
        LinalgKind::Eig { .. } => return Err(no_rule(name(kind), "vjp")),
    };
    argnums
        .iter()
        .map(|&i| super::cast_like(&grads[i.min(grads.len() - 1)], &p[i]))
        .collect()
}

pub(crate) fn jvp(
    kind: LinalgKind,
    p: &[Array],
    tan: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    if p[0].dtype().is_complex() {
        return Err(unsupported(kind, "jvp", "complex64 input"));
    }
    let a = &p[0];
    let o = &live_outputs(kind, p, o)?[..];
    // The tangent of input `i`, or `None` when it is not differentiated.
    let tangent = |i: usize| argnums.iter().position(|&j| j == i).map(|k| &tan[k]);
    let zero_a;
    let da = match tangent(0) {
        Some(d) => d,
        None => {
            zero_a = ops::zeros_like(a)?;
            &zero_a
        }
    };
    match kind {
        LinalgKind::Inverse { triangular } => {
            let y = &o[0];
            let da = match triangular {
                Some(upper) => tri(da, upper)?,
                None => da.clone(),
            };
            Ok(vec![neg(&mm(&mm(y, &da)?, y)?)?])
        }
        LinalgKind::Cholesky { upper } => Ok(vec![cholesky_jvp(&o[0], da, upper)?]),
        LinalgKind::Solve | LinalgKind::SolveTriangular { .. } => {
            // dX = A⁻¹ (dB − dA X)
            let x = &o[0];
            let mut rhs = match tangent(1) {
                Some(db) => db.clone(),
                None => ops::zeros_like(x)?,
            };
            if tangent(0).is_some() {
                let da = match kind {
                    LinalgKind::SolveTriangular { upper } => tri(da, upper)?,
                    _ => da.clone(),
                };
                rhs = sub(&rhs, &mm(&da, x)?)?;
            }
            Ok(vec![match kind {
                LinalgKind::SolveTriangular { upper } => ops::solve_triangular(a, &rhs, upper)?,
                _ => ops::solve(a, &rhs)?,
            }])
        }
        LinalgKind::Qrf => {
            let (dq, dr) = qr_jvp(&o[0], &o[1], da)?;
            Ok(vec![dq, dr])
        }
        LinalgKind::Svd { compute_uv } => svd_jvp(a, da, o, compute_uv),
        LinalgKind::Eigh { upper, vectors } => eigh_jvp(a, da, o, upper, vectors),
        LinalgKind::Luf => lu_jvp(kind, da, o),
        LinalgKind::Eig { .. } => Err(no_rule(name(kind), "jvp")),
    }
}

// --- Cholesky ------------------------------------------------------------------------------

/// `Φ(X) = tril(X, -1) + ½ diag(X)`.
fn phi(x: &Array) -> Result<Array> {
    let half = ops::multiply(&diag_embed(&diag_of(x)?)?, &super::k(0.5, x)?)?;
    add(&ops::tril(x, -1)?, &half)
}

/// Lower factor `L` of `A = L Lᵀ` read from the lower triangle: `dL = L Φ(L⁻¹ dS L⁻ᵀ)`,
/// `dS` the symmetric perturbation the kernel sees. `upper` works on transposes.
fn cholesky_jvp(out: &Array, da: &Array, upper: bool) -> Result<Array> {
    let (l, da) = if upper {
        (t(out)?, t(da)?)
    } else {
        (out.clone(), da.clone())
    };
    let ds = sym_from(&da, false)?;
    let z = ops::solve_triangular(&l, &ds, false)?; // L⁻¹ dS
    let x = ops::solve_triangular(&l, &t(&z)?, false)?; // L⁻¹ dS L⁻ᵀ (dS symmetric)
    let dl = mm(&l, &phi(&x)?)?;
    if upper {
        t(&dl)
    } else {
        Ok(dl)
    }
}

/// Adjoint of [`cholesky_jvp`]: `S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹` folded onto the lower triangle.
fn cholesky_vjp(out: &Array, c: &Array, upper: bool) -> Result<Array> {
    let (l, c) = if upper {
        (t(out)?, t(c)?)
    } else {
        (out.clone(), c.clone())
    };
    let p = phi(&mm(&t(&l)?, &c)?)?;
    let w = ops::solve_triangular(&t(&l)?, &p, true)?; // L⁻ᵀ P
    let s = right_tri_solve(&w, &l, false)?; // L⁻ᵀ P L⁻¹
    let g = fold_sym(&s, false)?;
    if upper {
        t(&g)
    } else {
        Ok(g)
    }
}

// --- QR -------------------------------------------------------------------------------------

/// `tril(M) + tril(M, -1)ᵀ`: the symmetric matrix with `M`'s lower triangle.
fn copyltu(m: &Array) -> Result<Array> {
    add(&ops::tril(m, 0)?, &t(&ops::tril(m, -1)?)?)
}

/// Reduced QR of a tall or square matrix (`R` square): `Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ`,
/// `M = R R̄ᵀ − Q̄ᵀ Q`.
fn qr_vjp_tall(q: &Array, r: &Array, gq: &Array, gr: &Array) -> Result<Array> {
    let m = sub(&mm(r, &t(gr)?)?, &mm(&t(gq)?, q)?)?;
    let b = add(gq, &mm(q, &copyltu(&m)?)?)?;
    // B R⁻ᵀ = (R⁻¹ Bᵀ)ᵀ
    t(&ops::solve_triangular(r, &t(&b)?, true)?)
}

fn qr_vjp(q: &Array, r: &Array, gq: &Array, gr: &Array, a: &Array) -> Result<Array> {
    let (m, n) = last_two(a);
    if m >= n {
        return qr_vjp_tall(q, r, gq, gr);
    }
    // Wide: A = [X | Y], R = [U | V] with X = Q U and Y = Q V.
    let u = slice_last(r, -1, 0, m)?;
    let gu = slice_last(gr, -1, 0, m)?;
    let gv = slice_last(gr, -1, m, n)?;
    let y = slice_last(a, -1, m, n)?;
    let gq2 = add(gq, &mm(&y, &t(&gv)?)?)?;
    let gx = qr_vjp_tall(q, &u, &gq2, &gu)?;
    let gy = mm(q, &gv)?;
    ops::concatenate(&[gx, gy], -1)
}

/// Tangents of a reduced QR with square `R`: `C = Qᵀ dA R⁻¹`, `Ω` its skew part,
/// `dR = (C − Ω) R`, `dQ = dA R⁻¹ − Q (C − Ω)`.
fn qr_jvp_tall(q: &Array, r: &Array, da: &Array) -> Result<(Array, Array)> {
    let dar = right_tri_solve(da, r, true)?;
    let c = mm(&t(q)?, &dar)?;
    let low = ops::tril(&c, -1)?;
    let upper_part = add(&ops::triu(&c, 0)?, &t(&low)?)?; // C − Ω
    let dr = mm(&upper_part, r)?;
    let dq = sub(&dar, &mm(q, &upper_part)?)?;
    Ok((dq, dr))
}

fn qr_jvp(q: &Array, r: &Array, da: &Array) -> Result<(Array, Array)> {
    let (m, n) = last_two(da);
    if m >= n {
        return qr_jvp_tall(q, r, da);
    }
    let u = slice_last(r, -1, 0, m)?;
    let v = slice_last(r, -1, m, n)?;
    let dx = slice_last(da, -1, 0, m)?;
    let dy = slice_last(da, -1, m, n)?;
    let (dq, du) = qr_jvp_tall(q, &u, &dx)?;
    let dv = mm(&t(q)?, &sub(&dy, &mm(&dq, &v)?)?)?;
    Ok((dq, ops::concatenate(&[du, dv], -1)?))
}

// --- SVD ------------------------------------------------------------------------------------

/// Thin factors `(Uₖ, s, Vₖ)` (`Vₖ` is `n × k`, not transposed) from the primitive's
/// outputs, or from a fresh SVD when only the singular values were computed.
fn thin_svd(a: &Array, o: &[Array], compute_uv: bool) -> Result<(Array, Array, Array)> {
    let full;
    let o = if compute_uv {
        o
    } else {
        full = ops::svd(a, true)?;
        &full[..]
    };
    let (m, n) = last_two(a);
    let k = m.min(n);
    let uk = slice_last(&o[0], -1, 0, k)?;
    let vk = t(&slice_last(&o[2], -2, 0, k)?)?;
    Ok((uk, o[1].clone(), vk))
}

/// `Ā = U [(F∘(UᵀŪ − ŪᵀU)) S + diag(S̄) + S (F∘(VᵀV̄ − V̄ᵀV))] Vᵀ
///      + (I − UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I − VVᵀ)`, `F[i, j] = 1/(s_j² − s_i²)`
/// (thin factors; cotangents of the extra columns of a full `U`/`Vᵀ` are ignored).
fn svd_vjp(a: &Array, c: &[Array], o: &[Array], compute_uv: bool) -> Result<Array> {
    let (u, s, v) = thin_svd(a, o, compute_uv)?;
    if !compute_uv {
        return mm(
            &ops::multiply(&u, &ops::expand_dims(&c[0], &[-2])?)?,
            &t(&v)?,
        );
    }
    let (m, n) = last_two(a);
    let k = m.min(n);
    let gu = slice_last(&c[0], -1, 0, k)?;
    let gv = t(&slice_last(&c[2], -2, 0, k)?)?;
    let f = gap_inverse(&ops::square(&s)?)?;
    let srow = ops::expand_dims(&s, &[-2])?; // X · S scales columns
    let scol = ops::expand_dims(&s, &[-1])?; // S · X scales rows
    let utgu = mm(&t(&u)?, &gu)?;
    let vtgv = mm(&t(&v)?, &gv)?;
    let ju = ops::multiply(&f, &sub(&utgu, &t(&utgu)?)?)?;
    let jv = ops::multiply(&f, &sub(&vtgv, &t(&vtgv)?)?)?;
    let inner = add(
        &add(&ops::multiply(&ju, &srow)?, &diag_embed(&c[1])?)?,
        &ops::multiply(&scol, &jv)?,
    )?;
    let mut g = mm(&mm(&u, &inner)?, &t(&v)?)?;
    let sinv_row = ops::reciprocal(&srow)?;
    if m > k {
        // (I − UUᵀ) Ū S⁻¹ Vᵀ
        let proj = sub(&gu, &mm(&u, &utgu)?)?;
        g = add(&g, &mm(&ops::multiply(&proj, &sinv_row)?, &t(&v)?)?)?;
    }
    if n > k {
        // U S⁻¹ V̄ᵀ (I − VVᵀ)
        let proj = sub(&gv, &mm(&v, &vtgv)?)?;
        g = add(&g, &mm(&ops::multiply(&u, &sinv_row)?, &t(&proj)?)?)?;
    }
    Ok(g)
}

/// Tangents `dU = U(F∘(dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹`, `dS = diag(dP)`,
/// `dV = V(F∘(S dP + dPᵀ S)) + (I − VVᵀ) dAᵀ U S⁻¹`, `dP = Uᵀ dA V`; the extra columns of a
/// full `U`/`Vᵀ` get zero tangents.
fn svd_jvp(a: &Array, da: &Array, o: &[Array], compute_uv: bool) -> Result<Vec<Array>> {
    let (u, s, v) = thin_svd(a, o, compute_uv)?;
    let dp = mm(&mm(&t(&u)?, da)?, &v)?;
    let ds = diag_of(&dp)?;
    if !compute_uv {
        return Ok(vec![ds]);
    }
    let (m, n) = last_two(a);
    let k = m.min(n);
    let f = gap_inverse(&ops::square(&s)?)?;
    let srow = ops::expand_dims(&s, &[-2])?;
    let scol = ops::expand_dims(&s, &[-1])?;
    let dps = ops::multiply(&dp, &srow)?; // dP S
    let sdp = ops::multiply(&scol, &dp)?; // S dP
    let mut du = mm(&u, &ops::multiply(&f, &add(&dps, &t(&dps)?)?)?)?;
    let mut dv = mm(&v, &ops::multiply(&f, &add(&sdp, &t(&sdp)?)?)?)?;
    let sinv_row = ops::reciprocal(&srow)?;
    if m > k {
        let dav = mm(da, &v)?;
        let proj = sub(&dav, &mm(&u, &mm(&t(&u)?, &dav)?)?)?;
        du = add(&du, &ops::multiply(&proj, &sinv_row)?)?;
        let pad = ops::zeros(
            &[&a.shape()[..a.ndim() - 2], &[m, m - k]].concat(),
            a.dtype(),
        )?;
        du = ops::concatenate(&[du, pad], -1)?;
    }
    if n > k {
        let datu = mm(&t(da)?, &u)?;
        let proj = sub(&datu, &mm(&v, &mm(&t(&v)?, &datu)?)?)?;
        dv = add(&dv, &ops::multiply(&proj, &sinv_row)?)?;
        let pad = ops::zeros(
            &[&a.shape()[..a.ndim() - 2], &[n, n - k]].concat(),
            a.dtype(),
        )?;
        dv = ops::concatenate(&[dv, pad], -1)?;
    }
    Ok(vec![du, ds, t(&dv)?])
}

// --- Eigh -----------------------------------------------------------------------------------

/// `(w, V)` from the outputs, or from a fresh decomposition for `eigvalsh`.
fn eig_pair(a: &Array, o: &[Array], upper: bool, vectors: bool) -> Result<(Array, Array)> {
    if vectors {
        Ok((o[0].clone(), o[1].clone()))
    } else {
        ops::eigh(a, if upper { "U" } else { "L" })
    }
}

/// `G = V (diag(w̄) + F∘(VᵀV̄)) Vᵀ`, `F[i, j] = 1/(w_j − w_i)`, folded onto the triangle read.
fn eigh_vjp(a: &Array, c: &[Array], o: &[Array], upper: bool, vectors: bool) -> Result<Array> {
    let (w, v) = eig_pair(a, o, upper, vectors)?;
    let mut inner = diag_embed(&c[0])?;
    if vectors {
        let f = gap_inverse(&w)?;
        inner = add(&inner, &ops::multiply(&f, &mm(&t(&v)?, &c[1])?)?)?;
    }
    let g = mm(&mm(&v, &inner)?, &t(&v)?)?;
    fold_sym(&g, upper)
}

/// `P = Vᵀ dS V`: `dw = diag(P)`, `dV = V (F∘P)`.
fn eigh_jvp(a: &Array, da: &Array, o: &[Array], upper: bool, vectors: bool) -> Result<Vec<Array>> {
    let (w, v) = eig_pair(a, o, upper, vectors)?;
    let ds = sym_from(da, upper)?;
    let p = mm(&mm(&t(&v)?, &ds)?, &v)?;
    let dw = diag_of(&p)?;
    if !vectors {
        return Ok(vec![dw]);
    }
    let dv = mm(&v, &ops::multiply(&gap_inverse(&w)?, &p)?)?;
    Ok(vec![dw, dv])
}

// --- LU -------------------------------------------------------------------------------------

/// `(L, U, rows)` of a square packed factorization, `rows` indices (broadcast to the matrix
/// shape) that gather `P A` (`(L U)[j] = A[rows[j]]`).
fn lu_parts(o: &[Array]) -> Result<(Array, Array, Array, Array)> {
    let packed = &o[0];
    let n = packed.shape()[packed.ndim() - 1];
    let l = add(&ops::tril(packed, -1)?, &ops::eye(n, n, 0, packed.dtype())?)?;
    let u = ops::triu(packed, 0)?;
    // `perm` (output 2): A[i] = (L U)[perm[i]]; its inverse permutation gathers rows of A.
    let perm = ops::stop_gradient(&o[2])?;
    let rows = ops::argsort(&perm, Some(-1))?;
    let shape = packed.shape().to_vec();
    let rows = ops::broadcast_to(&ops::expand_dims(&rows, &[-1])?, &shape)?;
    let perm = ops::broadcast_to(&ops::expand_dims(&perm, &[-1])?, &shape)?;
    Ok((l, u, rows, perm))
}

fn check_square_lu(kind: LinalgKind, a: &Array, transform: &str) -> Result<()> {
    let (m, n) = last_two(a);
    if m != n {
        return Err(unsupported(kind, transform, "non-square matrices"));
    }
    Ok(())
}

/// `F = L⁻¹ (P dA) U⁻¹`; `d(L\U) = L tril(F, -1) + triu(F) U`. Pivots and permutation have
/// zero tangents.
fn lu_jvp(kind: LinalgKind, da: &Array, o: &[Array]) -> Result<Vec<Array>> {
    check_square_lu(kind, &o[0], "jvp")?;
    let (l, u, rows, _) = lu_parts(o)?;
    let pda = ops::take_along_axis(da, &rows, Some(-2))?;
    let f = right_tri_solve(&ops::solve_triangular(&l, &pda, false)?, &u, true)?;
    let d = add(&mm(&l, &ops::tril(&f, -1)?)?, &mm(&ops::triu(&f, 0)?, &u)?)?;
    Ok(vec![d, ops::zeros_like(&o[1])?, ops::zeros_like(&o[2])?])
}

/// Adjoint of [`lu_jvp`]: `Pᵀ L⁻ᵀ (tril(Lᵀ L̄, -1) + triu(Ū Uᵀ)) U⁻ᵀ` with `L̄`, `Ū` the
/// strictly lower and upper parts of the packed cotangent.
fn lu_vjp(kind: LinalgKind, a: &Array, c: &Array, o: &[Array]) -> Result<Array> {
    check_square_lu(kind, a, "vjp")?;
    let (l, u, _, perm) = lu_parts(o)?;
    let gl = ops::tril(c, -1)?;
    let gu = ops::triu(c, 0)?;
    let m = add(
        &ops::tril(&mm(&t(&l)?, &gl)?, -1)?,
        &ops::triu(&mm(&gu, &t(&u)?)?, 0)?,
    )?;
    let z = ops::solve_triangular(&t(&l)?, &m, true)?; // L⁻ᵀ M
    let g = t(&ops::solve_triangular(&u, &t(&z)?, true)?)?; // · U⁻ᵀ
                                                            // Ā[i] = G[perm[i]]
    ops::take_along_axis(&g, &perm, Some(-2))
}

//! LU factorization with partial pivoting (LAPACK `getrf` semantics) through faer.
//!
//! faer's partial-pivoting LU divides by a zero pivot (an exactly zero column below the
//! diagonal), which fills the trailing part with NaNs; LAPACK instead records the zero pivot
//! and carries on with the next column. MLX returns LAPACK's factors (and computes `det`
//! from them), so a zero pivot is handled here: the columns before it are refactored alone
//! (faer again), applied to the rest of the matrix, the zero column is skipped, and the
//! factorization restarts on the trailing block. Matrices without exact zero pivots take a
//! single faer call.

use super::linalg::LaFloat;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::factor::{lu_in_place, lu_in_place_scratch};
use faer::linalg::matmul::matmul;
use faer::linalg::triangular_solve::solve_unit_lower_triangular_in_place;
use faer::{Accum, Mat, MatMut, MatRef, Par};

/// An LU factorization `P A = L U` of one `m × n` matrix.
pub(crate) struct Lu<T> {
    /// `L` (unit diagonal, not stored) and `U` packed in one `m × n` matrix.
    pub packed: Mat<T>,
    /// `rows[i]`: the row of `A` that ends up in row `i` of `L U`.
    pub rows: Vec<usize>,
}

impl<T: LaFloat> Lu<T> {
    /// LAPACK's pivot indices (0-based): at step `i`, row `i` was swapped with `ipiv[i]`.
    pub fn pivots(&self) -> Vec<usize> {
        let k = self.packed.nrows().min(self.packed.ncols());
        // Replays the swaps: bring `rows[i]` to position `i`, one step at a time. The swap
        // sequence of a partial-pivoting LU is determined by its final permutation.
        let m = self.rows.len();
        let mut at: Vec<usize> = (0..m).collect(); // at[pos] = original row
        let mut pos: Vec<usize> = (0..m).collect(); // pos[row] = position
        let mut ipiv = Vec::with_capacity(k);
        for i in 0..k {
            let j = pos[self.rows[i]];
            ipiv.push(j);
            let (ri, rj) = (at[i], at[j]);
            at.swap(i, j);
            pos[ri] = j;
            pos[rj] = i;
        }
        ipiv
    }

    /// MLX's permutation output of `lu`: `A[i] = (L U)[perm[i]]`.
    pub fn perm(&self) -> Vec<usize> {
        let mut inv = vec![0; self.rows.len()];
        for (i, &r) in self.rows.iter().enumerate() {
            inv[r] = i;
        }
        inv
    }
}

/// Factors `a` in place with faer; returns the row permutation (`fwd[i]`: original local row
/// now at `i`).
fn faer_lu<T: LaFloat>(a: MatMut<'_, T>, par: Par) -> Vec<usize> {
    let (m, n) = (a.nrows(), a.ncols());
    let mut fwd = vec![0usize; m];
    let mut bwd = vec![0usize; m];
    let mut mem = MemBuffer::new(lu_in_place_scratch::<usize, T>(
        m,
        n,
        par,
        Default::default(),
    ));
    lu_in_place(
        a,
        &mut fwd,
        &mut bwd,
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    fwd
}

/// Applies the local row permutation `fwd` to rows `r0..` of `w` in the columns `cols`, and
/// to the global row order `rows`.
fn permute_rows<T: LaFloat>(
    w: &mut Mat<T>,
    r0: usize,
    cols: impl Iterator<Item = usize>,
    fwd: &[usize],
    rows: &mut [usize],
) {
    let old: Vec<usize> = rows[r0..].to_vec();
    for (i, &f) in fwd.iter().enumerate() {
        rows[r0 + i] = old[f];
    }
    let mut col = Vec::with_capacity(fwd.len());
    for c in cols {
        col.clear();
        col.extend((0..fwd.len()).map(|i| w[(r0 + i, c)]));
        for (i, &f) in fwd.iter().enumerate() {
            w[(r0 + i, c)] = col[f];
        }
    }
}

/// First exactly zero pivot of a packed factorization.
fn zero_pivot<T: LaFloat>(lu: MatRef<'_, T>) -> Option<usize> {
    let zero = T::from_f64_impl(0.0);
    (0..lu.nrows().min(lu.ncols())).find(|&i| lu[(i, i)] == zero)
}

/// LU with partial pivoting of `a` (`m × n`, any shape), LAPACK's factors.
pub(crate) fn lu<T: LaFloat>(a: MatRef<'_, T>) -> Lu<T> {
    let (m, n) = (a.nrows(), a.ncols());
    let k = m.min(n);
    let par = faer::get_global_parallelism();
    let mut w = a.to_owned();
    let mut rows: Vec<usize> = (0..m).collect();
    let mut c0 = 0;
    while c0 < k {
        let (sm, sn) = (m - c0, n - c0);
        let mut trial = w.as_ref().submatrix(c0, c0, sm, sn).to_owned();
        let fwd = faer_lu(trial.as_mut(), par);
        let Some(t) = zero_pivot(trial.as_ref()) else {
            // No zero pivot: the trailing block is done.
            w.as_mut().submatrix_mut(c0, c0, sm, sn).copy_from(&trial);
            permute_rows(&mut w, c0, 0..c0, &fwd, &mut rows);
            break;
        };
        // Columns c0..c0+t have nonzero pivots: factor them alone, then update the rest.
        if t > 0 {
            let mut left = w.as_ref().submatrix(c0, c0, sm, t).to_owned();
            let lfwd = faer_lu(left.as_mut(), par);
            // The left factor is copied in below; the other columns follow its row swaps.
            permute_rows(&mut w, c0, (0..c0).chain(c0 + t..n), &lfwd, &mut rows);
            w.as_mut().submatrix_mut(c0, c0, sm, t).copy_from(&left);
            let (l11, l21) = (
                left.as_ref().submatrix(0, 0, t, t),
                left.as_ref().submatrix(t, 0, sm - t, t),
            );
            let right = w.as_mut().submatrix_mut(c0, c0 + t, sm, sn - t);
            let (mut top, mut bottom) = right.split_at_row_mut(t);
            solve_unit_lower_triangular_in_place(l11, top.as_mut(), par);
            matmul(
                bottom.as_mut(),
                Accum::Add,
                l21,
                top.as_ref(),
                T::from_f64_impl(-1.0),
                par,
            );
        }
        // Column c0 + t is zero from its diagonal down: LAPACK keeps it (no swap, no
        // scaling) and continues with the next column.
        c0 += t + 1;
    }
    Lu { packed: w, rows }
}

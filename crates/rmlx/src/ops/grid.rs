//! `meshgrid`: coordinate grids from coordinate arrays.

use crate::array::Array;
use crate::error::{bail, Result};

/// MLX's `meshgrid`: with `k` arrays, array `i` (flattened) is laid along axis `i` of a
/// `k`-D grid, the first two axes swapped for Cartesian (`"xy"`) indexing; `"ij"` is
/// matrix indexing. Dense grids broadcast every array to the full grid shape (views);
/// `sparse` grids keep size-1 axes.
pub fn meshgrid(arrays: &[Array], sparse: bool, indexing: &str) -> Result<Vec<Array>> {
    let xy = match indexing {
        "xy" => true,
        "ij" => false,
        _ => bail!("[meshgrid] Invalid indexing value. Valid values are 'xy' and 'ij'."),
    };
    let k = arrays.len();
    if k <= 1 {
        return arrays.iter().map(|a| super::reshape(a, &[-1])).collect();
    }
    let mut out = Vec::with_capacity(k);
    for (i, a) in arrays.iter().enumerate() {
        let mut shape = vec![1i32; k];
        let axis = match (xy, i) {
            (true, 0) => 1,
            (true, 1) => 0,
            _ => i,
        };
        shape[axis] = a.size() as i32;
        out.push(super::reshape(a, &shape)?);
    }
    if sparse {
        return Ok(out);
    }
    super::broadcast_arrays(&out)
}

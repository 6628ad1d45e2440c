//! Fusion of elementwise chains; filled by the fusion work.

use crate::array::Array;
use crate::error::Result;

/// Rewrites chains of elementwise nodes of the traced graph between `inputs` and `outputs`
/// into fused `Compiled…` nodes and returns the new outputs (the graph is unchanged here).
pub(crate) fn fuse(inputs: &[Array], outputs: &[Array]) -> Result<Vec<Array>> {
    let _ = inputs;
    Ok(outputs.to_vec())
}

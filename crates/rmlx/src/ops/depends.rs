//! `depends`: ordering constraints in the graph.

use super::op_stream;
use crate::array::Array;
use crate::error::Result;
use crate::primitives::depends::Depends;

/// Arrays equal to `inputs` (sharing their buffers) whose evaluation also evaluates every
/// array of `dependencies` first. No inputs give no outputs.
pub fn depends(inputs: &[Array], dependencies: &[Array]) -> Result<Vec<Array>> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    let s = op_stream("depends")?;
    let specs = inputs
        .iter()
        .map(|a| (a.shape().to_vec(), a.dtype()))
        .collect();
    let all = inputs.iter().chain(dependencies).cloned().collect();
    Ok(Array::multi_from_op(specs, s, Depends, all))
}

//! Replaying a tape on real inputs: ordinary lazy arrays, so evaluation and transforms of
//! the results work as for any graph.

use super::tape::{Slot, Tape};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::shape::{fmt_shape, Shape};

/// The tape's outputs for `inputs`. With `shapeless`, each node infers its output shapes
/// from its inputs' (the inputs may have other shapes than when traced).
pub(crate) fn replay(tape: &Tape, inputs: &[Array], shapeless: bool) -> Result<Vec<Array>> {
    if inputs.len() != tape.inputs.len() {
        return Err(Error::InvalidArgument(format!(
            "[compile] The compiled function expects {} inputs but got {}.",
            tape.inputs.len(),
            inputs.len()
        )));
    }
    let mut values: Vec<Vec<Array>> = Vec::with_capacity(tape.nodes.len());
    let get = |values: &Vec<Vec<Array>>, s: Slot| -> Array {
        match s {
            Slot::Input(i) => inputs[i].clone(),
            Slot::Const(i) => tape.constants[i].clone(),
            Slot::Node(i, j) => values[i][j].clone(),
        }
    };
    for node in &tape.nodes {
        let ins: Vec<Array> = node.inputs.iter().map(|&s| get(&values, s)).collect();
        let shapes: Vec<Shape> = if shapeless {
            let traced: Vec<Shape> = node.outputs.iter().map(|(s, _)| s.clone()).collect();
            let shapes = node.primitive.output_shapes(&ins, &traced)?;
            if shapes.len() != node.outputs.len() {
                return Err(Error::Runtime(format!(
                    "[compile] {} inferred {} output shapes for {} outputs.",
                    node.primitive.name(),
                    shapes.len(),
                    node.outputs.len()
                )));
            }
            shapes
        } else {
            node.outputs.iter().map(|(s, _)| s.clone()).collect()
        };
        if let Some(bad) = shapes.iter().find(|s| s.iter().any(|&d| d < 0)) {
            return Err(Error::InvalidArgument(format!(
                "[compile] {} inferred the invalid shape {}.",
                node.primitive.name(),
                fmt_shape(bad)
            )));
        }
        let outs = if node.multi {
            let specs = shapes
                .into_iter()
                .zip(&node.outputs)
                .map(|(s, (_, d))| (s, *d))
                .collect();
            Array::multi_from_shared_op(specs, node.stream, node.primitive.clone(), ins)
        } else {
            let shape = shapes.into_iter().next().unwrap_or_default();
            vec![Array::from_shared_op(
                shape,
                node.outputs[0].1,
                node.stream,
                node.primitive.clone(),
                ins,
            )]
        };
        values.push(outs);
    }
    Ok(tape.outputs.iter().map(|&s| get(&values, s)).collect())
}

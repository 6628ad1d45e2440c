//! `grad` and `value_and_grad`: reverse mode for scalar-valued functions.

use super::trace::{tracer_of, TraceGuard};
use super::vjp::backward;
use crate::array::Array;
use crate::error::{Error, Result};

/// The gradient of a scalar-valued function of one array.
///
/// ```
/// # use rmlx::{ops, transforms::grad, Array};
/// let df = grad(|x: &Array| ops::sum_all(&ops::square(x)?, false));
/// let g = df(&Array::from_slice(&[1.0f32, 2.0], &[2])?)?;
/// assert_eq!(g.to_vec::<f32>()?, vec![2.0, 4.0]);
/// # Ok::<(), rmlx::Error>(())
/// ```
pub fn grad<F>(f: F) -> impl Fn(&Array) -> Result<Array>
where
    F: Fn(&Array) -> Result<Array>,
{
    move |x: &Array| {
        let (_, mut g) = value_and_grad_impl(
            "grad",
            |a: &[Array]| Ok(vec![f(&a[0])?]),
            &[0],
            std::slice::from_ref(x),
        )?;
        Ok(g.remove(0))
    }
}

/// The gradients of a scalar-valued function of several arrays with respect to the
/// arguments `argnums` (in that order).
pub fn grad_n<F>(f: F, argnums: &[usize]) -> impl Fn(&[Array]) -> Result<Vec<Array>>
where
    F: Fn(&[Array]) -> Result<Array>,
{
    let argnums = argnums.to_vec();
    move |args: &[Array]| {
        value_and_grad_impl("grad", |a: &[Array]| Ok(vec![f(a)?]), &argnums, args).map(|(_, g)| g)
    }
}

/// The value of `f` and the gradient of its first output (a scalar: the loss) with respect
/// to the arguments `argnums`; the other outputs (auxiliary values) are returned, not
/// differentiated.
pub fn value_and_grad<F>(
    f: F,
    argnums: &[usize],
) -> impl Fn(&[Array]) -> Result<(Vec<Array>, Vec<Array>)>
where
    F: Fn(&[Array]) -> Result<Vec<Array>>,
{
    let argnums = argnums.to_vec();
    move |args: &[Array]| value_and_grad_impl("value_and_grad", &f, &argnums, args)
}

fn value_and_grad_impl<F>(
    name: &str,
    f: F,
    argnums: &[usize],
    args: &[Array],
) -> Result<(Vec<Array>, Vec<Array>)>
where
    F: Fn(&[Array]) -> Result<Vec<Array>>,
{
    if argnums.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "[{name}] Gradient wrt no argument requested"
        )));
    }
    for (k, &i) in argnums.iter().enumerate() {
        if i >= args.len() {
            return Err(Error::InvalidArgument(format!(
                "[{name}] Can't compute the gradient of argument index {i} because the function \
                 is called with only {} positional arguments.",
                args.len()
            )));
        }
        if argnums[..k].contains(&i) {
            return Err(Error::InvalidArgument(format!(
                "[{name}] Duplicate argument index {i} is not allowed."
            )));
        }
    }
    let _guard = TraceGuard::enter();
    let mut full = args.to_vec();
    let mut leaves = Vec::with_capacity(argnums.len());
    for &i in argnums {
        let leaf = tracer_of(&args[i])?;
        full[i] = leaf.clone();
        leaves.push(leaf);
    }
    let outputs = f(&full)?;
    let Some(loss) = outputs.first() else {
        return Err(Error::InvalidArgument(format!(
            "[{name}] The function whose gradient we want to compute returned no array."
        )));
    };
    // MLX seeds with a float32 1 cast to the loss's dtype; a non-scalar loss fails the
    // cotangent shape check, with MLX's message.
    let seed = Array::scalar(1.0f32);
    let grads = backward(&leaves, std::slice::from_ref(loss), &[seed])?;
    Ok((outputs, grads))
}

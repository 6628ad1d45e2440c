//! einsum and einsum_path against fixtures (tools/fixtures/einsum.py): values from NumPy,
//! dtypes, contraction paths, printed summaries and errors from the real MLX. Every value
//! case also runs on non-contiguous layouts of its inputs; the end of the file checks what
//! fixtures cannot: that contractions become matmuls (no outer-product intermediates) and
//! a larger chain against a loop-free reference.

mod common;

use common::{array, assert_matches, relayout, tolerance, LAYOUTS};
use rmlx::{ops, Array, Dtype};
use serde_json::Value;

fn inputs(case: &Value) -> Vec<Array> {
    case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(array)
        .collect()
}

/// "ValueError: message" → (type, message).
fn split_error(e: &str) -> (&str, &str) {
    e.split_once(": ").expect("type: message")
}

#[test]
fn einsum_values_paths_and_errors() {
    let cases = common::load("einsum");
    let (mut values, mut paths, mut errors) = (0, 0, 0);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let sub = case["kwargs"]["subscripts"].as_str().unwrap();
        let xs = inputs(case);
        if let Some(e) = case["error"].as_str() {
            let (ty, msg) = split_error(e);
            let err = if case["op"] == "einsum_path" {
                ops::einsum_path(sub, &xs).map(|_| ()).unwrap_err()
            } else {
                ops::einsum(sub, &xs).map(|_| ()).unwrap_err()
            };
            assert_eq!(err.python_exception(), ty, "{name}: {err}");
            assert_eq!(err.to_string(), msg, "{name}");
            errors += 1;
            continue;
        }
        let expected = &case["expected"];
        let out_dt = common::dtype(expected["dtype"].as_str().unwrap());
        // Sums of small integers: exact in every float dtype but bfloat16/float16 products.
        let (rtol, atol) = match out_dt {
            Dtype::Float32 => (1e-5, 1e-5),
            Dtype::Float64 => (1e-12, 1e-12),
            dt => tolerance(dt),
        };
        let got = ops::einsum(sub, &xs).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_matches(name, &got, expected, rtol, atol);
        values += 1;
        for layout in LAYOUTS {
            let ys: Vec<Array> = xs.iter().map(|x| relayout(x, layout)).collect();
            let got = ops::einsum(sub, &ys).unwrap_or_else(|e| panic!("{name} {layout}: {e}"));
            assert_matches(&format!("{name} ({layout})"), &got, expected, rtol, atol);
        }
        if let Some(want) = case["kwargs"].get("path") {
            let (path, text) = ops::einsum_path(sub, &xs).unwrap();
            let want: Vec<Vec<usize>> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    p.as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_u64().unwrap() as usize)
                        .collect()
                })
                .collect();
            assert_eq!(path, want, "{name}: path");
            assert_eq!(
                text,
                case["kwargs"]["text"].as_str().unwrap(),
                "{name}: text"
            );
            paths += 1;
        }
    }
    println!("einsum fixtures: {values} values (x4 layouts), {paths} paths, {errors} errors");
    assert!(values > 200 && paths > 40 && errors > 20);
}

/// An output letter no input has (MLX fails inside a transpose; rmlx names the letter).
#[test]
fn unknown_output_letter() {
    let a = Array::from_slice(&[1f32; 6], &[2, 3]).unwrap();
    let err = ops::einsum("ij->k", std::slice::from_ref(&a)).unwrap_err();
    assert_eq!(err.python_exception(), "ValueError");
    assert!(err.to_string().starts_with("[einsum] Output subscript 'k'"));
    // einsum_path only plans, as MLX's does.
    let (path, _) = ops::einsum_path("ij->k", &[a]).unwrap();
    assert_eq!(path, vec![vec![0]]);
}

/// A long chain: the greedy order contracts pairwise (matmuls), never forming the naive
/// 7-letter product, and agrees with a left-to-right chain of matmuls.
#[test]
fn long_chain_matches_matmuls() {
    let shapes = [(8, 30), (30, 2), (2, 40), (40, 3), (3, 50), (50, 4)];
    let xs: Vec<Array> = shapes
        .iter()
        .enumerate()
        .map(|(i, &(m, n))| {
            let v = common::random_f32((m * n) as usize, i as u64 + 1);
            let v: Vec<f64> = v.iter().map(|&x| x as f64).collect();
            Array::from_slice(&v, &[m, n]).unwrap()
        })
        .collect();
    let got = ops::einsum("ab,bc,cd,de,ef,fg->ag", &xs).unwrap();
    let mut want = xs[0].clone();
    for x in &xs[1..] {
        want = ops::matmul(&want, x).unwrap();
    }
    let (g, w) = (got.to_vec::<f64>().unwrap(), want.to_vec::<f64>().unwrap());
    assert_eq!(got.shape(), &[8, 4]);
    for (a, b) in g.iter().zip(&w) {
        assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let (path, text) = ops::einsum_path("ab,bc,cd,de,ef,fg->ag", &xs).unwrap();
    assert_eq!(path.len(), 5);
    assert!(path.iter().all(|p| p.len() == 2), "{path:?}");
    assert!(text.contains("Optimized scaling:  3"), "{text}");
}

/// Gradients flow through the composition (diagonal, sum, matmul): d/dA trace(A B) = Bᵀ.
#[test]
fn grad_of_trace_product() {
    let a = Array::from_slice(&[1f64, 2., 3., 4., 5., 6.], &[2, 3]).unwrap();
    let b = Array::from_slice(&[1f64, -1., 2., 0.5, 3., 1.], &[3, 2]).unwrap();
    let (_, g) = rmlx::transforms::vjp(
        |v: &[Array]| Ok(vec![ops::einsum("ij,ji->", v)?]),
        &[a, b.clone()],
        &[Array::from_slice(&[1f64], &[]).unwrap()],
    )
    .unwrap();
    assert_eq!(
        g[0].to_vec::<f64>().unwrap(),
        ops::transpose(&b).unwrap().to_vec::<f64>().unwrap()
    );
}

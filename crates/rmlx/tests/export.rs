//! `rmlx::export`: functions written to a file and run again — round trips, keyword inputs,
//! several traces, shapeless traces, transforms of imported functions, a file written from
//! Python, and corrupt files (an error, never a crash).

use rmlx::export::{
    export_function, export_to_callback, import_function, Arguments, ExportOptions,
    FunctionExporter, GraphEntry,
};
use rmlx::transforms::{self, CustomFunction};
use rmlx::{ops, Array, Dtype, Error};
use std::path::PathBuf;
use std::sync::Arc;

fn f32s(v: &[f32], shape: &[i32]) -> Array {
    Array::from_slice(v, shape).unwrap()
}

fn vals(a: &Array) -> Vec<f32> {
    a.to_vec::<f32>().unwrap()
}

/// A fresh path in the system's temporary folder.
fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rmlx_export_{}_{name}.mlxfn", std::process::id()))
}

fn close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn round_trip_with_constants() {
    let w = f32s(&[1.0, 2.0, 3.0, -4.0], &[2, 2]);
    let f = move |x: &[Array]| -> rmlx::Result<Vec<Array>> {
        let h = ops::matmul(&ops::exp(&x[0])?, &w)?;
        Ok(vec![ops::add(&h, &x[1])?, ops::sum_all(&h, false)?])
    };
    let x = f32s(&[0.5, -1.0, 2.0, 0.0], &[2, 2]);
    let b = f32s(&[1.0, 2.0], &[2]);
    let path = temp("round_trip");
    export_function(
        &path,
        &f,
        &Arguments::positional(&[x.clone(), b.clone()]),
        ExportOptions::default(),
    )
    .unwrap();
    let g = import_function(&path).unwrap();
    assert_eq!(g.metadata(), "");
    let x2 = f32s(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let got = g.call(&[x2.clone(), b.clone()]).unwrap();
    let want = f(&[x2, b]).unwrap();
    assert_eq!(got.len(), 2);
    for (a, b) in got.iter().zip(&want) {
        assert_eq!(a.shape(), b.shape());
        close(&vals(a), &vals(b), 1e-6);
    }
    std::fs::remove_file(path).ok();
}

#[test]
fn keywords_traces_and_signature_errors() {
    let path = temp("traces");
    let mut ex = FunctionExporter::new(
        &path,
        ExportOptions {
            shapeless: false,
            metadata: "{\"v\": 1}".into(),
        },
    );
    // Keyword inputs come after the positional ones, sorted by name.
    let sub = |x: &[Array]| Ok(vec![ops::subtract(&x[0], &ops::multiply(&x[1], &x[2])?)?]);
    let args = Arguments {
        args: vec![f32s(&[1.0], &[1])],
        kwargs: vec![
            ("z".into(), f32s(&[2.0], &[1])),
            ("a".into(), f32s(&[3.0], &[1])),
        ],
    };
    ex.trace(sub, &args).unwrap();
    let one = |x: &[Array]| Ok(vec![ops::negative(&x[0])?]);
    ex.trace(one, &Arguments::positional(&[f32s(&[1.0, 2.0], &[2])]))
        .unwrap();
    let dup = ex.trace(one, &Arguments::positional(&[f32s(&[5.0, 6.0], &[2])]));
    assert!(dup
        .unwrap_err()
        .to_string()
        .contains("twice with the same signature"));
    ex.close();
    let closed = ex.trace(one, &Arguments::positional(&[f32s(&[1.0], &[1])]));
    assert!(closed
        .unwrap_err()
        .to_string()
        .contains("after exporting is closed"));

    let g = import_function(&path).unwrap();
    assert_eq!(g.metadata(), "{\"v\": 1}");
    let called = Arguments {
        args: vec![f32s(&[10.0], &[1])],
        kwargs: vec![
            ("a".into(), f32s(&[2.0], &[1])),
            ("z".into(), f32s(&[4.0], &[1])),
        ],
    };
    assert_eq!(vals(&g.call_with(&called).unwrap()[0]), vec![2.0]);
    assert_eq!(
        vals(&g.call(&[f32s(&[1.0, -2.0], &[2])]).unwrap()[0]),
        vec![-1.0, 2.0]
    );
    // Another shape, dtype or keyword set matches no trace.
    for bad in [
        Arguments::positional(&[f32s(&[1.0, 2.0, 3.0], &[3])]),
        Arguments::positional(&[Array::from_slice(&[1i32, 2], &[2]).unwrap()]),
        Arguments {
            args: vec![f32s(&[10.0], &[1])],
            kwargs: vec![("a".into(), f32s(&[2.0], &[1]))],
        },
    ] {
        let err = g.call_with(&bad).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert!(err.to_string().contains("No imported function found"));
    }
    std::fs::remove_file(path).ok();
}

#[test]
fn shapeless_trace_serves_other_shapes() {
    let path = temp("shapeless");
    let f = |x: &[Array]| {
        Ok(vec![ops::add(
            &ops::exp(&x[0])?,
            &ops::sum_all(&x[0], false)?,
        )?])
    };
    let options = ExportOptions {
        shapeless: true,
        metadata: String::new(),
    };
    export_function(
        &path,
        f,
        &Arguments::positional(&[ops::zeros(&[2, 3], Dtype::Float32).unwrap()]),
        options,
    )
    .unwrap();
    let g = import_function(&path).unwrap();
    assert!(g.shapeless());
    let x = f32s(&[0.0, 1.0, 2.0, 3.0], &[4, 1]);
    close(
        &vals(&g.call(std::slice::from_ref(&x)).unwrap()[0]),
        &vals(&f(&[x]).unwrap()[0]),
        1e-6,
    );
    assert!(g.call(&[f32s(&[1.0], &[1])]).is_err(), "another rank");
    std::fs::remove_file(path).ok();
}

#[test]
fn grad_and_vmap_of_an_imported_function() {
    let path = temp("grad");
    let f = |x: &[Array]| Ok(vec![ops::multiply(&ops::sin(&x[0])?, &x[0])?]);
    export_function(
        &path,
        f,
        &Arguments::positional(&[f32s(&[0.0; 3], &[3])]),
        ExportOptions::default(),
    )
    .unwrap();
    let g = Arc::new(import_function(&path).unwrap());
    let g2 = g.clone();
    let dg = transforms::grad(move |x: &Array| {
        ops::sum_all(&g2.call(std::slice::from_ref(&x))?[0], false)
    });
    let x = f32s(&[0.1, 0.5, 2.0], &[3]);
    let want: Vec<f32> = vals(&x).iter().map(|v| v.sin() + v * v.cos()).collect();
    close(&vals(&dg(&x).unwrap()), &want, 1e-6);
    let xb = f32s(&[0.1, 0.5, 2.0, 1.0, 1.0, 1.0], &[2, 3]);
    let got = transforms::vmap(
        |x: &[Array]| g.call(x),
        std::slice::from_ref(&xb),
        &[Some(0)],
        &[0],
    )
    .unwrap();
    close(&vals(&got[0]), &vals(&f(&[xb]).unwrap()[0]), 1e-6);
    std::fs::remove_file(path).ok();
}

#[test]
fn custom_functions_checkpoint_inlines_and_rules_are_refused() {
    let inner = CustomFunction::new(Arc::new(|x: &[Array]| {
        Ok(vec![ops::multiply(&x[0], &x[0])?])
    }));
    let ck = inner.clone();
    let path = temp("custom");
    let x = f32s(&[1.0, 2.0], &[2]);
    export_function(
        &path,
        move |x| ck.call(x),
        &Arguments::positional(std::slice::from_ref(&x)),
        ExportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        vals(
            &import_function(&path)
                .unwrap()
                .call(std::slice::from_ref(&x))
                .unwrap()[0]
        ),
        vec![1.0, 4.0]
    );
    let ruled = inner.with_vjp(Arc::new(|_p: &[Array], c: &[Array], _o: &[Array]| {
        Ok(c.to_vec())
    }));
    let err = export_function(
        &path,
        move |x| ruled.call(x),
        &Arguments::positional(&[x]),
        ExportOptions::default(),
    )
    .unwrap_err();
    assert!(err
        .to_string()
        .contains("Unable to serialize primitive CustomTransforms"));
    std::fs::remove_file(path).ok();
}

#[test]
fn callback_gets_named_entries() {
    let w = f32s(&[1.0, 2.0], &[2]);
    let mut entries = Vec::new();
    export_to_callback(
        move |x: &[Array]| {
            Ok(vec![ops::add(
                &ops::multiply(&ops::exp(&x[0])?, &w)?,
                &x[1],
            )?])
        },
        &Arguments {
            args: vec![f32s(&[0.0, 0.0], &[2])],
            kwargs: vec![("y".into(), f32s(&[0.0, 0.0], &[2]))],
        },
        false,
        &mut |e| {
            entries.push(e);
            Ok(())
        },
    )
    .unwrap();
    let kinds: Vec<String> = entries
        .iter()
        .map(|e| match e {
            GraphEntry::Inputs(v) => format!(
                "inputs {}",
                v.iter().map(|s| s.0.clone()).collect::<String>()
            ),
            GraphEntry::KeywordInputs(v) => format!("keywords {v:?}"),
            GraphEntry::Outputs(v) => format!("outputs {}", v[0].0),
            GraphEntry::Constants(v) => format!("constants {}", v[0].0),
            GraphEntry::Primitive { name, outputs, .. } => format!("{name} {}", outputs[0].0),
        })
        .collect();
    // MLX's order and names for the same function.
    assert_eq!(
        kinds,
        [
            "inputs AB",
            "keywords [(\"y\", \"B\")]",
            "outputs C",
            "constants D",
            "Exp E",
            "Multiply F",
            "Add C"
        ]
    );
}

/// The fixture was written from Python (tools/fixtures/export.py, rmlx's
/// `export_function`); its metadata holds an input and NumPy's output for it.
#[test]
fn file_written_from_python_runs_from_rust() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export_mlp.mlxfn");
    let g = import_function(&path).unwrap();
    let meta: serde_json::Value = serde_json::from_str(g.metadata()).unwrap();
    let rows = |k: &str| -> Vec<f32> {
        meta[k]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
            })
            .collect()
    };
    let x = f32s(&rows("x"), &[4, 6]);
    let y = g.call(&[x]).unwrap();
    assert_eq!(y[0].shape(), &[4, 3]);
    close(&vals(&y[0]), &rows("y"), 1e-5);
}

#[test]
fn corrupt_files_are_errors() {
    let path = temp("corrupt_src");
    let f = |x: &[Array]| {
        Ok(vec![ops::matmul(
            &ops::exp(&x[0])?,
            &ops::transpose(&x[0])?,
        )?])
    };
    let x = ops::ones(&[3, 3], Dtype::Float32).unwrap();
    export_function(
        &path,
        f,
        &Arguments::positional(std::slice::from_ref(&x)),
        ExportOptions::default(),
    )
    .unwrap();
    let data = std::fs::read(&path).unwrap();
    let bad = temp("corrupt");
    for cut in 0..data.len() {
        std::fs::write(&bad, &data[..cut]).unwrap();
        assert!(import_function(&bad).is_err(), "prefix of {cut} bytes");
    }
    // Byte flips: an error or a working function, never a panic.
    let mut seed = 12345u64;
    for _ in 0..500 {
        let mut b = data.clone();
        for _ in 0..2 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (seed >> 33) as usize % b.len();
            b[k] = (seed >> 17) as u8;
        }
        std::fs::write(&bad, &b).unwrap();
        if let Ok(g) = import_function(&bad) {
            if let Ok(out) = g.call(std::slice::from_ref(&x)) {
                let _ = rmlx::eval(&out);
            }
        }
    }
    for p in [path, bad] {
        std::fs::remove_file(p).ok();
    }
}

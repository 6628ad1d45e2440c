//! Laziness, evaluation, streams and threads.

use proptest::prelude::*;
use rmlx::dtype::ALL_DTYPES;
use rmlx::{ops, stream, Array, Device, Dtype, Error};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn arrays_are_send_and_sync() {
    assert_send_sync::<Array>();
}

#[test]
fn ops_are_lazy_until_read() {
    let a = Array::from_slice(&[1.0f32, 2.0], &[2]).unwrap();
    let b = ops::exp(&a).unwrap();
    assert!(!b.is_available());
    assert_eq!(b.primitive_name().as_deref(), Some("Exp"));
    assert_eq!(b.shape(), &[2]);
    let v = b.to_vec::<f32>().unwrap();
    assert!(b.is_available());
    assert!((v[1] - 2f32.exp()).abs() < 1e-6);
}

#[test]
fn ops_validate_eagerly() {
    let a = ops::zeros(&[2, 3], Dtype::Float32).unwrap();
    let b = ops::zeros(&[4, 5], Dtype::Float32).unwrap();
    let err = ops::add(&a, &b).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    assert_eq!(
        err.to_string(),
        "[broadcast_shapes] Shapes (2,3) and (4,5) cannot be broadcast."
    );
    assert!(ops::zeros(&[-1], Dtype::Float32).is_err());
    assert!(Array::from_slice(&[1.0f32, 2.0], &[3]).is_err());
}

#[test]
fn item_and_readback_check_dtype_and_size() {
    let a = Array::from_slice(&[3i32], &[]).unwrap();
    assert_eq!(a.item::<i32>().unwrap(), 3);
    assert!(matches!(a.item::<f32>(), Err(Error::Type(_))));
    let b = Array::from_slice(&[1i32, 2], &[2]).unwrap();
    assert!(matches!(b.item::<i32>(), Err(Error::InvalidArgument(_))));
}

#[test]
fn eval_many_outputs_and_async_eval() {
    let a = ops::full(&[1000], 2.0f32).unwrap();
    let outs: Vec<Array> = (0..5).map(|_| ops::exp(&a).unwrap()).collect();
    rmlx::eval(&outs).unwrap();
    assert!(outs.iter().all(|o| o.is_available()));
    let late = ops::multiply(&outs[0], &outs[1]).unwrap();
    rmlx::async_eval(std::slice::from_ref(&late)).unwrap();
    stream::synchronize_default().unwrap();
    assert!(late.is_available());
    assert!((late.to_vec::<f32>().unwrap()[0] - 4f32.exp()).abs() < 1e-2);
}

#[test]
fn streams_and_cross_stream_dependencies() {
    let s1 = stream::new_stream(Device::cpu()).unwrap();
    let s2 = stream::new_stream(Device::cpu()).unwrap();
    assert_ne!(s1, s2);
    let a = stream::with_stream(s1, || ops::full(&[1 << 16], 1.0f32).unwrap());
    let b = stream::with_stream(s1, || ops::exp(&a).unwrap());
    // c runs on s2 and waits for b from s1.
    let c = stream::with_stream(s2, || ops::add(&b, &b).unwrap());
    c.eval().unwrap();
    stream::synchronize(s1).unwrap();
    stream::synchronize(s2).unwrap();
    assert!((c.to_vec::<f32>().unwrap()[7] - 2.0 * 1f32.exp()).abs() < 1e-5);
}

#[test]
fn streams_belong_to_their_thread() {
    let s = stream::new_stream(Device::cpu()).unwrap();
    let a = Array::from_slice(&[1.0f32], &[1]).unwrap();
    let r = std::thread::spawn(move || stream::with_stream(s, || ops::exp(&a).map(|_| ())))
        .join()
        .unwrap();
    let err = r.unwrap_err();
    assert!(matches!(err, Error::Runtime(_)));
    assert!(err.to_string().contains("in current thread"), "{err}");
    // Each thread has its own default stream.
    let here = stream::default_stream(Device::cpu()).unwrap();
    let there = std::thread::spawn(|| stream::default_stream(Device::cpu()).unwrap())
        .join()
        .unwrap();
    assert_ne!(here, there);
}

#[test]
fn gpu_is_a_clear_error_without_a_backend() {
    assert!(!rmlx::device::is_available(Device::gpu(0)));
    let err = rmlx::device::set_default_device(Device::gpu(0)).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    assert!(stream::new_stream(Device::gpu(0)).is_err());
}

#[test]
fn threads_build_and_evaluate_concurrently() {
    let shared = ops::full(&[4096], 0.5f32).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let x = shared.clone();
            std::thread::spawn(move || {
                let mut y = x;
                for _ in 0..50 {
                    y = ops::add(&y, &Array::scalar(1.0f32)).unwrap();
                }
                let v = y.to_vec::<f32>().unwrap();
                assert!(v.iter().all(|&e| e == 50.5), "thread {t}");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // The shared input was evaluated once and is still readable.
    assert_eq!(shared.to_vec::<f32>().unwrap()[0], 0.5);
}

#[test]
fn dropping_a_long_unevaluated_chain_does_not_overflow_the_stack() {
    let mut y = Array::from_slice(&[1.0f32], &[1]).unwrap();
    for _ in 0..200_000 {
        y = ops::exp(&y).unwrap();
    }
    drop(y);
}

#[test]
fn evaluating_a_long_chain_works() {
    let mut y = Array::from_slice(&[0.0f32], &[1]).unwrap();
    let one = Array::scalar(1.0f32);
    for _ in 0..100_000 {
        y = ops::add(&y, &one).unwrap();
    }
    assert_eq!(y.item::<f32>().unwrap(), 100_000.0);
}

/// The promotion table as MLX 0.32 prints it (`(zeros(1,a)+zeros(1,b)).dtype`), rows and
/// columns in `ALL_DTYPES` order.
const MLX_TABLE: [&str; 14] = [
    "bool uint8 uint16 uint32 uint64 int8 int16 int32 int64 float16 float32 float64 bfloat16 complex64",
    "uint8 uint8 uint16 uint32 uint64 int16 int16 int32 int64 float16 float32 float64 bfloat16 complex64",
    "uint16 uint16 uint16 uint32 uint64 int32 int32 int32 int64 float16 float32 float64 bfloat16 complex64",
    "uint32 uint32 uint32 uint32 uint64 int64 int64 int64 int64 float16 float32 float64 bfloat16 complex64",
    "uint64 uint64 uint64 uint64 uint64 float32 float32 float32 float32 float16 float32 float64 bfloat16 complex64",
    "int8 int16 int32 int64 float32 int8 int16 int32 int64 float16 float32 float64 bfloat16 complex64",
    "int16 int16 int32 int64 float32 int16 int16 int32 int64 float16 float32 float64 bfloat16 complex64",
    "int32 int32 int32 int64 float32 int32 int32 int32 int64 float16 float32 float64 bfloat16 complex64",
    "int64 int64 int64 int64 float32 int64 int64 int64 int64 float16 float32 float64 bfloat16 complex64",
    "float16 float16 float16 float16 float16 float16 float16 float16 float16 float16 float32 float64 float32 complex64",
    "float32 float32 float32 float32 float32 float32 float32 float32 float32 float32 float32 float64 float32 complex64",
    "float64 float64 float64 float64 float64 float64 float64 float64 float64 float64 float64 float64 float64 complex64",
    "bfloat16 bfloat16 bfloat16 bfloat16 bfloat16 bfloat16 bfloat16 bfloat16 bfloat16 float32 float32 float64 bfloat16 complex64",
    "complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64 complex64",
];

#[test]
fn promotion_table_equals_mlx() {
    for (i, row) in MLX_TABLE.iter().enumerate() {
        for (j, name) in row.split(' ').enumerate() {
            let got = rmlx::promote_types(ALL_DTYPES[i], ALL_DTYPES[j]);
            assert_eq!(got.name(), name, "{} with {}", ALL_DTYPES[i], ALL_DTYPES[j]);
        }
    }
}

fn dtype_strategy() -> impl Strategy<Value = Dtype> {
    (0usize..14).prop_map(|i| ALL_DTYPES[i])
}

fn shape_strategy() -> impl Strategy<Value = Vec<i32>> {
    prop::collection::vec(0i32..4, 0..4)
}

proptest! {
    #[test]
    fn promotion_is_commutative_and_idempotent(a in dtype_strategy(), b in dtype_strategy(), c in dtype_strategy()) {
        prop_assert_eq!(rmlx::promote_types(a, b), rmlx::promote_types(b, a));
        prop_assert_eq!(rmlx::promote_types(a, a), a);
        // Promotion never loses the category of the wider operand.
        let p = rmlx::promote_types(a, b);
        prop_assert!(!(a.is_inexact() || b.is_inexact()) || p.is_inexact());
        let _ = c;
    }

    #[test]
    fn broadcasting_follows_numpy(a in shape_strategy(), b in shape_strategy()) {
        // Reference: align right; each pair must be equal or contain a 1.
        let n = a.len().max(b.len());
        let pad = |s: &Vec<i32>| { let mut v = vec![1; n - s.len()]; v.extend(s); v };
        let (pa, pb) = (pad(&a), pad(&b));
        let ok = pa.iter().zip(&pb).all(|(x, y)| x == y || *x == 1 || *y == 1);
        let r = rmlx::shape::broadcast_shapes(&a, &b);
        prop_assert_eq!(r.is_ok(), ok);
        if let Ok(s) = r {
            let want: Vec<i32> = pa.iter().zip(&pb).map(|(x, y)| if *x == 1 { *y } else { *x }).collect();
            prop_assert_eq!(&s, &want);
            // The broadcast add equals an explicit loop over the output.
            let av: Vec<f32> = (0..pa.iter().product::<i32>()).map(|i| i as f32).collect();
            let bv: Vec<f32> = (0..pb.iter().product::<i32>()).map(|i| 100.0 * i as f32).collect();
            let x = Array::from_slice(&av, &a).unwrap();
            let y = Array::from_slice(&bv, &b).unwrap();
            let z = ops::add(&x, &y).unwrap().to_vec::<f32>().unwrap();
            let size: i32 = s.iter().product();
            for flat in 0..size {
                let mut rem = flat;
                let (mut ia, mut ib, mut sa, mut sb) = (0, 0, 1, 1);
                for d in (0..n).rev() {
                    let idx = rem % s[d];
                    rem /= s[d];
                    if pa[d] != 1 { ia += idx * sa; }
                    if pb[d] != 1 { ib += idx * sb; }
                    sa *= pa[d];
                    sb *= pb[d];
                }
                prop_assert_eq!(z[flat as usize], av[ia as usize] + bv[ib as usize]);
            }
        }
    }
}

#[test]
fn positive_and_trunc_follow_mlx() {
    let a = Array::from_slice(&[-1.5f32, 2.7, -0.2, f32::NAN, f32::INFINITY], &[5]).unwrap();
    let t = ops::trunc(&a).unwrap().to_vec::<f32>().unwrap();
    assert_eq!(&t[..3], &[-1.0, 2.0, -0.0]);
    assert!(t[2].is_sign_negative() && t[3].is_nan() && t[4] == f32::INFINITY);
    let i = Array::from_slice(&[1i32, -2], &[2]).unwrap();
    assert_eq!(ops::trunc(&i).unwrap().dtype(), Dtype::Int32);
    assert_eq!(ops::positive(&a).unwrap().id(), a.id());
    let c = Array::scalar(num_complex::Complex32::new(1.0, 2.0));
    assert_eq!(
        ops::trunc(&c).unwrap_err().to_string(),
        "[trunc] Not supported for complex64."
    );
}

#[test]
fn array_methods_and_operators_compose() {
    let a = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let s = a.sum(&[1], false).unwrap();
    assert_eq!(s.to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
    let m = a.max(&[0, 1], true).unwrap();
    assert_eq!(m.shape(), &[1, 1]);
    assert_eq!(a.argmax(None, false).unwrap().item::<u32>().unwrap(), 3);
    let y = (&a * 2.0f32 + 1.0f32).exp().unwrap().log().unwrap();
    let v = y.to_vec::<f32>().unwrap();
    assert!((v[3] - 9.0).abs() < 1e-5);
    let t = a.transpose().unwrap().astype(Dtype::Int32).unwrap();
    assert_eq!(t.to_vec::<i32>().unwrap(), vec![1, 3, 2, 4]);
}

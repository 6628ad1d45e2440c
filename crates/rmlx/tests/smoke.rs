use rmlx::{memory, ops, Array, Dtype};

#[test]
fn lazy_chain_evaluates() {
    let a = Array::from_slice(&[1.0f32, -2.0, 3.0], &[3]).unwrap();
    let b = ops::add(
        &ops::multiply(&a, &Array::scalar(2.0f32)).unwrap(),
        &Array::scalar(1.0f32),
    )
    .unwrap();
    assert!(!b.is_available());
    assert_eq!(b.to_vec::<f32>().unwrap(), vec![3.0, -3.0, 7.0]);
    let z = ops::zeros(&[2, 3], Dtype::Int32).unwrap();
    let z = ops::astype(&z, Dtype::Float32).unwrap();
    let e = ops::exp(&z).unwrap();
    assert_eq!(e.to_vec::<f32>().unwrap(), vec![1.0; 6]);
}

#[test]
fn chain_timing() {
    let mut x = Array::from_slice(&[1.0f32], &[1]).unwrap();
    let one = Array::scalar(1.0f32);
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        x = ops::add(&x, &one).unwrap();
    }
    x.eval().unwrap();
    eprintln!("1000-op chain: {:?}", t.elapsed());
    assert_eq!(x.item::<f32>().unwrap(), 1001.0);
    let _ = memory::get_active_memory();
}

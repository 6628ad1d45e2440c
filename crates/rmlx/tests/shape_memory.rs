//! Views do not allocate: after a 64 MB array is evaluated, evaluating reshape / transpose /
//! slice / broadcast / squeeze / expand_dims views of it keeps active memory flat. Its own
//! test binary, so no other test allocates concurrently.

use rmlx::ops::{self, SliceArg};
use rmlx::{memory, Array, Dtype};

const MB: usize = 1 << 20;

#[test]
fn views_do_not_copy_64mb() {
    let n = 16 * MB; // 16 Mi f32 = 64 MB
    let x = ops::full_dtype(&[4096, 4096], 1.5f32, Dtype::Float32).unwrap();
    x.eval().unwrap();
    let base = memory::get_active_memory();
    assert!(base >= n * 4, "x is resident: {base}");
    let views: Vec<Array> = vec![
        x.reshape(&[64, 64, 4096]).unwrap(),
        x.t().unwrap(),
        x.slice(&[SliceArg::rev(), SliceArg::all().step(2)])
            .unwrap(),
        x.reshape(&[-1])
            .unwrap()
            .reshape(&[1, 4096, 4096])
            .unwrap()
            .squeeze()
            .unwrap(),
        x.expand_dims(&[0, 3]).unwrap().t().unwrap(),
        x.slice(&[(0..1).into()])
            .unwrap()
            .broadcast_to(&[4096, 4096])
            .unwrap(),
        ops::flatten(&x.t().unwrap(), 0, 0).unwrap(),
    ];
    rmlx::eval(&views).unwrap();
    let after = memory::get_active_memory();
    assert!(
        after < base + 4 * MB,
        "views allocated: {} -> {}",
        base,
        after
    );
    for v in &views {
        assert!(v.shares_buffer_with(&x));
    }
    // A reshape that cannot keep the strides does copy (MLX's rule).
    let c = x.t().unwrap().reshape(&[-1]).unwrap();
    c.eval().unwrap();
    assert!(memory::get_active_memory() >= base + n * 4);
    assert_eq!(
        c.item::<f32>().err().map(|e| e.python_exception()),
        Some("ValueError")
    );
}

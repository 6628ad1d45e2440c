//! `rmlx::random` against values printed by the real MLX 0.32.4 (hard-coded below).

use rmlx::{random, Array, Dtype};

#[test]
fn key_zero_first_bits() {
    assert_eq!(
        random::threefry2x32([0, 0], [0, 0]),
        [1797259609, 2579123966]
    );
    let b = random::bits(&[], 4, Some(&random::key(0))).unwrap();
    assert_eq!(b.to_vec::<u32>().unwrap(), vec![1797259609]);
}

#[test]
fn keys_from_seeds() {
    assert_eq!(random::key(5).to_vec::<u32>().unwrap(), vec![0, 5]);
    assert_eq!(
        random::key((1 << 32) + 3).to_vec::<u32>().unwrap(),
        vec![1, 3]
    );
}

#[test]
fn split_matches_mlx() {
    let k = random::key(7);
    let two = random::split(&k, 2).unwrap().to_vec::<u32>().unwrap();
    assert_eq!(two, vec![966301609, 989289821, 1948237315, 1058547403]);
    let three = random::split(&k, 3).unwrap().to_vec::<u32>().unwrap();
    assert_eq!(
        three,
        vec![276534068, 861967409, 1905761346, 1641862660, 2900896126, 1402713516]
    );
}

#[test]
fn odd_sizes_and_widths_layout() {
    let k = random::key(7);
    // Five words: counters (0,3), (1,4) fill words 0,1 / 3,4; (2,0) the middle one.
    let w = random::bits(&[5], 4, Some(&k))
        .unwrap()
        .to_vec::<u32>()
        .unwrap();
    assert_eq!(w[2], random::threefry2x32([0, 7], [2, 0])[0]);
    assert_eq!(w[0], random::threefry2x32([0, 7], [0, 3])[0]);
    assert_eq!(w[3], random::threefry2x32([0, 7], [0, 3])[1]);
    // Narrow widths are the same bytes, truncated.
    let h = random::bits(&[3], 2, Some(&k))
        .unwrap()
        .to_vec::<u16>()
        .unwrap();
    let words = random::bits(&[2], 4, Some(&k))
        .unwrap()
        .to_vec::<u32>()
        .unwrap();
    assert_eq!(h[0] as u32, words[0] & 0xffff);
    assert_eq!(h[1] as u32, words[0] >> 16);
}

#[test]
fn seeded_uniform_matches_mlx() {
    random::seed(0);
    let lo = Array::scalar(0.0f32);
    let hi = Array::scalar(1.0f32);
    let u = random::uniform(&lo, &hi, &[], Dtype::Float32, None).unwrap();
    assert_eq!(u.to_vec::<f32>().unwrap(), vec![0.105_369_04_f32]);
    assert_eq!(
        random::state().to_vec::<u32>().unwrap(),
        vec![4146024105, 967050713]
    );
}

#[test]
fn errors() {
    let bad = Array::from_slice(&[1i32, 2], &[2]).unwrap();
    assert!(random::split(&bad, 2).is_err());
    assert!(random::bits(&[-1], 4, Some(&random::key(0))).is_err());
    assert!(random::bits(&[1], 3, Some(&random::key(0))).is_err());
}

/// The bits of a float32 array.
fn f32_bits(a: &Array) -> Vec<u32> {
    a.to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f32::to_bits)
        .collect()
}

#[test]
fn distributions_match_mlx_bits() {
    let k = random::key(3);
    let f = Dtype::Float32;
    let n = random::normal(&[4], f, None, None, Some(&k)).unwrap();
    assert_eq!(
        f32_bits(&n),
        [3207988487, 3222426140, 1049231691, 3201988450]
    );
    let g = random::gumbel(&[4], f, Some(&k)).unwrap();
    assert_eq!(
        f32_bits(&g),
        [3199748262, 3217063618, 1060189187, 3182978608]
    );
    let (lo, hi) = (Array::scalar(-1.0f32), Array::scalar(0.5f32));
    let t = random::truncated_normal(&lo, &hi, Some(&[4]), f, Some(&k)).unwrap();
    assert_eq!(
        f32_bits(&t),
        [3205552938, 3212430988, 3174845902, 3201782521]
    );
    let l = random::laplace(&[4], f, 0.0, 1.0, Some(&k)).unwrap();
    assert_eq!(
        f32_bits(&l),
        [1060992492, 1081316356, 3195313062, 1053645045]
    );
}

#[test]
fn categorical_single_distribution_inverts_the_cdf() {
    let k = random::key(3);
    let logits = Array::from_slice(&[0.5f32, 1.0, -1.0], &[1, 3]).unwrap();
    let c = random::categorical(&logits, -1, None, Some(6), Some(&k)).unwrap();
    assert_eq!(c.shape(), [1, 6]);
    assert_eq!(c.to_vec::<u32>().unwrap(), [0, 1, 1, 1, 1, 1]);
}

#[test]
fn permutation_is_a_lazy_argsort() {
    let k = random::key(3);
    let p = random::permutation_of(10, Some(&k)).unwrap();
    assert!(!p.is_available(), "nothing is computed before eval");
    assert_eq!(p.primitive_name().as_deref(), Some("ArgSort"));
    assert_eq!(p.to_vec::<u32>().unwrap(), [5, 9, 3, 8, 6, 1, 0, 2, 7, 4]);
}

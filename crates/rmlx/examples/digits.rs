//! The main example: a two-layer perceptron (64 → 64 → 10, ReLU) for handwritten digits,
//! trained with `value_and_grad` and plain gradient descent on the 1797 8×8 images shipped
//! in `data/digits.csv`.
//!
//! Every step is a lazy graph (the forward pass, its reverse-mode gradient, the parameter
//! updates) evaluated once per epoch; the run ends with accuracy and the memory manager's
//! figures.

use rmlx::transforms::value_and_grad;
use rmlx::{memory, ops, random, Array, Dtype, Result};
use std::time::Instant;

const CLASSES: usize = 10;
const FEATURES: usize = 64;
const HIDDEN: usize = 64;

struct Split {
    x: Array,
    y_onehot: Array,
    labels: Array,
    n: usize,
}

fn load() -> std::result::Result<(Vec<f32>, Vec<u32>), String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/digits.csv");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let vals: Vec<f32> = line
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| format!("{path}:{}: {e}", i + 1))?;
        if vals.len() != FEATURES + 1 {
            return Err(format!(
                "{path}:{}: expected {} values",
                i + 1,
                FEATURES + 1
            ));
        }
        pixels.extend(vals[..FEATURES].iter().map(|p| p / 16.0));
        labels.push(vals[FEATURES] as u32);
    }
    Ok((pixels, labels))
}

fn split(pixels: &[f32], labels: &[u32]) -> Result<Split> {
    let n = labels.len();
    let mut onehot = vec![0.0f32; n * CLASSES];
    for (i, &l) in labels.iter().enumerate() {
        onehot[i * CLASSES + l as usize] = 1.0;
    }
    Ok(Split {
        x: Array::from_slice(pixels, &[n as i32, FEATURES as i32])?,
        y_onehot: Array::from_slice(&onehot, &[n as i32, CLASSES as i32])?,
        labels: Array::from_slice(labels, &[n as i32])?,
        n,
    })
}

/// The network's logits: `relu(x·w1 + b1)·w2 + b2`; `p` = [w1, b1, w2, b2].
fn logits(p: &[Array], x: &Array) -> Result<Array> {
    let h = ops::add(&ops::matmul(x, &p[0])?, &p[1])?;
    let h = ops::maximum(&h, &Array::scalar(0.0f32))?;
    ops::add(&ops::matmul(&h, &p[2])?, &p[3])
}

/// Mean cross-entropy: logsumexp(logits) - the logit of the true class.
fn loss(p: &[Array], data: &Split) -> Result<Array> {
    let z = logits(p, &data.x)?;
    let picked = ops::sum(&ops::multiply(&data.y_onehot, &z)?, &[1], false)?;
    ops::mean_all(
        &ops::subtract(&ops::logsumexp(&z, &[1], false)?, &picked)?,
        false,
    )
}

fn accuracy(p: &[Array], data: &Split) -> Result<f32> {
    let pred = ops::argmax(&logits(p, &data.x)?, Some(1), false)?;
    let hits = ops::sum_all(
        &ops::astype(&ops::equal(&pred, &data.labels)?, Dtype::Float32)?,
        false,
    )?;
    Ok(hits.item::<f32>()? / data.n as f32)
}

/// He-initialised weights of shape `[fan_in, fan_out]` from `key`.
fn weights(fan_in: usize, fan_out: usize, key: &Array) -> Result<Array> {
    let scale = (2.0 / fan_in as f64).sqrt();
    let shape = [fan_in as i32, fan_out as i32];
    let scale = Array::scalar(scale as f32);
    random::normal(&shape, Dtype::Float32, None, Some(&scale), Some(key))
}

fn main() -> Result<()> {
    let (pixels, labels) = load().map_err(rmlx::Error::Runtime)?;
    let n_train = 1500;
    let train = split(&pixels[..n_train * FEATURES], &labels[..n_train])?;
    let test = split(&pixels[n_train * FEATURES..], &labels[n_train..])?;
    println!(
        "digits: {} training and {} test images of 8x8 pixels",
        train.n, test.n
    );

    let keys = random::split(&random::key(0), 2)?;
    let key = |i: i32| ops::take(&keys, &Array::scalar(i), Some(0));
    let mut params = vec![
        weights(FEATURES, HIDDEN, &key(0)?)?,
        ops::zeros(&[HIDDEN as i32], Dtype::Float32)?,
        weights(HIDDEN, CLASSES, &key(1)?)?,
        ops::zeros(&[CLASSES as i32], Dtype::Float32)?,
    ];
    // The loss and its gradient with respect to all four parameters, by reverse mode.
    let step = value_and_grad(|p: &[Array]| Ok(vec![loss(p, &train)?]), &[0, 1, 2, 3]);
    let lr = Array::scalar(0.2f32);
    let epochs = 300;
    let start = Instant::now();
    for epoch in 1..=epochs {
        let (value, grads) = step(&params)?;
        params = params
            .iter()
            .zip(&grads)
            .map(|(p, g)| ops::subtract(p, &ops::multiply(&lr, g)?))
            .collect::<Result<_>>()?;
        let mut pending = params.clone();
        pending.push(value[0].clone());
        rmlx::eval(&pending)?;
        if epoch == 1 || epoch % 50 == 0 {
            println!(
                "epoch {epoch:>3}  loss {:.4}  train accuracy {:.3}",
                value[0].item::<f32>()?,
                accuracy(&params, &train)?
            );
        }
    }
    let elapsed = start.elapsed();
    println!(
        "trained {epochs} epochs in {:.1} ms ({:.0} us/epoch)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / epochs as f64
    );
    println!("test accuracy {:.3}", accuracy(&params, &test)?);
    rmlx::stream::synchronize_default()?;
    println!(
        "memory: active {} B, peak {} B, cache {} B, limit {} B",
        memory::get_active_memory(),
        memory::get_peak_memory(),
        memory::get_cache_memory(),
        memory::get_memory_limit()
    );
    Ok(())
}

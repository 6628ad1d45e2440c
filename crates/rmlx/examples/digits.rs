//! The main example: a softmax classifier for handwritten digits, trained with hand-written
//! gradients on the 1797 8×8 images shipped in `data/digits.csv`.
//!
//! Every step is a lazy graph (matmul, softmax, reductions, elementwise updates) evaluated
//! once per epoch; the run ends with accuracy and the memory manager's figures. Later issues
//! grow this into an MLP trained with `value_and_grad` and an optimizer.

use rmlx::{memory, ops, Array, Dtype, Result};
use std::time::Instant;

const CLASSES: usize = 10;
const FEATURES: usize = 64;

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

fn accuracy(w: &Array, b: &Array, data: &Split) -> Result<f32> {
    let logits = ops::add(&ops::matmul(&data.x, w)?, b)?;
    let pred = ops::argmax(&logits, Some(1), false)?;
    let hits = ops::sum_all(
        &ops::astype(&ops::equal(&pred, &data.labels)?, Dtype::Float32)?,
        false,
    )?;
    Ok(hits.item::<f32>()? / data.n as f32)
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

    let mut w = ops::zeros(&[FEATURES as i32, CLASSES as i32], Dtype::Float32)?;
    let mut b = ops::zeros(&[CLASSES as i32], Dtype::Float32)?;
    let lr = Array::scalar(0.5f32);
    let inv_n = Array::scalar(1.0 / train.n as f32);
    let xt = ops::transpose(&train.x)?;
    let epochs = 300;
    let start = Instant::now();
    for epoch in 1..=epochs {
        let logits = ops::add(&ops::matmul(&train.x, &w)?, &b)?;
        // Cross-entropy: mean over samples of logsumexp(logits) - logit of the true class.
        let picked = ops::sum(&ops::multiply(&train.y_onehot, &logits)?, &[1], false)?;
        let loss = ops::mean_all(
            &ops::subtract(&ops::logsumexp(&logits, &[1], false)?, &picked)?,
            false,
        )?;
        // Its gradient with respect to the logits: (softmax - onehot) / n.
        let g = ops::multiply(
            &ops::subtract(&ops::softmax(&logits, &[1], false)?, &train.y_onehot)?,
            &inv_n,
        )?;
        w = ops::subtract(&w, &ops::multiply(&lr, &ops::matmul(&xt, &g)?)?)?;
        b = ops::subtract(&b, &ops::multiply(&lr, &ops::sum(&g, &[0], false)?)?)?;
        rmlx::eval(&[w.clone(), b.clone(), loss.clone()])?;
        if epoch == 1 || epoch % 50 == 0 {
            println!(
                "epoch {epoch:>3}  loss {:.4}  train accuracy {:.3}",
                loss.item::<f32>()?,
                accuracy(&w, &b, &train)?
            );
        }
    }
    let elapsed = start.elapsed();
    println!(
        "trained {epochs} epochs in {:.1} ms ({:.0} us/epoch)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / epochs as f64
    );
    println!("test accuracy {:.3}", accuracy(&w, &b, &test)?);
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

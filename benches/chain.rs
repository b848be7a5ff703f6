//! Criterion benchmarks of every stage and of the whole engine, at host block sizes 32,
//! 256 and 1024, in ns per stereo frame (`Throughput::Elements` counts frames; a summary
//! in ns/frame is printed at the end).
//!
//! `cargo bench --bench chain` (add `-- cascade` etc. to filter).

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use cans::dsp::cascade::{Cascade, SectionList};
use cans::dsp::chain::{Chain, LiveParams};
use cans::dsp::crossfeed::{Crossfeed, CrossfeedCoeffs, CrossfeedSettings};
use cans::dsp::engine::{Engine, EngineSettings};
use cans::dsp::eq::EqSource;
use cans::dsp::stereo::apply_width;
use cans::params::CrossfeedPreset;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

// The benchmark EQ load `cans-bench` and `cans-render --pad-biquads` use (in `cans-tools`,
// which depends on this crate, so it is included rather than depended on).
#[path = "../tools/src/bench_eq.rs"]
mod bench_eq;

const FS: f64 = 48_000.0;
const BLOCKS: [usize; 3] = [32, 256, 1024];
/// The default ITD (Woodworth, 30°), in samples at 48 kHz.
const ITD_SAMPLES: f64 = 0.26e-3 * FS;

thread_local! {
    /// (benchmark id, ns per frame) of every timed batch, for the closing summary.
    static RESULTS: RefCell<Vec<(String, f64)>> = const { RefCell::new(Vec::new()) };
}

/// Time `iters` runs of `f` over `frames` frames, recording ns/frame.
fn timed(id: &str, frames: usize, iters: u64, mut f: impl FnMut()) -> Duration {
    let t0 = Instant::now();
    for _ in 0..iters {
        f();
    }
    let e = t0.elapsed();
    let ns = e.as_nanos() as f64 / (iters as f64 * frames as f64);
    RESULTS.with(|r| r.borrow_mut().push((id.to_string(), ns)));
    e
}

fn noise(frames: usize) -> (Vec<f32>, Vec<f32>) {
    // xorshift32 (Marsaglia 2003): deterministic, decorrelated channels.
    let mut s: u32 = 0x1234_5678;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s as f32 / u32::MAX as f32 - 0.5) * 0.5
    };
    (0..frames).map(|_| (next(), next())).unzip()
}

/// The full chain at its worst case: 20 biquads per channel ([`bench_eq::full_chain`]).
fn full_chain(crossfeed: CrossfeedPreset) -> EngineSettings {
    bench_eq::full_chain(crossfeed, 20)
}

fn stages(c: &mut Criterion) {
    for biquads in [8usize, 20] {
        let mut g = c.benchmark_group(format!("cascade_{biquads}"));
        for block in BLOCKS {
            g.throughput(Throughput::Elements(block as u64));
            let (correction, voicing) =
                bench_eq::pad(&SectionList::EMPTY, &SectionList::EMPTY, biquads);
            let mut cascade = Cascade::default();
            cascade.configure(&[&correction, &voicing], FS);
            let (l, r) = noise(block);
            let input: Vec<[f64; 2]> = l
                .iter()
                .zip(&r)
                .map(|(a, b)| [*a as f64, *b as f64])
                .collect();
            let mut out = input.clone();
            let id = format!("cascade_{biquads}/{block}");
            g.bench_function(BenchmarkId::from_parameter(block), |b| {
                b.iter_custom(|iters| {
                    timed(&id, block, iters, || {
                        // The path the plug-in runs (wide on AVX2 + FMA CPUs).
                        out.copy_from_slice(&input);
                        cascade.process(&mut out, |f| f);
                        black_box(&mut out);
                    })
                })
            });
        }
        g.finish();
    }

    for (name, mono_flat) in [
        ("crossfeed_core_itd", false),
        ("crossfeed_monoflat_itd", true),
    ] {
        let mut g = c.benchmark_group(name);
        for block in BLOCKS {
            g.throughput(Throughput::Elements(block as u64));
            let mut xf = Crossfeed::new(64);
            xf.configure(
                CrossfeedCoeffs::design(CrossfeedSettings::DEFAULT, FS),
                ITD_SAMPLES,
                mono_flat,
            );
            let (l, r) = noise(block);
            let (mut wl, mut wr) = (l.clone(), r.clone());
            let id = format!("{name}/{block}");
            g.bench_function(BenchmarkId::from_parameter(block), |b| {
                b.iter_custom(|iters| {
                    timed(&id, block, iters, || {
                        wl.copy_from_slice(&l);
                        wr.copy_from_slice(&r);
                        xf.process(&mut wl, &mut wr);
                        black_box((&mut wl, &mut wr));
                    })
                })
            });
        }
        g.finish();
    }

    let mut g = c.benchmark_group("width");
    for block in BLOCKS {
        g.throughput(Throughput::Elements(block as u64));
        let (l, r) = noise(block);
        let input: Vec<[f64; 2]> = l
            .iter()
            .zip(&r)
            .map(|(a, b)| [*a as f64, *b as f64])
            .collect();
        let mut out = input.clone();
        let id = format!("width/{block}");
        g.bench_function(BenchmarkId::from_parameter(block), |b| {
            b.iter_custom(|iters| {
                timed(&id, block, iters, || {
                    for (o, x) in out.iter_mut().zip(&input) {
                        *o = apply_width(*x, black_box(1.2));
                    }
                    black_box(&mut out);
                })
            })
        });
    }
    g.finish();
}

fn engine(c: &mut Criterion) {
    for (name, fading) in [("chain_steady", false), ("chain_crossfade", true)] {
        let mut g = c.benchmark_group(name);
        for block in BLOCKS {
            g.throughput(Throughput::Elements(block as u64));
            let settings = [
                full_chain(CrossfeedPreset::Default),
                full_chain(CrossfeedPreset::ChuMoy),
            ];
            let mut e = Engine::new(FS);
            e.set(settings[0].clone());
            e.reset();
            let mut heard = 0;
            let (l, r) = noise(block);
            let (mut wl, mut wr) = (l.clone(), r.clone());
            let id = format!("{name}/{block}");
            g.bench_function(BenchmarkId::from_parameter(block), |b| {
                b.iter_custom(|iters| {
                    timed(&id, block, iters, || {
                        if fading && !e.is_crossfading() {
                            // Switch A/B again as soon as the last fade ends.
                            heard = 1 - heard;
                            e.set(settings[heard].clone());
                        }
                        wl.copy_from_slice(&l);
                        wr.copy_from_slice(&r);
                        e.process(&mut wl, &mut wr);
                        black_box((&mut wl, &mut wr));
                    })
                })
            });
        }
        g.finish();
    }
}

/// A model switch on the audio thread: the incoming chain designs every section
/// (magnitude-matched, `Section::coeffs`), its loudness compensation and its crossfeed.
/// Real models on the Sony MDR-7506 correction: each iteration switches between the AKG
/// K702 and the beyerdynamic DT 1990 Pro voicing, so every switch designs all sections.
/// "same sections" is a switch back to what the chain holds (A/B back and forth), which
/// re-designs nothing. Criterion reports the time per switch.
fn configure(c: &mut Criterion) {
    use cans::params::{Model, Phones};
    use cans::settings::{model_voicing, phones_correction};
    let correction = phones_correction(Phones::SonyMdr7506, None);
    let configs = [Model::AkgK702, Model::BeyerdynamicDt1990Pro].map(|m| {
        let mut config = full_chain(CrossfeedPreset::Default).config;
        config.correction = correction.clone();
        config.voicing = EqSource::Static(model_voicing(m).sections);
        config
    });
    let sections = configs[0].correction.sections().len() + configs[0].voicing.sections().len();
    let mut chain = Chain::new(FS);
    let mut g = c.benchmark_group("chain_configure");
    let mut k = 0;
    g.bench_function(format!("{sections}_sections_new"), |b| {
        b.iter(|| {
            k = 1 - k;
            chain.configure(black_box(&configs[k]), LiveParams::default())
        })
    });
    g.bench_function("same_sections", |b| {
        b.iter(|| chain.configure(black_box(&configs[0]), LiveParams::default()))
    });
    g.finish();
}

fn summary(_: &mut Criterion) {
    println!("\nns per stereo frame (median of criterion's timed batches):");
    RESULTS.with(|r| {
        let r = r.borrow();
        let mut ids: Vec<&String> = r.iter().map(|(id, _)| id).collect();
        ids.dedup();
        for id in ids {
            let mut v: Vec<f64> = r
                .iter()
                .filter(|(i, _)| i == id)
                .map(|(_, ns)| *ns)
                .collect();
            v.sort_by(f64::total_cmp);
            println!("  {id:<28} {:8.2}", v[v.len() / 2]);
        }
    });
}

criterion_group!(benches, stages, engine, configure, summary);
criterion_main!(benches);

//! Prepared resources on the audio thread: a correction published from another thread
//! while the engine runs, switches to it and away from it, is taken, used and let go of
//! without one allocation or deallocation on the audio thread, and the building side frees
//! what the audio side released.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cans::dsp::biquad::{Section, SectionKind};
use cans::dsp::cascade::SectionList;
use cans::dsp::engine::Engine;
use cans::measurement::MeasurementShared;
use cans::params::Phones;
use cans::settings::Values;

mod support;

#[global_allocator]
static GLOBAL: support::heap_count::CountingAlloc = support::heap_count::CountingAlloc;

const FS: f64 = 48_000.0;
const BLOCK: usize = 256;

#[test]
fn corrections_arrive_play_and_leave_without_touching_the_heap_on_the_audio_thread() {
    let (shared, mut sync) = MeasurementShared::new();
    let shared = Arc::new(shared);
    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(AtomicUsize::new(0));
    // The background side: publish a different correction now and then, and collect.
    let builder = {
        let (shared, stop, published) = (shared.clone(), stop.clone(), published.clone());
        std::thread::spawn(move || {
            let mut i = 0u32;
            while !stop.load(Ordering::Acquire) {
                let gain = 1.0 + (i % 7) as f64;
                shared.publish(SectionList::from_slice(&[
                    Section::new(SectionKind::Peaking, 1000.0, 1.0, gain),
                    Section::new(SectionKind::HighShelf, 8000.0, 0.7, -gain),
                ]));
                published.fetch_add(1, Ordering::Release);
                i += 1;
                std::thread::sleep(std::time::Duration::from_millis(2));
                shared.collect();
            }
        })
    };

    let mut engine = Engine::new(FS);
    engine.set(Values::default().engine_settings());
    engine.reset();
    let (mut l, mut r) = (vec![0.1f32; BLOCK], vec![-0.1f32; BLOCK]);
    let mut values = Values {
        phones: Phones::Custom,
        ..Values::default()
    };
    // Warm up outside the counted region: the first correction arrives.
    while published.load(Ordering::Acquire) == 0 {
        std::thread::yield_now();
    }

    let stored = cans::state::StoredMeasurement::default();
    let mut switches_to_loaded = 0;
    let mut last_id = None;
    support::heap_count::start();
    let mut seen = 0;
    for block in 0..6_000 {
        // Each time the loaded measurement is chosen again, wait until a new correction
        // has been published (the loop alone can outrun the publisher's 2 ms pace, and the
        // count below would then depend on the machine's speed).
        if block % 400 == 0 {
            while published.load(Ordering::Acquire) <= seen {
                std::thread::yield_now();
            }
            seen = published.load(Ordering::Acquire);
        }
        sync.update(&stored);
        // Every 200 blocks switch "Your Headphones" between the loaded measurement and a
        // measured headphone: the engine crossfades between chains holding either.
        values.phones = if (block / 200) % 2 == 0 {
            Phones::Custom
        } else {
            Phones::AkgK702
        };
        // `loaded` is a clone of the received handle: an atomic increment, no allocation.
        let settings = Values {
            loaded: sync.correction().cloned(),
            ..values.clone()
        };
        let id = sync.correction().map(|p| p.id());
        if id != last_id && values.phones == Phones::Custom {
            switches_to_loaded += 1;
            last_id = id;
        }
        engine.set(settings.engine_settings());
        sync.release(engine.oldest_prepared_in_use());
        l.fill(0.1);
        r.fill(-0.1);
        engine.process(&mut l, &mut r);
        assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    }
    let events = support::heap_count::stop();
    stop.store(true, Ordering::Release);
    builder.join().unwrap();
    let published = published.load(Ordering::Acquire);
    println!(
        "{published} corrections published, {switches_to_loaded} new ones played, \
         {events} heap events on the audio thread"
    );
    assert_eq!(events, 0, "the audio thread allocated or freed");
    assert!(
        switches_to_loaded > 10,
        "too few corrections reached the engine"
    );
}

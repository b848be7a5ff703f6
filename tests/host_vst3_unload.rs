//! A host that unloads Cans while one of its threads that used the plug-in is still alive,
//! then ends that thread. Kept in its own test binary so that this test is the first and
//! only user of the module in its process (the order of loads matters, see below).
//!
//! The framework asks for `std::thread::current()` on each host thread that creates an
//! instance, which registers a pthread thread-exit destructor inside the plug-in's copy of
//! Rust std. Without `-z nodelete` (see `build.rs`) the module is unmapped at the last
//! `dlclose`, the thread's exit calls into unmapped code, and the host dies with SIGSEGV,
//! taking this test binary with it.

mod support;

use support::vst3_host::*;

const CANS_CID: [u8; 16] = *b"CansHeadphoneMon";

use std::sync::mpsc::channel;
use std::thread;

fn process_a_few_blocks(inst: &Instance) {
    inst.start(48_000.0, 256);
    let input = vec![0.25f32; 256];
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for _ in 0..4 {
        assert_eq!(
            inst.process([&input, &input], [&mut l, &mut r], None),
            vst3::Steinberg::kResultOk
        );
    }
    assert!(l.iter().chain(&r).all(|s| s.is_finite()));
    inst.stop();
}

/// Two host threads, as in a DAW: thread A loads the module first and holds an instance;
/// thread B then loads it too, runs its own instance and releases it. A unloads and ends;
/// B makes the last `dlclose` and ends afterwards. Thread A is the one whose thread-locals
/// pin the module in glibc while it lives (the plug-in's logger and its worker-thread spawn
/// run there), so after A ends nothing but `-z nodelete` keeps the code B's exit needs.
#[test]
fn vst3_host_thread_outlives_the_unloaded_module() {
    let bundle = support::vst3_bundle();
    let (a_ready_tx, a_ready_rx) = channel::<()>();
    let (a_go_tx, a_go_rx) = channel::<()>();
    let bundle_a = bundle.clone();
    let thread_a = thread::spawn(move || {
        let module = Module::load(&bundle_a);
        let inst = Instance::create(&module, &CANS_CID);
        process_a_few_blocks(&inst);
        a_ready_tx.send(()).unwrap();
        a_go_rx.recv().unwrap();
        inst.terminate();
        assert!(module.exit(), "ModuleExit (thread A)");
    });
    a_ready_rx.recv().expect("thread A loaded the module");

    let (b_ready_tx, b_ready_rx) = channel::<()>();
    let (b_go_tx, b_go_rx) = channel::<()>();
    let thread_b = thread::spawn(move || {
        let module = Module::load(&bundle);
        let inst = Instance::create(&module, &CANS_CID);
        process_a_few_blocks(&inst);
        inst.terminate();
        b_ready_tx.send(()).unwrap();
        b_go_rx.recv().unwrap();
        // The last reference to the module: dlclose.
        assert!(module.exit(), "ModuleExit (thread B)");
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        eprintln!(
            "module still mapped after the last dlclose: {}",
            maps.contains("Cans.so")
        );
        // Thread B ends here, after the module was closed.
    });
    b_ready_rx.recv().expect("thread B used the module");

    a_go_tx.send(()).unwrap();
    thread_a.join().expect("thread A ended cleanly");
    b_go_tx.send(()).unwrap();
    thread_b.join().expect("thread B ended cleanly");
}

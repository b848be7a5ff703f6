//! Prepared resources: anything too heavy to build on the audio thread (a fitted
//! correction today; impulse-response sets, FFT plans and partition buffers next) is built
//! on a background thread, handed to the audio thread without a lock or an allocation,
//! and freed off the audio thread.
//!
//! - [`Preparer`] (background side) numbers each published value, keeps it alive and
//!   pushes a clone through a wait-free single-producer ring (`rtrb`).
//! - [`Receiver`] (audio side) pops the newest value ([`Receiver::update`]); a chain holds
//!   it as a [`Prepared`] handle, which compares by its number, so a configuration that
//!   names a megabyte of impulse response is as cheap to compare as an integer.
//! - The audio side reports the oldest number it still uses ([`Receiver::release_older_than`],
//!   one atomic store); [`Preparer::collect`] drops the values older than that on the
//!   background thread. A handle the audio thread lets go of is never the last one, so
//!   nothing is ever deallocated in `process`.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Values in flight between a publish and the audio thread's next `update`. Publishing
/// faster than the audio thread drains keeps only the newest (see [`Preparer::publish`]).
pub const RING_CAPACITY: usize = 8;

/// A value built off the audio thread, with the number it was published under. Clones
/// share the value (an atomic increment, no allocation); equality is by number.
pub struct Prepared<T> {
    id: u64,
    value: Arc<T>,
}

/// Publish numbers, unique in the process (so handles from different channels never
/// compare equal) and increasing within each channel.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl<T> Prepared<T> {
    fn new(value: T) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            value: Arc::new(value),
        }
    }

    /// A value that never goes through a channel (tools and tests that build settings
    /// on the thread that runs them): dropping its last handle frees it right there.
    pub fn standalone(value: T) -> Self {
        Self::new(value)
    }

    /// The publish number: unique, and increasing within a channel.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl<T> Clone for Prepared<T> {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            value: self.value.clone(),
        }
    }
}

impl<T> PartialEq for Prepared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T> Deref for Prepared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> fmt::Debug for Prepared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prepared#{}", self.id)
    }
}

/// A publish channel: the background side and the audio side.
pub fn channel<T>() -> (Preparer<T>, Receiver<T>) {
    let (tx, rx) = rtrb::RingBuffer::new(RING_CAPACITY);
    let oldest_in_use = Arc::new(AtomicU64::new(0));
    (
        Preparer {
            tx,
            pending: None,
            kept: Vec::new(),
            oldest_in_use: oldest_in_use.clone(),
        },
        Receiver {
            rx,
            latest: None,
            newest_taken: 0,
            oldest_in_use,
        },
    )
}

/// The building side (background thread or main thread; never the audio thread).
pub struct Preparer<T> {
    tx: rtrb::Producer<Prepared<T>>,
    /// Published but not yet in the ring (it was full): the newest only.
    pending: Option<Prepared<T>>,
    /// Every value the audio side may still hold, oldest first.
    kept: Vec<Prepared<T>>,
    oldest_in_use: Arc<AtomicU64>,
}

impl<T> Preparer<T> {
    /// Publish `value` and return its handle. If the audio side has not drained the ring
    /// (a host that stopped calling `process`), the value waits here and replaces any
    /// older waiting one; [`Preparer::collect`] pushes it later.
    pub fn publish(&mut self, value: T) -> Prepared<T> {
        let prepared = Prepared::new(value);
        self.kept.push(prepared.clone());
        self.pending = Some(prepared.clone());
        self.flush();
        self.collect();
        prepared
    }

    fn flush(&mut self) {
        if let Some(p) = self.pending.take()
            && let Err(rtrb::PushError::Full(p)) = self.tx.push(p)
        {
            self.pending = Some(p);
        }
    }

    /// Push a waiting value and free the values the audio side no longer uses (call it
    /// from the background thread now and then). Returns how many are still kept.
    pub fn collect(&mut self) -> usize {
        self.flush();
        let oldest = self.oldest_in_use.load(Ordering::Acquire);
        let newest = self.kept.last().map_or(0, Prepared::id);
        // The newest is always kept: the audio side may not have popped it yet.
        self.kept.retain(|p| p.id >= oldest || p.id == newest);
        self.kept.len()
    }

    /// The last published value (for the editor's display).
    pub fn latest(&self) -> Option<&Prepared<T>> {
        self.kept.last()
    }

    /// How many values are kept for the audio side (without collecting).
    pub fn kept(&self) -> usize {
        self.kept.len()
    }
}

/// The audio side. Every method is wait-free and allocation-free.
pub struct Receiver<T> {
    rx: rtrb::Consumer<Prepared<T>>,
    latest: Option<Prepared<T>>,
    /// The number of the newest value taken from the ring (0: none yet). Values after it
    /// are still in flight, so never released.
    newest_taken: u64,
    oldest_in_use: Arc<AtomicU64>,
}

impl<T> Receiver<T> {
    /// Take the newest published value, if any arrived. Returns whether it changed. The
    /// handle it replaces is dropped here, but the [`Preparer`] still keeps that value, so
    /// this never frees memory.
    pub fn update(&mut self) -> bool {
        let mut changed = false;
        while let Ok(p) = self.rx.pop() {
            self.newest_taken = p.id;
            self.latest = Some(p);
            changed = true;
        }
        changed
    }

    /// The newest value received.
    pub fn latest(&self) -> Option<&Prepared<T>> {
        self.latest.as_ref()
    }

    /// Tell the building side that no value numbered below `id` is held any more on this
    /// side (by this receiver or any chain), so it may free them. Values still in the ring
    /// are never released: this side drops each one it takes, so the building side must
    /// still hold it then.
    pub fn release_older_than(&self, id: u64) {
        let oldest = id.min(self.newest_taken + 1);
        self.oldest_in_use.store(oldest, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audio_side_sees_the_newest_and_old_values_are_freed_only_when_released() {
        let (mut prep, mut recv) = channel::<Vec<u8>>();
        assert!(!recv.update());
        let first = prep.publish(vec![1; 1000]);
        assert!(recv.update());
        assert_eq!(recv.latest().unwrap()[0], 1);
        let held = recv.latest().unwrap().clone(); // a chain holds the first
        let second = prep.publish(vec![2; 1000]);
        assert!(recv.update());
        assert_eq!(recv.latest().unwrap().id(), second.id());
        assert!(second.id() > first.id());
        // #1 is still in use: kept, so dropping the chain's handle could not free it.
        assert_eq!(prep.collect(), 2);
        assert_eq!(Arc::strong_count(&first.value), 3);
        drop(held);
        recv.release_older_than(second.id());
        assert_eq!(prep.collect(), 1);
        // Only the test's own handle is left: the preparer freed its copy.
        assert_eq!(Arc::strong_count(&first.value), 1);
        drop(second);
    }

    /// A background thread publishing while the audio thread takes, holds and lets go:
    /// every value arrives whole, the newest is always what the audio side ends with,
    /// and the building side frees what was released (it never piles up).
    #[test]
    fn publishing_under_load_frees_what_the_audio_side_released() {
        let (mut prep, mut recv) = channel::<Vec<u64>>();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let audio = {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut held: Option<Prepared<Vec<u64>>> = None;
                let mut seen = 0u64;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    if recv.update() {
                        let v = recv.latest().unwrap();
                        assert!(v.iter().all(|&x| x == v[0]), "a value arrived torn");
                        seen += 1;
                        // Hold one a while, like a chain during a fade.
                        if seen % 3 == 0 {
                            held = Some(v.clone());
                        }
                    }
                    if finished {
                        // Everything is in the ring by now: take the newest, let go of the rest.
                        recv.update();
                        held = None;
                    }
                    let oldest = held.as_ref().or(recv.latest()).map_or(u64::MAX, |p| p.id());
                    recv.release_older_than(oldest);
                    if finished {
                        return (seen, recv.latest().map(|p| p[0]));
                    }
                }
            })
        };
        let mut most_kept = 0;
        for i in 0..5_000u64 {
            prep.publish(vec![i; 64]);
            most_kept = most_kept.max(prep.collect());
        }
        while prep.pending.is_some() {
            prep.collect();
            std::thread::yield_now();
        }
        done.store(true, Ordering::Release);
        let (seen, last) = audio.join().unwrap();
        // The audio side released all but the newest: the building side frees the rest.
        assert_eq!(prep.collect(), 1);
        assert_eq!(last, Some(4_999), "the audio side ends on the newest value");
        assert!(seen > 0);
        println!("{seen} values taken, at most {most_kept} kept at once");
    }

    #[test]
    fn values_still_in_the_ring_are_never_freed_by_a_release() {
        let (mut prep, mut recv) = channel::<Vec<u8>>();
        let first = prep.publish(vec![1; 100]);
        let second = prep.publish(vec![2; 100]);
        // The audio side holds nothing and releases everything, before taking anything.
        recv.release_older_than(u64::MAX);
        assert_eq!(prep.collect(), 2, "a value in flight was freed");
        // Taking them drops the first on this side: the building side still has it.
        recv.update();
        assert_eq!(Arc::strong_count(&first.value), 2);
        recv.release_older_than(u64::MAX);
        assert_eq!(prep.collect(), 1);
        assert_eq!(Arc::strong_count(&first.value), 1);
        drop(second);
    }

    #[test]
    fn a_full_ring_keeps_the_newest_waiting_value() {
        let (mut prep, mut recv) = channel::<u32>();
        for v in 0..(RING_CAPACITY as u32 + 5) {
            prep.publish(v);
        }
        // The ring holds the first RING_CAPACITY; the newest waits in the preparer.
        recv.update();
        assert_eq!(**recv.latest().unwrap(), RING_CAPACITY as u32 - 1);
        prep.collect();
        recv.update();
        assert_eq!(**recv.latest().unwrap(), RING_CAPACITY as u32 + 4);
    }

    #[test]
    fn handles_compare_by_publish_number() {
        let (mut prep, _recv) = channel::<u32>();
        let a = prep.publish(7);
        let b = prep.publish(7);
        assert_ne!(a, b);
        assert_eq!(a, a.clone());
    }
}

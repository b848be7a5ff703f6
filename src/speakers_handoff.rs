//! Handing the speakers' kit (`dsp::speakers::kit`) from the background thread to the
//! audio thread, and refused kits back, through two wait-free rings (`rtrb`): the audio
//! thread never allocates or frees one.
//!
//! A kit is built for the rate of one activation. One that arrives for an engine of
//! another rate (the host re-activated meanwhile) or for an engine that has speakers
//! already goes back to the background thread, which frees it.

use rtrb::{Consumer, Producer, RingBuffer};

use crate::dsp::engine::Engine;
use crate::dsp::speakers::kit::SpeakersKit;

/// Kits in flight each way (one per activation is the most there ever is).
const CAPACITY: usize = 4;

/// The background side.
pub struct KitSender {
    to_audio: Producer<Box<SpeakersKit>>,
    returned: Consumer<Box<SpeakersKit>>,
}

/// The audio side.
pub struct KitReceiver {
    from_worker: Consumer<Box<SpeakersKit>>,
    back: Producer<Box<SpeakersKit>>,
}

pub fn kit_channel() -> (KitSender, KitReceiver) {
    let (to_audio, from_worker) = RingBuffer::new(CAPACITY);
    let (back, returned) = RingBuffer::new(CAPACITY);
    (
        KitSender { to_audio, returned },
        KitReceiver { from_worker, back },
    )
}

impl KitSender {
    /// Send a kit; `false` (and the kit freed here) if the ring is full, which only a
    /// host that stopped calling `process` for several activations can cause.
    pub fn send(&mut self, kit: Box<SpeakersKit>) -> bool {
        self.to_audio.push(kit).is_ok()
    }

    /// Free the kits the audio side handed back.
    pub fn collect(&mut self) {
        while self.returned.pop().is_ok() {}
    }
}

impl KitReceiver {
    /// Give `engine` the kit that arrived, if any; whether one was taken. Wait-free and
    /// allocation-free: a kit is only taken when there is room to hand it back, so none
    /// is dropped here.
    pub fn deliver(&mut self, engine: &mut Engine) -> bool {
        let mut taken = false;
        while self.back.slots() > 0 {
            let Ok(kit) = self.from_worker.pop() else {
                break;
            };
            match engine.install_speakers(kit) {
                Ok(()) => taken = true,
                // Room was checked above; a failed push would drop it here, never happens.
                Err(refused) => {
                    let _ = self.back.push(refused);
                }
            }
        }
        taken
    }

    /// Drop every kit waiting (main thread, in `activate`: they were built for an
    /// engine that is gone).
    pub fn discard_waiting(&mut self) {
        while self.from_worker.pop().is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::speakers::bank::SpeakerBank;

    #[test]
    fn a_kit_reaches_an_engine_of_its_rate_and_comes_back_from_any_other() {
        let (mut tx, mut rx) = kit_channel();
        let bank = SpeakerBank::builtin(44_100.0);
        let mut other_rate = Engine::new(48_000.0);
        assert!(tx.send(SpeakersKit::new(bank.clone())));
        rx.deliver(&mut other_rate);
        assert!(!other_rate.has_speakers());
        // Handed back: the sender frees it.
        assert!(tx.returned.pop().is_ok());
        let mut engine = Engine::new(44_100.0);
        assert!(tx.send(SpeakersKit::new(bank.clone())));
        rx.deliver(&mut engine);
        assert!(engine.has_speakers());
        // A second kit for an engine that has speakers goes back too.
        assert!(tx.send(SpeakersKit::new(bank)));
        rx.deliver(&mut engine);
        assert!(tx.returned.pop().is_ok());
    }
}

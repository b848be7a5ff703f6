//! SOFA files that are not what they claim: truncations and corruptions of the real
//! built-in file, and arbitrary bytes, are refused with a message (or, if still a valid
//! file, read complete and finite), never a panic. The cases are drawn from a fixed seed
//! (xorshift64*), so every run checks the same files.

use cans::hrtf::{BUILTIN_SOFA, read_sofa};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn truncations_are_refused_with_a_message() {
    let mut rng = Rng(0x5EED_0001);
    let mut cuts: Vec<usize> = (0..48).map(|_| rng.below(BUILTIN_SOFA.len())).collect();
    cuts.extend([0, 1, 8, 512, 4096, BUILTIN_SOFA.len() - 1]);
    for cut in cuts {
        match read_sofa(&BUILTIN_SOFA[..cut], "cut") {
            Ok(_) => panic!("a file cut at {cut} bytes was read"),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn corruptions_are_read_whole_or_refused() {
    let mut rng = Rng(0x5EED_0002);
    let (mut read, mut refused) = (0, 0);
    for _ in 0..48 {
        let mut bytes = BUILTIN_SOFA.to_vec();
        for _ in 0..1 + rng.below(16) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        match read_sofa(&bytes, "corrupt") {
            Ok(set) => {
                read += 1;
                let complete = set.directions.iter().all(|d| {
                    d.ears
                        .iter()
                        .all(|e| e.len() == set.taps && e.iter().all(|v| v.is_finite()))
                });
                assert!(complete, "a corrupt file read with holes or NaN");
            }
            Err(_) => refused += 1,
        }
    }
    println!("corrupted files: {read} read whole, {refused} refused");
}

#[test]
fn arbitrary_bytes_are_refused() {
    let mut rng = Rng(0x5EED_0003);
    for _ in 0..200 {
        let len = rng.below(4096);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(read_sofa(&bytes, "noise").is_err());
    }
    // HDF5's signature followed by noise.
    let mut fake = b"\x89HDF\r\n\x1a\n".to_vec();
    fake.extend((0..2048).map(|_| rng.next() as u8));
    assert!(read_sofa(&fake, "fake").is_err());
}

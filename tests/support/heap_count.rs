//! Counting the heap events (allocations and frees) of one thread: a test that must show
//! the audio thread never touches the heap installs [`CountingAlloc`] as its global
//! allocator and counts between [`start`] and [`stop`] on that thread.
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: support::heap_count::CountingAlloc = support::heap_count::CountingAlloc;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting what threads that called [`start`] do.
pub struct CountingAlloc;

static EVENTS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTING.with(|c| c.get()) {
        EVENTS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count();
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Count this thread's heap events from now on (the count starts at 0).
pub fn start() {
    EVENTS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
}

/// Stop counting on this thread; the heap events since [`start`].
pub fn stop() -> usize {
    COUNTING.with(|c| c.set(false));
    EVENTS.load(Ordering::Relaxed)
}

//! What every bench shares: the pinned instant the benches run at (their documents are dated
//! 2026, and the engine refuses issue dates more than a year old), and the binary's allocator,
//! so the figures are the binary's.

/// The instant the benches run at.
pub const NOW: &str = "2026-11-21T10:00:00Z";

/// A clock pinned to [`NOW`].
pub fn clock() -> invoicer::Clock {
    invoicer::Clock::parse_fixed("NOW", NOW).expect("clock")
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

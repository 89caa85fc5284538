//! The threads renders run on: one per core, each a rayon pool of its own single thread, and
//! a memory budget all renders share.
//!
//! Typst's PDF writer hands part of its work (compressing the page content, images) to rayon
//! and waits for it. On the global rayon pool that work lands on another core, which a parallel
//! render is using already, and idle rayon threads spin while they wait for more. Inside a pool
//! of one thread, the render's own thread does that work when it waits for it. So a render uses
//! one core from start to end, renders on all cores do not get in each other's way, and at most
//! one render per core runs at a time.
//!
//! Each render also takes its estimated memory from a budget ([`set_memory_budget`], 512 MB
//! by default), so what renders hold together is bounded whatever the number of cores:
//! a long document waits until enough is free. Callers are let in first come, first served, so a
//! long document is not starved by short ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// The budget in MB the process-wide render threads get, unless set before their first use.
pub const DEFAULT_MEMORY_BUDGET_MB: u64 = 512;

static MEMORY_BUDGET_MB: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_BUDGET_MB);

/// Set the memory budget of the process-wide render threads (at least 64 MB); effective when
/// set before the first render.
pub fn set_memory_budget(mb: u64) {
    MEMORY_BUDGET_MB.store(mb.max(64), Ordering::Relaxed);
}

/// A set of single-thread pools, which of them are free, and how much of the budget is.
pub struct RenderThreads {
    pools: Vec<rayon::ThreadPool>,
    state: Mutex<State>,
    freed: Condvar,
    budget_mb: u64,
}

struct State {
    free: Vec<usize>,
    budget_left_mb: u64,
    /// The ticket handed to the next caller, and the one let in next.
    next_ticket: u64,
    serving: u64,
}

impl RenderThreads {
    /// The process-wide render threads, one per core, started on first use.
    pub fn global() -> &'static RenderThreads {
        static THREADS: OnceLock<RenderThreads> = OnceLock::new();
        THREADS.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            RenderThreads::new(cores, MEMORY_BUDGET_MB.load(Ordering::Relaxed))
        })
    }

    /// `count` render threads sharing `budget_mb`. Threads that cannot be started are left
    /// out; with none, renders run on the caller's thread (still within the budget).
    pub fn new(count: usize, budget_mb: u64) -> RenderThreads {
        let pools: Vec<rayon::ThreadPool> = (0..count)
            .map_while(|index| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(move |_| format!("invoicer-render-{index}"))
                    .build()
                    .ok()
            })
            .collect();
        let budget_mb = budget_mb.max(1);
        RenderThreads {
            state: Mutex::new(State {
                free: (0..pools.len().max(1)).rev().collect(),
                budget_left_mb: budget_mb,
                next_ticket: 0,
                serving: 0,
            }),
            freed: Condvar::new(),
            budget_mb,
            pools,
        }
    }

    /// Run `job`, which needs about `memory_mb`, on a free render thread once the budget has
    /// room for it (a job larger than the whole budget waits until nothing else runs), and
    /// return its result. A panic in `job` comes back to the caller; the thread and the memory
    /// are free again.
    pub fn run<T: Send>(&self, memory_mb: u64, job: impl FnOnce() -> T + Send) -> T {
        let taken = self.take(memory_mb.clamp(1, self.budget_mb));
        match self.pools.get(taken.index) {
            Some(pool) => pool.install(job),
            None => job(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, memory_mb: u64) -> Taken<'_> {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        loop {
            let my_turn = state.serving == ticket;
            if my_turn && !state.free.is_empty() && state.budget_left_mb >= memory_mb {
                let index = state.free.pop().unwrap_or_default();
                state.budget_left_mb -= memory_mb;
                state.serving += 1;
                drop(state);
                // The next in line may fit too.
                self.freed.notify_all();
                return Taken {
                    threads: self,
                    index,
                    memory_mb,
                };
            }
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A thread and memory in use; free again when dropped, also when the job panicked.
struct Taken<'a> {
    threads: &'a RenderThreads,
    index: usize,
    memory_mb: u64,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut state = self.threads.lock();
        state.free.push(self.index);
        state.budget_left_mb += self.memory_mb;
        drop(state);
        self.threads.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn jobs_run_on_the_render_threads_at_most_one_per_thread() {
        let threads = Arc::new(RenderThreads::new(2, 512));
        assert_eq!(threads.pools.len(), 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..6)
            .map(|_| {
                let (threads, running, most) = (threads.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    threads.run(10, || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                        std::thread::current().name().map(str::to_owned)
                    })
                })
            })
            .collect();
        for caller in callers {
            let name = caller.join().unwrap().unwrap_or_default();
            assert!(name.starts_with("invoicer-render-"), "{name}");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn work_a_job_hands_to_rayon_runs_on_its_own_thread() {
        let threads = RenderThreads::new(1, 512);
        let (mine, spawned) = threads.run(10, || {
            let (sender, receiver) = std::sync::mpsc::channel();
            rayon::spawn(move || {
                let _ = sender.send(std::thread::current().id());
            });
            // What Typst's PDF writer does when it needs the result: yield to rayon.
            loop {
                if let Ok(spawned) = receiver.try_recv() {
                    return (std::thread::current().id(), spawned);
                }
                rayon::yield_now();
            }
        });
        assert_eq!(mine, spawned);
    }

    #[test]
    fn a_panicking_job_frees_its_thread() {
        let threads = RenderThreads::new(1, 512);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            threads.run(500, || panic!("boom"));
        }));
        assert!(result.is_err());
        assert_eq!(threads.run(512, || 7), 7, "thread and memory are back");
    }

    #[test]
    fn renders_together_stay_within_the_memory_budget_whatever_the_cores() {
        let threads = Arc::new(RenderThreads::new(8, 100));
        let held = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = [40usize, 40, 40, 90, 10, 10, 500, 30]
            .into_iter()
            .map(|mb| {
                let (threads, held, most) = (threads.clone(), held.clone(), most.clone());
                std::thread::spawn(move || {
                    threads.run(mb as u64, || {
                        let mb = mb.min(100);
                        let now = held.fetch_add(mb, Ordering::SeqCst) + mb;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(15));
                        held.fetch_sub(mb, Ordering::SeqCst);
                    })
                })
            })
            .collect();
        for caller in callers {
            caller.join().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 100, "held {most} MB at once");
        assert!(most >= 80, "renders still ran side by side: {most} MB");
    }
}

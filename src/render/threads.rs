//! The threads renders run on: one per core, each a rayon pool of its own single thread.
//!
//! Typst's PDF writer hands part of its work (compressing the page content, images) to rayon
//! and waits for it. On the global rayon pool that work lands on another core, which a parallel
//! render is using already, and idle rayon threads spin while they wait for more. Inside a pool
//! of one thread, the render's own thread does that work when it waits for it. So a render uses
//! one core from start to end, renders on all cores do not get in each other's way, and at most
//! one render per core runs at a time; callers beyond that wait for a free thread.

use std::sync::{Condvar, Mutex, OnceLock};

/// A set of single-thread pools and which of them are free.
pub struct RenderThreads {
    pools: Vec<rayon::ThreadPool>,
    free: Mutex<Vec<usize>>,
    freed: Condvar,
}

impl RenderThreads {
    /// The process-wide render threads, one per core, started on first use.
    pub fn global() -> &'static RenderThreads {
        static THREADS: OnceLock<RenderThreads> = OnceLock::new();
        THREADS.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            RenderThreads::new(cores)
        })
    }

    /// `count` render threads. Threads that cannot be started are left out; with none, renders
    /// run on the caller's thread.
    pub fn new(count: usize) -> RenderThreads {
        let pools: Vec<rayon::ThreadPool> = (0..count)
            .map_while(|index| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(move |_| format!("invoicer-render-{index}"))
                    .build()
                    .ok()
            })
            .collect();
        RenderThreads {
            free: Mutex::new((0..pools.len()).rev().collect()),
            freed: Condvar::new(),
            pools,
        }
    }

    /// Run `job` on a free render thread, waiting for one if all are busy, and return its
    /// result. A panic in `job` comes back to the caller, and the thread is free again.
    pub fn run<T: Send>(&self, job: impl FnOnce() -> T + Send) -> T {
        if self.pools.is_empty() {
            return job();
        }
        let taken = Taken {
            threads: self,
            index: self.take(),
        };
        self.pools[taken.index].install(job)
    }

    fn take(&self) -> usize {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(index) = free.pop() {
                return index;
            }
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A thread in use; free again when dropped, also when the job panicked.
struct Taken<'a> {
    threads: &'a RenderThreads,
    index: usize,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let mut free = self.threads.free.lock().unwrap_or_else(|e| e.into_inner());
        free.push(self.index);
        drop(free);
        self.threads.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn jobs_run_on_the_render_threads_at_most_one_per_thread() {
        let threads = Arc::new(RenderThreads::new(2));
        assert_eq!(threads.pools.len(), 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..6)
            .map(|_| {
                let (threads, running, most) = (threads.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    threads.run(|| {
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
        let threads = RenderThreads::new(1);
        let (mine, spawned) = threads.run(|| {
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
        let threads = RenderThreads::new(1);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            threads.run(|| panic!("boom"));
        }));
        assert!(result.is_err());
        assert_eq!(threads.run(|| 7), 7);
    }
}

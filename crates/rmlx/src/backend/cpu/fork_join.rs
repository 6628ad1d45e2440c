//! A fork/join team for kernels whose helper threads stay awake between kernels.
//!
//! Why not rayon alone: rayon parks idle threads almost at once, and waking a parked thread
//! costs ~50 µs on the virtual machines we run on (measured: the second half of a GEMM
//! started 48 µs after it was posted, every time). A training step runs dozens of parallel
//! kernels a few hundred microseconds long, so each paid that latency. OpenMP runtimes
//! (PyTorch's) avoid it by spinning idle threads for a while; so does this team: helpers
//! spin for `IDLE_SPIN` after their last job before blocking on a condition variable.
//!
//! One job runs at a time. The calling thread takes part (it claims indices like the
//! helpers), so a team of `n` cores has `n - 1` helpers. A caller that finds the team busy
//! (another stream's kernel, or a kernel inside a kernel) gets `None` and uses rayon instead.
//!
//! Job lifetime: a job lives on the caller's stack. Helpers announce themselves in `active`
//! before reading the job pointer and leave after their last access; the caller clears the
//! pointer and waits for `active` to drop to zero before returning, so no helper can touch a
//! finished job.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long an idle helper keeps looking for the next job before it blocks.
const IDLE_SPIN: Duration = Duration::from_micros(800);

/// One parallel loop: `f(i)` for `i` in `0..n`.
struct Job<'a> {
    f: &'a (dyn Fn(usize) + Sync),
    n: usize,
    /// Next index to claim.
    next: AtomicUsize,
    /// Indices finished (run or panicked).
    done: AtomicUsize,
    panicked: AtomicBool,
}

impl Job<'_> {
    /// Claims and runs indices until none are left.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, SeqCst);
            if i >= self.n {
                return;
            }
            if catch_unwind(AssertUnwindSafe(|| (self.f)(i))).is_err() {
                self.panicked.store(true, SeqCst);
            }
            self.done.fetch_add(1, SeqCst);
        }
    }
}

struct Team {
    /// The running job (type-erased `*const Job`), or null.
    job: AtomicPtr<()>,
    /// Bumped for every posted job, so helpers notice new work.
    generation: AtomicU64,
    /// Helpers between reading `job` and their last access to it.
    active: AtomicUsize,
    /// Held by the caller whose job runs.
    busy: AtomicBool,
    helpers: usize,
    /// Blocked helpers wait here for the next generation.
    sleep: Mutex<u64>,
    wake: Condvar,
    sleepers: AtomicUsize,
}

fn team() -> &'static Team {
    static TEAM: OnceLock<&'static Team> = OnceLock::new();
    TEAM.get_or_init(|| {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let team: &'static Team = Box::leak(Box::new(Team {
            job: AtomicPtr::new(std::ptr::null_mut()),
            generation: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
            helpers: cores.saturating_sub(1),
            sleep: Mutex::new(0),
            wake: Condvar::new(),
            sleepers: AtomicUsize::new(0),
        }));
        for i in 0..team.helpers {
            let spawned = std::thread::Builder::new()
                .name(format!("rmlx-team-{i}"))
                .spawn(move || helper_loop(team));
            if spawned.is_err() {
                // Fewer helpers only means less parallelism; jobs still finish (the caller
                // claims every index nobody else takes).
                break;
            }
        }
        team
    })
}

fn helper_loop(team: &'static Team) {
    super::threads::enable_flush_to_zero();
    let mut seen = team.generation.load(SeqCst);
    loop {
        // Spin for the next generation, then block.
        let start = Instant::now();
        let mut spins = 0u32;
        while team.generation.load(SeqCst) == seen {
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(128) || start.elapsed() < IDLE_SPIN {
                std::hint::spin_loop();
                continue;
            }
            let mut g = team.sleep.lock().unwrap_or_else(|p| p.into_inner());
            team.sleepers.fetch_add(1, SeqCst);
            while team.generation.load(SeqCst) == seen {
                g = team.wake.wait(g).unwrap_or_else(|p| p.into_inner());
            }
            team.sleepers.fetch_sub(1, SeqCst);
        }
        seen = team.generation.load(SeqCst);
        team.active.fetch_add(1, SeqCst);
        let job = team.job.load(SeqCst) as *const Job<'_>;
        if !job.is_null() {
            // SAFETY: the caller keeps the job alive until `active` is zero after it cleared
            // the pointer; this helper is counted in `active` from before the load.
            unsafe { (*job).work() };
        }
        team.active.fetch_sub(1, SeqCst);
    }
}

/// Runs `f(i)` for `i` in `0..n` on the calling thread and the team's helpers. Returns
/// false (running nothing) when the team is busy with another job or has no helpers.
pub(crate) fn try_run(n: usize, f: &(dyn Fn(usize) + Sync)) -> bool {
    let team = team();
    if team.helpers == 0 || team.busy.swap(true, SeqCst) {
        return false;
    }
    let job = Job {
        f,
        n,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        panicked: AtomicBool::new(false),
    };
    team.job.store(&job as *const Job<'_> as *mut (), SeqCst);
    team.generation.fetch_add(1, SeqCst);
    if team.sleepers.load(SeqCst) > 0 {
        // Taking the lock orders this notification after a helper's check-then-wait.
        let _g = team.sleep.lock().unwrap_or_else(|p| p.into_inner());
        team.wake.notify_all();
    }
    job.work();
    while job.done.load(SeqCst) < n {
        std::hint::spin_loop();
    }
    team.job.store(std::ptr::null_mut(), SeqCst);
    while team.active.load(SeqCst) != 0 {
        std::hint::spin_loop();
    }
    team.busy.store(false, SeqCst);
    if job.panicked.load(SeqCst) {
        panic!("a parallel kernel task panicked");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_runs_once_across_many_jobs() {
        for n in [0usize, 1, 2, 7, 100] {
            for _ in 0..200 {
                let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
                let ran = try_run(n, &|i| {
                    hits[i].fetch_add(1, SeqCst);
                });
                if ran {
                    assert!(hits.iter().all(|h| h.load(SeqCst) == 1));
                }
            }
        }
    }

    #[test]
    fn concurrent_callers_fall_back_instead_of_sharing() {
        let total = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        let local = AtomicUsize::new(0);
                        if !try_run(16, &|_| {
                            local.fetch_add(1, SeqCst);
                        }) {
                            local.fetch_add(16, SeqCst);
                        }
                        assert_eq!(local.load(SeqCst), 16);
                        total.fetch_add(16, SeqCst);
                    }
                });
            }
        });
        assert_eq!(total.load(SeqCst), 4 * 100 * 16);
    }
}

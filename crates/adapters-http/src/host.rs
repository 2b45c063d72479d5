//! The host's CPU and memory for `/monitoring/health` (legacy `system`), read from Linux's `/proc`: figures of the
//! machine, nothing about any person or request. Elsewhere (no `/proc`) each figure is `null`.
//!
//! Memory is `/proc/meminfo`'s `MemTotal` and `MemAvailable` (what the kernel could give without swapping). CPU is
//! the share of time the processors were busy since the previous probe (since boot for the first), from the
//! `cpu` line of `/proc/stat`: two small reads of kernel memory, no disk. The figures are read at most once every
//! `REFRESH` and shared by every probe in between: a caller polling fast neither gets a finer CPU reading of the
//! host (a side channel on what the service does) nor spoils the operators' own.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long the figures read are served again.
const REFRESH: Duration = Duration::from_secs(5);

/// The figures, each `None` when it could not be read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SystemFigures {
    /// Busy CPU time since the previous probe, in percent of all processors (one decimal).
    pub cpu_percent: Option<f64>,
    /// Memory in use, in percent of the total (one decimal).
    pub memory_percent: Option<f64>,
    /// Memory in use (total minus available), MiB.
    pub memory_used_mb: Option<u64>,
    /// Memory available to start new work without swapping, MiB.
    pub memory_available_mb: Option<u64>,
}

/// Cumulated CPU time (clock ticks): busy and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CpuTimes {
    busy: u64,
    total: u64,
}

/// Reads the figures, keeping the previous CPU sample to measure the time between two probes.
#[derive(Debug, Clone, Default)]
pub struct SystemProbe {
    /// The previous sample, and the percentage it gave (repeated when no tick passed since).
    last: Arc<Mutex<Option<(CpuTimes, f64)>>>,
    /// The figures last read, and when.
    kept: Arc<Mutex<Option<(Instant, SystemFigures)>>>,
}

impl SystemProbe {
    /// The figures, read at most once every `REFRESH`.
    pub fn read(&self) -> SystemFigures {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, figures)) = *kept
            && at.elapsed() < REFRESH
        {
            return figures;
        }
        let figures = self.read_now();
        *kept = Some((Instant::now(), figures));
        figures
    }

    /// The figures now.
    fn read_now(&self) -> SystemFigures {
        let (memory_percent, memory_used_mb, memory_available_mb) =
            match std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| memory(&text)) {
                Some((total_kb, available_kb)) => {
                    let used_kb = total_kb.saturating_sub(available_kb);
                    (Some(percent(used_kb, total_kb)), Some(used_kb / 1024), Some(available_kb / 1024))
                }
                None => (None, None, None),
            };
        let cpu_percent = std::fs::read_to_string("/proc/stat").ok().and_then(|text| cpu(&text)).map(|now| {
            let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
            let share = match *last {
                Some((before, share)) if now.total <= before.total => share,
                Some((before, _)) => percent(now.busy.saturating_sub(before.busy), now.total - before.total),
                None => percent(now.busy, now.total),
            };
            *last = Some((now, share));
            share
        });
        SystemFigures { cpu_percent, memory_percent, memory_used_mb, memory_available_mb }
    }
}

/// `part` of `whole` in percent, one decimal; 0 when `whole` is 0.
#[allow(clippy::cast_precision_loss)] // figures far below 2^52
fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part.min(whole) as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// `MemTotal` and `MemAvailable` in kB, from `/proc/meminfo`'s text.
fn memory(meminfo: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        meminfo
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':')?.split_whitespace().next()?.parse().ok())
    };
    Some((field("MemTotal")?, field("MemAvailable")?))
}

/// The busy and total ticks of all processors, from the `cpu` line of `/proc/stat`'s text: user, nice, system,
/// idle, iowait, irq, softirq, steal (guest time is already counted in user and nice).
fn cpu(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find_map(|line| line.strip_prefix("cpu "))?;
    let ticks: Vec<u64> = line.split_whitespace().take(8).map(str::parse).collect::<Result<_, _>>().ok()?;
    let [user, nice, system, idle, iowait, irq, softirq, steal] = ticks[..] else { return None };
    let total = user + nice + system + idle + iowait + irq + softirq + steal;
    Some(CpuTimes { busy: total - idle - iowait, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_in_quick_succession_share_one_reading() {
        let probe = SystemProbe::default();
        let first = probe.read();
        for _ in 0..5 {
            assert_eq!(probe.read(), first);
        }
        assert_eq!(probe.clone().read(), first, "clones share it");
    }

    #[test]
    #[allow(clippy::float_cmp)] // one-decimal values, computed the same way
    fn memory_and_cpu_are_read_from_procfs_text() {
        let meminfo = "MemTotal:        8000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n";
        assert_eq!(memory(meminfo), Some((8_000_000, 2_000_000)));
        assert_eq!(memory("MemTotal: 12 kB\n"), None, "no MemAvailable (kernels before 3.14)");
        assert_eq!(percent(6_000_000, 8_000_000), 75.0);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(5, 0), 0.0);

        let stat = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\nintr 1\n";
        assert_eq!(cpu(stat), Some(CpuTimes { busy: 150, total: 1000 }));
        assert_eq!(cpu("cpu  1 2\n"), None);
        assert_eq!(cpu("intr 1\n"), None);
    }

    #[test]
    fn the_probe_gives_figures_on_linux() {
        let probe = SystemProbe::default();
        let figures = probe.read();
        if std::path::Path::new("/proc/meminfo").exists() {
            assert!(figures.memory_percent.is_some_and(|p| (0.0..=100.0).contains(&p)), "{figures:?}");
            assert!(figures.memory_available_mb.is_some() && figures.memory_used_mb.is_some());
            assert!(figures.cpu_percent.is_some_and(|p| (0.0..=100.0).contains(&p)), "{figures:?}");
            assert!(probe.read().cpu_percent.is_some_and(|p| (0.0..=100.0).contains(&p)), "a second probe");
        }
    }
}

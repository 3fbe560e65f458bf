//! CPU time and memory of a server under test, read from /proc for the
//! process and its descendants (nginx workers, uvicorn workers, node).

use std::fs;

/// User + system CPU ticks from the text of /proc/PID/stat. The command
/// name may hold spaces and parentheses, so fields are counted after the
/// last `)`: state is field 3, utime 14 and stime 15.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A `Vm…:` line of /proc/PID/status, in KiB.
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no memory-safety preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// The process and all its descendants.
pub fn tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        let tasks = fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten()
            .flatten();
        for task in tasks {
            if let Ok(children) = fs::read_to_string(task.path().join("children")) {
                out.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// CPU seconds (user + system) used so far by the process tree.
pub fn cpu_seconds(pid: u32) -> f64 {
    let ticks: u64 = tree(pid)
        .iter()
        .filter_map(|p| fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|s| parse_stat_ticks(&s))
        .sum();
    ticks as f64 / ticks_per_second()
}

fn status_sum_kib(pid: u32, field: &str) -> u64 {
    tree(pid)
        .iter()
        .filter_map(|p| fs::read_to_string(format!("/proc/{p}/status")).ok())
        .filter_map(|s| parse_status_kib(&s, field))
        .sum()
}

/// Peak resident memory (VmHWM) summed over the tree, in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    status_sum_kib(pid, "VmHWM") as f64 / 1024.0
}

/// Resident memory split into (anonymous, file-backed, shared) MiB.
pub fn rss_parts_mib(pid: u32) -> (f64, f64, f64) {
    let f = |field| status_sum_kib(pid, field) as f64 / 1024.0;
    (f("RssAnon"), f("RssFile"), f("RssShmem"))
}

/// Current resident memory (VmRSS) summed over the tree, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    status_sum_kib(pid, "VmRSS") as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_from_the_last_parenthesis() {
        let stat = "4242 (tokio (worker) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 \
                    731 96 0 0 20 0 3 0 5000 100000 900 18446744073709551615";
        assert_eq!(parse_stat_ticks(stat), Some(731 + 96));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn status_fields_in_kib() {
        let status =
            "Name:\tkeyway\nVmPeak:\t  90000 kB\nVmHWM:\t   21504 kB\nVmRSS:\t   20480 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(21504));
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(20480));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
    }

    #[test]
    fn this_process_is_measurable() {
        let me = std::process::id();
        assert!(tree(me).contains(&me));
        let now = rss_mib(me);
        assert!(now > 0.0);
        // Read after: the peak can only have grown since.
        assert!(peak_rss_mib(me) >= now);
    }
}

//! Fargate task sizes: the CPU and memory combinations Fargate accepts, and what a task of a
//! size is as a server.
//!
//! The table (Amazon ECS Developer Guide, "Amazon ECS task definition invalid CPU or memory
//! errors", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html,
//! and the `memory` parameter of RegisterTaskDefinition): CPU in units of 1/1,024 vCPU,
//! memory in MiB.
//! - 256 (0.25 vCPU): 512, 1,024 or 2,048 MiB;
//! - 512 (0.5 vCPU): 1 to 4 GB in 1 GB steps;
//! - 1,024 (1 vCPU): 2 to 8 GB in 1 GB steps;
//! - 2,048 (2 vCPU): 4 to 16 GB in 1 GB steps;
//! - 4,096 (4 vCPU): 8 to 30 GB in 1 GB steps;
//! - 8,192 (8 vCPU): 16 to 60 GB in 4 GB steps (Linux platform 1.4.0 or later);
//! - 16,384 (16 vCPU): 32 to 120 GB in 8 GB steps (Linux platform 1.4.0 or later).

/// One CPU size: its CPU units and the memory it accepts (MiB): from `min` to `max` by `step`.
struct Row {
    cpu: u32,
    min: u32,
    max: u32,
    step: u32,
}

const GB: u32 = 1024;

const TABLE: [Row; 7] = [
    Row {
        cpu: 256,
        min: 512,
        max: 2 * GB,
        step: 512,
    },
    Row {
        cpu: 512,
        min: GB,
        max: 4 * GB,
        step: GB,
    },
    Row {
        cpu: 1024,
        min: 2 * GB,
        max: 8 * GB,
        step: GB,
    },
    Row {
        cpu: 2048,
        min: 4 * GB,
        max: 16 * GB,
        step: GB,
    },
    Row {
        cpu: 4096,
        min: 8 * GB,
        max: 30 * GB,
        step: GB,
    },
    Row {
        cpu: 8192,
        min: 16 * GB,
        max: 60 * GB,
        step: 4 * GB,
    },
    Row {
        cpu: 16384,
        min: 32 * GB,
        max: 120 * GB,
        step: 8 * GB,
    },
];

/// The 0.25 vCPU row accepts 512 MiB, 1 GB and 2 GB only (not 1.5 GB).
fn accepts(row: &Row, memory_mib: u32) -> bool {
    if row.cpu == 256 {
        return matches!(memory_mib, 512 | 1024 | 2048);
    }
    (row.min..=row.max).contains(&memory_mib) && (memory_mib - row.min).is_multiple_of(row.step)
}

/// Whether Fargate accepts a task of `cpu` units and `memory_mib`; the problem, in words, if
/// not: `Err((field, message))`, `field` being `cpu` or `memory`.
pub fn check_fargate(cpu: u32, memory_mib: u32) -> Result<(), (&'static str, String)> {
    let Some(row) = TABLE.iter().find(|r| r.cpu == cpu) else {
        let sizes: Vec<String> = TABLE.iter().map(|r| vcpu_text(r.cpu)).collect();
        return Err((
            "cpu",
            format!(
                "Fargate has no task of {} vCPU; expected one of {} vCPU",
                vcpu_text(cpu),
                sizes.join(", ")
            ),
        ));
    };
    if accepts(row, memory_mib) {
        return Ok(());
    }
    let range = if row.cpu == 256 {
        "0.5, 1 or 2 GB".to_string()
    } else {
        format!(
            "{} to {} GB in steps of {} GB",
            row.min / GB,
            row.max / GB,
            row.step / GB
        )
    };
    Err((
        "memory",
        format!(
            "a Fargate task of {} vCPU takes {range}, got {}",
            vcpu_text(cpu),
            memory_text(memory_mib)
        ),
    ))
}

/// CPU units as vCPUs in words: `0.25`, `1`, `16`.
pub fn vcpu_text(cpu: u32) -> String {
    let v = cpu as f64 / 1024.0;
    format!("{v}")
}

/// MiB in words: `512 MiB`, `2 GB`, `1.5 GB`.
pub fn memory_text(mib: u32) -> String {
    if mib < GB {
        format!("{mib} MiB")
    } else {
        format!("{} GB", mib as f64 / GB as f64)
    }
}

/// What a task of `cpu` units is as a server: whole cores and the speed of each. A task of
/// N >= 1 vCPU is N cores at full speed (our choice: as an instance of N vCPUs); a task of a
/// fraction of a vCPU is one core that runs at that fraction, as its CPU quota lets it (our
/// choice: Fargate's fractional tasks get a share of a core's time).
pub fn server_of(cpu: u32) -> (u32, f64) {
    if cpu >= 1024 {
        (cpu / 1024, 1.0)
    } else {
        (1, cpu as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_in_every_row() {
        assert!(check_fargate(256, 512).is_ok());
        assert!(check_fargate(256, 2048).is_ok());
        assert_eq!(check_fargate(256, 1536).unwrap_err().0, "memory");
        assert!(check_fargate(512, 4096).is_ok());
        assert_eq!(check_fargate(512, 512).unwrap_err().0, "memory");
        assert!(check_fargate(1024, 2048).is_ok());
        assert_eq!(check_fargate(1024, 9 * 1024).unwrap_err().0, "memory");
        assert!(check_fargate(2048, 16 * 1024).is_ok());
        assert!(check_fargate(4096, 30 * 1024).is_ok());
        assert_eq!(check_fargate(4096, 31 * 1024).unwrap_err().0, "memory");
        assert!(check_fargate(8192, 20 * 1024).is_ok());
        assert_eq!(check_fargate(8192, 18 * 1024).unwrap_err().0, "memory");
        assert!(check_fargate(16384, 120 * 1024).is_ok());
        assert_eq!(check_fargate(16384, 36 * 1024).unwrap_err().0, "memory");
        assert_eq!(check_fargate(3072, 8 * 1024).unwrap_err().0, "cpu");
    }

    #[test]
    fn servers_of_whole_and_fractional_sizes() {
        assert_eq!(server_of(256), (1, 0.25));
        assert_eq!(server_of(512), (1, 0.5));
        assert_eq!(server_of(1024), (1, 1.0));
        assert_eq!(server_of(4096), (4, 1.0));
    }
}

//! `HostCapacity`: what a host has for new guests, read through libvirt: its CPUs, the
//! memory it can give (free plus page cache and buffers, from `virNodeGetMemoryStats`, which
//! the kernel gives back under pressure; plain free memory on Xen, whose guests take the
//! hypervisor's free pages, and where a driver has no such statistics, as the test driver),
//! and the free space of vlab's pool.
//!
//! Read-only. Whether a plan fits is the planner's pure `capacity` check.

use super::{HostConnection, LibvirtError};
use std::os::raw::c_int;
use virt::sys;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostCapacity {
    pub cpus: u32,
    /// Bytes of memory the host can give to new guests now.
    pub memory_available: u64,
    /// Free bytes in the lab's pool; `None` when the pool does not exist yet (it is made in
    /// the host's default location) or cannot be read.
    pub pool_available: Option<u64>,
}

impl HostCapacity {
    /// The capacity of the host behind `connection`. On Xen (`xen`), guests take memory from
    /// the hypervisor's free pages, not from dom0's page cache: only free memory counts.
    pub fn read(
        connection: &HostConnection,
        pool: &str,
        xen: bool,
    ) -> Result<HostCapacity, LibvirtError> {
        let conn = connection.conn();
        let info = conn
            .node_info()
            .map_err(|e| LibvirtError::call("the host's CPUs", &e))?;
        let statistics = if xen { None } else { available_memory(conn) };
        let memory_available = match statistics {
            Some(bytes) => bytes,
            None => conn
                .free_memory()
                .map_err(|e| LibvirtError::call("the host's free memory", &e))?,
        };
        let pool_available = conn
            .lookup_storage_pool_by_name(pool)
            .ok()
            .and_then(|p| p.info().ok())
            .map(|i| i.available);
        Ok(HostCapacity {
            cpus: info.cpus,
            memory_available,
            pool_available,
        })
    }
}

/// Free + buffers + cached, in bytes, over all NUMA cells; `None` when the driver has no
/// memory statistics.
fn available_memory(conn: &virt::connect::Connect) -> Option<u64> {
    let mut count: c_int = 0;
    // SAFETY: the connection is valid; a null array asks for the number of fields.
    let asked = unsafe {
        sys::virNodeGetMemoryStats(
            conn.as_ptr(),
            sys::VIR_NODE_MEMORY_STATS_ALL_CELLS,
            std::ptr::null_mut(),
            &raw mut count,
            0,
        )
    };
    if asked < 0 || count <= 0 {
        return None;
    }
    let mut stats = vec![
        sys::virNodeMemoryStats {
            field: [0; 80],
            value: 0,
        };
        count as usize
    ];
    // SAFETY: `stats` holds `count` entries, as libvirt asked for.
    let read = unsafe {
        sys::virNodeGetMemoryStats(
            conn.as_ptr(),
            sys::VIR_NODE_MEMORY_STATS_ALL_CELLS,
            stats.as_mut_ptr(),
            &raw mut count,
            0,
        )
    };
    if read < 0 {
        return None;
    }
    let mut kib = 0u64;
    let mut seen_free = false;
    for stat in stats.iter().take(count as usize) {
        // SAFETY: libvirt writes a NUL-terminated field name into the 80 bytes.
        let name = unsafe { std::ffi::CStr::from_ptr(stat.field.as_ptr()) };
        match name.to_bytes() {
            b"free" => {
                seen_free = true;
                kib += stat.value;
            }
            b"buffers" | b"cached" => kib += stat.value,
            _ => {}
        }
    }
    seen_free.then_some(kib * 1024)
}

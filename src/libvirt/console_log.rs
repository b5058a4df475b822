//! `ConsoleLog`: what a guest printed on its serial console so far, read from the log file
//! its domain names (`<log file=...>`, written by virtlogd) through libvirt's storage API:
//! the file is a volume in vlab's pool, so a pool refresh finds it and a volume download
//! reads it (`VolumeReader`), over any host URI (`qemu+ssh://` too) with no file access to
//! the host.
//!
//! It reads the end of the current log file only: virtlogd rotates it at 2 MiB into `.0`,
//! `.1`, ... files, which it leaves alone. A domain that logs nowhere (Xen: libxl writes no
//! console log) or outside the pool (made by a vlab that logged to libvirt's own directory)
//! is an error that says so. What to print of it is the caller's business.

use super::HostConnection;
use super::console_error::ConsoleError;
use virt::error::ErrorNumber;
use virt::storage_pool::StoragePool;

pub struct ConsoleLog;

impl ConsoleLog {
    /// At most about the last `max_bytes` of the console log of `domain`, whose pool on
    /// the host is `pool`.
    pub fn read_tail(
        connection: &HostConnection,
        domain: &str,
        pool: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, ConsoleError> {
        let host = || connection.host.clone();
        let conn = connection.conn();
        let found = match conn.lookup_domain_by_name(domain) {
            Ok(found) => found,
            Err(e) if e.code().is(ErrorNumber::NoDomain) => {
                return Err(ConsoleError::Absent {
                    domain: domain.to_string(),
                    host: host(),
                });
            }
            Err(e) => return Err(ConsoleError::call(format!("domain `{domain}`"), &e)),
        };
        let xml = found
            .xml_desc(0)
            .map_err(|e| ConsoleError::call(format!("domain `{domain}`"), &e))?;
        let Some(file) = log_file(&xml) else {
            return Err(ConsoleError::NoLog {
                domain: domain.to_string(),
                host: host(),
            });
        };
        let pool_what = || format!("storage pool `{pool}`");
        let storage = conn
            .lookup_storage_pool_by_name(pool)
            .map_err(|e| ConsoleError::call(pool_what(), &e))?;
        let (dir, volume) = file.rsplit_once('/').unwrap_or(("", file.as_str()));
        if pool_path(&storage).as_deref() != Some(dir) {
            return Err(ConsoleError::LogOutsidePool {
                domain: domain.to_string(),
                host: host(),
                path: file.clone(),
            });
        }
        // virtlogd made the file behind libvirt's back: only a refresh lists it.
        super::pool_uploader::refresh(&storage).map_err(|e| ConsoleError::call(pool_what(), &e))?;
        let vol = match storage.lookup_storage_vol_by_name(volume) {
            Ok(vol) => vol,
            Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => {
                return Err(ConsoleError::LogMissing {
                    volume: volume.to_string(),
                    pool: pool.to_string(),
                    host: host(),
                });
            }
            Err(e) => return Err(ConsoleError::call(pool_what(), &e)),
        };
        let what = || format!("reading {volume} in pool `{pool}`");
        let size = vol
            .info()
            .map_err(|e| ConsoleError::call(what(), &e))?
            .capacity;
        // No bound beyond the offset: the log may have grown since its size was read.
        let text = super::volume_reader::VolumeReader::download(
            connection,
            &vol,
            size.saturating_sub(max_bytes),
            u64::MAX,
        )
        .map_err(|e| ConsoleError::call(what(), &e))?
        .unwrap_or_default();
        Ok(text)
    }
}

/// The first console log file a domain's XML names (the serial port's; its console
/// mirrors it).
fn log_file(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    doc.descendants()
        .filter(|n| n.has_tag_name("log"))
        .filter(|n| {
            n.parent()
                .is_some_and(|p| p.has_tag_name("serial") || p.has_tag_name("console"))
        })
        .find_map(|n| n.attribute("file").map(str::to_string))
}

/// The pool's directory (its target path), without a trailing `/`.
fn pool_path(pool: &StoragePool) -> Option<String> {
    let xml = pool.xml_desc(0).ok()?;
    let doc = roxmltree::Document::parse(&xml).ok()?;
    doc.descendants()
        .find(|n| n.has_tag_name("path"))
        .and_then(|n| n.text())
        .map(|p| p.trim().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::log_file;

    #[test]
    fn the_log_file_is_the_serial_ports() {
        let kvm = "<domain><devices><serial type='pty'><log file='/p/vlab_l_n_console.log' \
                   append='on'/><target port='0'/></serial><console type='pty'><log \
                   file='/p/vlab_l_n_console.log' append='on'/></console></devices></domain>";
        assert_eq!(log_file(kvm).as_deref(), Some("/p/vlab_l_n_console.log"));
        let xen = "<domain type='xen'><devices><console type='pty'><target type='xen' \
                   port='0'/></console></devices></domain>";
        assert_eq!(log_file(xen), None);
        assert_eq!(log_file("not xml"), None);
    }
}

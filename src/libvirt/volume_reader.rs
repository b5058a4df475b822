//! `VolumeReader`: the bytes of a volume in one of a host's pools, downloaded through
//! libvirt's storage API (a volume download into a stream), so it works over any host URI
//! (`qemu+ssh://` too) with no file access to the host. Every read is bounded by the caller.
//! `ConsoleLog` reads the end of a console log with it, the plan's cloud-init diff a
//! domain's old seed (`read_seed`). Reading only; what the bytes mean is the caller's
//! business.

use super::{HostConnection, LibvirtError};
use virt::error::ErrorNumber;
use virt::storage_vol::StorageVol;
use virt::stream::Stream;

/// The largest seed `read_seed` downloads: a seed of four files at their size limit
/// (`cloud_init::TEMPLATE_LIMIT`) is about 9 MiB.
pub const SEED_LIMIT: u64 = 16 * 1024 * 1024;

pub struct VolumeReader;

impl VolumeReader {
    /// From `offset` to the end of `volume` as it is now (it may have grown since its size
    /// was read), or `None` when that is more than `max` bytes (the download is cut off).
    pub fn download(
        connection: &HostConnection,
        volume: &StorageVol,
        offset: u64,
        max: u64,
    ) -> Result<Option<Vec<u8>>, virt::error::Error> {
        let stream = Stream::new(connection.conn(), 0)?;
        // Length 0: to the end of the volume.
        volume.download(&stream, offset, 0, 0)?;
        let mut bytes = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match stream.recv(&mut buffer) {
                Ok(n) if n > 0 => {
                    bytes.extend_from_slice(&buffer[..n as usize]);
                    if bytes.len() as u64 > max {
                        let _ = stream.abort();
                        return Ok(None);
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    let _ = stream.abort();
                    return Err(e);
                }
            }
        }
        stream.finish()?;
        Ok(Some(bytes))
    }

    /// The seed volume `volume` in `pool` on the connection's host, whole: `Ok(None)` when
    /// the pool or the volume is not there, an error when it cannot be read (a driver
    /// without volume downloads, such as libvirt's test driver) or is larger than a seed can
    /// be (`SEED_LIMIT`).
    pub fn read_seed(
        connection: &HostConnection,
        pool: &str,
        volume: &str,
    ) -> Result<Option<Vec<u8>>, LibvirtError> {
        let storage = match connection.conn().lookup_storage_pool_by_name(pool) {
            Ok(storage) => storage,
            Err(e) if e.code().is(ErrorNumber::NoStoragePool) => return Ok(None),
            Err(e) => return Err(LibvirtError::call(&format!("storage pool `{pool}`"), &e)),
        };
        let found = match storage.lookup_storage_vol_by_name(volume) {
            Ok(found) => found,
            Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => return Ok(None),
            Err(e) => return Err(LibvirtError::call(&format!("volume {volume}"), &e)),
        };
        let what = format!("reading {volume} in pool `{pool}`");
        let too_large = || LibvirtError::Call {
            what: what.clone(),
            message: format!("larger than a seed can be ({SEED_LIMIT} bytes)"),
        };
        let info = found.info().map_err(|e| LibvirtError::call(&what, &e))?;
        if info.capacity > SEED_LIMIT {
            return Err(too_large());
        }
        match Self::download(connection, &found, 0, SEED_LIMIT) {
            Ok(Some(bytes)) => Ok(Some(bytes)),
            Ok(None) => Err(too_large()),
            Err(e) => Err(LibvirtError::call(&what, &e)),
        }
    }
}

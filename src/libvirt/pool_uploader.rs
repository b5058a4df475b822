//! `PoolUploader`: places files on a libvirt host as volumes in vlab's pool: cached images
//! as base volumes, and cloud-init seeds.
//!
//! A file travels through a libvirt storage-volume upload stream, so local, `qemu+ssh://`
//! and `xen+ssh://` hosts work the same way and no host depends on files in the client's
//! /tmp. A base image is named by its digest (`vlab-base-sha256-<hex>`), other files by a
//! name the caller gives (carrying a digest); a host that already holds a volume complete is
//! skipped. Because libvirt volumes carry no metadata, an upload
//! is marked complete by a zero-size companion volume `<name>.ready`, created only after the
//! stream finished: a base volume without it (an interrupted upload) is deleted and sent again.
//! Uploads from this machine to one pool take a lock per volume (in the image cache's
//! `locks`), so two vlab processes placing the same image at once (two labs, instances or
//! CI runs) never take each other's upload for an interrupted one; uploads from two
//! different machines to the same pool at the same moment are not coordinated.
//! Base volumes are mode 0644 (every guest's overlay reads them); seeds, which hold secrets,
//! are created 0600.
//! This module only uploads; guest overlays on the base volume are the applier's business.
//! Every call here blocks: async callers run it with `spawn_blocking`.

use super::host_connection::HostConnection;
use crate::checksum::Checksum;
use crate::host::resource_names as names;
use crate::host::xml_element::XmlElement;
use std::io::Read;
use std::path::Path;
use virt::connect::Connect;
use virt::error::ErrorNumber;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;
use virt::stream::Stream;

const CHUNK: usize = 1024 * 1024;
/// Base images: backing files that every guest of the host reads.
const SHARED_MODE: &str = "0644";
/// Seeds: they hold user-data, secrets included.
const PRIVATE_MODE: &str = "0600";

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("cannot connect to {uri}: {message}")]
    Connect { uri: String, message: String },
    #[error("{uri}: storage pool `{pool}`: {message}")]
    Pool {
        uri: String,
        pool: String,
        message: String,
    },
    #[error("{uri}: uploading {volume}: {message}")]
    Upload {
        uri: String,
        volume: String,
        message: String,
    },
    #[error("cannot read the cached image {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// A base volume on a host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BaseVolume {
    pub pool: String,
    pub name: String,
    /// The volume's path on the host (the backing file of guest overlays).
    pub path: String,
    /// False when the host already had it.
    pub uploaded: bool,
}

/// Rescans a pool's directory for volumes made outside libvirt. libvirt refuses while an
/// upload into the pool is running (this apply's or another's); the volumes made through
/// libvirt are in its list anyway, so then the scan is skipped rather than failed.
pub fn refresh(pool: &StoragePool) -> Result<(), virt::error::Error> {
    match pool.refresh(0) {
        Ok(()) => Ok(()),
        Err(e) if e.message().contains("asynchronous jobs running") => Ok(()),
        Err(e) => Err(e),
    }
}

pub struct PoolUploader {
    uri: String,
    conn: Connect,
}

impl PoolUploader {
    pub fn connect(uri: &str) -> Result<PoolUploader, UploadError> {
        // libvirt prints every error to stderr unless told not to; vlab reports them itself.
        virt::error::clear_error_callback();
        let conn = Connect::open(Some(uri)).map_err(|e| UploadError::Connect {
            uri: uri.to_string(),
            message: e.message().to_string(),
        })?;
        Ok(PoolUploader {
            uri: uri.to_string(),
            conn,
        })
    }

    /// An uploader on the command's connection to a host.
    pub fn on(connection: &HostConnection) -> PoolUploader {
        PoolUploader {
            uri: connection.uri.clone(),
            conn: connection.conn().clone(),
        }
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Ensures `pool` exists and runs, creating a directory pool when it does not exist.
    /// Returns whether vlab created it.
    pub fn ensure_pool(&self, pool: &str) -> Result<bool, UploadError> {
        let pool_error = |e: virt::error::Error| UploadError::Pool {
            uri: self.uri.clone(),
            pool: pool.to_string(),
            message: e.message().to_string(),
        };
        // Another vlab on this machine making the same pool at once waits, then finds it.
        let _making = placing_lock(&self.uri, pool, "")?;
        match self.conn.lookup_storage_pool_by_name(pool) {
            Ok(existing) => {
                if !existing.is_active().map_err(pool_error)? {
                    existing.create(0).map_err(pool_error)?;
                }
                Ok(false)
            }
            Err(e) if e.code().is(ErrorNumber::NoStoragePool) => {
                let path = self.pool_dir(pool);
                let xml = XmlElement::new("pool")
                    .attr("type", "dir")
                    .child(XmlElement::leaf("name", pool))
                    .child(XmlElement::new("target").child(XmlElement::leaf("path", &path)))
                    .render();
                let created = self
                    .conn
                    .define_storage_pool_xml(&xml, 0)
                    .map_err(pool_error)?;
                created.build(0).map_err(pool_error)?;
                created.create(0).map_err(pool_error)?;
                created.set_autostart(true).map_err(pool_error)?;
                Ok(true)
            }
            Err(e) => Err(pool_error(e)),
        }
    }

    /// Uploads the cached image at `image` (with `digest`) into `pool`, unless it is there.
    pub fn place(
        &self,
        pool: &str,
        image: &Path,
        digest: &Checksum,
        progress: &dyn Fn(u64),
    ) -> Result<BaseVolume, UploadError> {
        self.place_named(pool, &names::base_volume(digest), image, progress)
    }

    /// Uploads `image` into `pool` as volume `name`, unless a complete volume of that name is
    /// there. Callers put what identifies the content (a digest) into the name: the seed of a
    /// node, for one, goes up under a name that carries its digest.
    pub fn place_named(
        &self,
        pool: &str,
        name: &str,
        image: &Path,
        progress: &dyn Fn(u64),
    ) -> Result<BaseVolume, UploadError> {
        self.place_with_mode(pool, name, image, SHARED_MODE, progress)
    }

    /// `place_named` for a file that holds secrets (a node's seed): the volume is created
    /// readable by its owner only (libvirt hands it to the guest's QEMU when the domain
    /// starts, as it does any disk).
    pub fn place_private(
        &self,
        pool: &str,
        name: &str,
        image: &Path,
        progress: &dyn Fn(u64),
    ) -> Result<BaseVolume, UploadError> {
        self.place_with_mode(pool, name, image, PRIVATE_MODE, progress)
    }

    fn place_with_mode(
        &self,
        pool: &str,
        name: &str,
        image: &Path,
        mode: &str,
        progress: &dyn Fn(u64),
    ) -> Result<BaseVolume, UploadError> {
        let pool_error = |e: virt::error::Error| UploadError::Pool {
            uri: self.uri.clone(),
            pool: pool.to_string(),
            message: e.message().to_string(),
        };
        // Held until the volume is complete or found so: another vlab on this machine
        // placing the same volume in the same pool (a second lab, instance or run) waits,
        // then finds it there, instead of taking the volume it is still writing for an
        // interrupted upload.
        let _placing = placing_lock(&self.uri, pool, name)?;
        let storage = self
            .conn
            .lookup_storage_pool_by_name(pool)
            .map_err(pool_error)?;
        refresh(&storage).map_err(pool_error)?;
        let name = name.to_string();
        let ready = crate::host::resource_names::ready_marker(&name);
        let lookup = |name: &str| match storage.lookup_storage_vol_by_name(name) {
            Ok(volume) => Ok(Some(volume)),
            Err(e) if e.code().is(ErrorNumber::NoStorageVolume) => Ok(None),
            Err(e) => Err(pool_error(e)),
        };
        if let Some(volume) = lookup(&name)? {
            if lookup(&ready)?.is_some() {
                let path = volume.path().map_err(pool_error)?;
                return Ok(BaseVolume {
                    pool: pool.to_string(),
                    name,
                    path,
                    uploaded: false,
                });
            }
            // An upload that never finished: start over.
            volume.delete(0).map_err(pool_error)?;
        }
        let upload_error = |e: virt::error::Error| UploadError::Upload {
            uri: self.uri.clone(),
            volume: name.clone(),
            message: e.message().to_string(),
        };
        let size = std::fs::metadata(image)
            .map_err(|e| UploadError::Read {
                path: image.display().to_string(),
                source: e,
            })?
            .len();
        let volume = StorageVol::create_xml(&storage, &volume_xml(&name, size, mode), 0)
            .map_err(upload_error)?;
        if let Err(e) = self.stream_into(&volume, image, size, progress) {
            let _ = volume.delete(0);
            return Err(e);
        }
        StorageVol::create_xml(&storage, &volume_xml(&ready, 0, SHARED_MODE), 0)
            .map_err(upload_error)?;
        refresh(&storage).map_err(pool_error)?;
        let path = volume.path().map_err(upload_error)?;
        Ok(BaseVolume {
            pool: pool.to_string(),
            name,
            path,
            uploaded: true,
        })
    }

    fn stream_into(
        &self,
        volume: &StorageVol,
        image: &Path,
        size: u64,
        progress: &dyn Fn(u64),
    ) -> Result<(), UploadError> {
        let name = volume.name().unwrap_or_default();
        let upload_error = |message: String| UploadError::Upload {
            uri: self.uri.clone(),
            volume: name.clone(),
            message,
        };
        let read_error = |e| UploadError::Read {
            path: image.display().to_string(),
            source: e,
        };
        let stream =
            Stream::new(&self.conn, 0).map_err(|e| upload_error(e.message().to_string()))?;
        volume
            .upload(&stream, 0, size, 0)
            .map_err(|e| upload_error(e.message().to_string()))?;
        let mut file = std::fs::File::open(image).map_err(read_error)?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = stream.abort();
                    return Err(read_error(e));
                }
            };
            let mut sent = 0;
            while sent < n {
                match stream.send(&buf[sent..n]) {
                    Ok(k) if k > 0 => sent += k as usize,
                    Ok(_) => {
                        let _ = stream.abort();
                        return Err(upload_error("the host stopped accepting data".into()));
                    }
                    Err(e) => {
                        let _ = stream.abort();
                        return Err(upload_error(e.message().to_string()));
                    }
                }
            }
            progress(n as u64);
        }
        stream
            .finish()
            .map_err(|e| upload_error(e.message().to_string()))
    }

    /// Where vlab puts a pool it creates: beside libvirt's default images directory.
    pub fn pool_dir(&self, pool: &str) -> String {
        if self.uri.contains("/session") {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
            format!("{home}/.local/share/libvirt/images/{pool}")
        } else {
            format!("/var/lib/libvirt/images/{pool}")
        }
    }
}

/// A raw volume of `size` bytes with file mode `mode`; whatever format the uploaded bytes
/// have, libvirt probes on refresh (so no qemu-img is needed to create it).
fn volume_xml(name: &str, size: u64, mode: &str) -> String {
    XmlElement::new("volume")
        .child(XmlElement::leaf("name", name))
        .child(XmlElement::leaf("capacity", size).attr("unit", "bytes"))
        .child(XmlElement::leaf("allocation", 0).attr("unit", "bytes"))
        .child(
            XmlElement::new("target")
                .child(XmlElement::new("format").attr("type", "raw"))
                .child(XmlElement::new("permissions").child(XmlElement::leaf("mode", mode))),
        )
        .render()
}

/// The lock on this machine for placing volume `name` in `pool` on the host at `uri`.
fn placing_lock(
    uri: &str,
    pool: &str,
    name: &str,
) -> Result<crate::lab_lock::LabLock, UploadError> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{uri}\n{pool}\n{name}").as_bytes());
    let key = crate::checksum::hex(&digest[..8]);
    let locks = crate::image_store::cache_layout::CacheLayout::default_root().join("locks");
    crate::lab_lock::LabLock::acquire(
        &locks,
        &format!("upload-{key}"),
        &format!("upload of {name}"),
        None,
        &|_| {},
    )
    .map_err(|e| UploadError::Upload {
        uri: uri.to_string(),
        volume: name.to_string(),
        message: format!("cannot take the upload lock: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_volumes_are_created_owner_only_and_base_volumes_readable() {
        assert!(volume_xml("s", 1, PRIVATE_MODE).contains("<mode>0600</mode>"));
        assert!(volume_xml("b", 1, SHARED_MODE).contains("<mode>0644</mode>"));
    }
}

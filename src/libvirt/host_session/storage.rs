//! The storage half of `HostSession`: vlab's pool on the host (made, found, removed when
//! empty and vlab's), base volumes placed through the uploader, each node's root overlay and
//! extra disks, and volume paths for direct boot. Deciding which volumes to make or delete
//! is the planner's job.

use super::{HostSession, Result, err, found};
use crate::host::domain_xml::DirectBoot;
use crate::host::resource_names as names;
use crate::host::xml_element::XmlElement;
use crate::lab::Node;
use crate::lab::choices::DiskFormat;
use crate::libvirt::LibvirtError;
use virt::storage_vol::StorageVol;

impl HostSession {
    /// Uploads `path` (content `digest`) as its base volume, unless it is there; uploads of
    /// the same volume from this apply run one after the other.
    pub fn place_base(
        &self,
        path: &std::path::Path,
        digest: &crate::checksum::Checksum,
    ) -> Result<()> {
        let volume = crate::host::resource_names::base_volume(digest);
        let lock = {
            let mut uploads = self
                .uploads
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            uploads.entry(volume).or_default().clone()
        };
        let _one_at_a_time = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.uploader
            .place(&self.host.pool, path, digest, &|_| {})?;
        Ok(())
    }

    pub fn ensure_pool(&self) -> Result<()> {
        self.uploader.ensure_pool(&self.host.pool)?;
        Ok(())
    }

    /// Removes vlab's pool when it is empty and is the directory pool vlab creates (its path
    /// is vlab's); a pool someone else made, or one still holding volumes, stays.
    pub fn remove_pool_if_ours_and_empty(&self) -> Result<bool> {
        let name = &self.host.pool;
        let Some(pool) = found(
            self.connection.conn().lookup_storage_pool_by_name(name),
            name,
        )?
        else {
            return Ok(false);
        };
        if pool.is_active().map_err(err(name))? {
            crate::libvirt::pool_uploader::refresh(&pool).map_err(err(name))?;
            if !pool.list_volumes().map_err(err(name))?.is_empty() {
                return Ok(false);
            }
        }
        let xml = pool.xml_desc(0).map_err(err(name))?;
        let ours = roxmltree::Document::parse(&xml)
            .ok()
            .and_then(|doc| {
                doc.descendants()
                    .find(|n| n.has_tag_name("path"))
                    .and_then(|n| n.text())
                    .map(|p| p.trim() == self.uploader.pool_dir(name))
            })
            .unwrap_or(false);
        if !ours {
            return Ok(false);
        }
        if pool.is_active().map_err(err(name))? {
            match pool.destroy() {
                Ok(()) => {}
                // Another apply uploads into it right now: it is not empty for long.
                Err(e) if e.message().contains("asynchronous jobs running") => return Ok(false),
                Err(e) => return Err(err(name)(e)),
            }
        }
        pool.delete(0).map_err(err(name))?;
        pool.undefine().map_err(err(name))?;
        Ok(true)
    }

    /// Deletes a volume of vlab's pool (and its `.ready` marker); absent is fine.
    pub fn delete_volume(&self, name: &str) -> Result<()> {
        let pool = self
            .connection
            .conn()
            .lookup_storage_pool_by_name(&self.host.pool)
            .map_err(err(&self.host.pool))?;
        for volume in [name.to_string(), format!("{name}.ready")] {
            if let Some(v) = found(pool.lookup_storage_vol_by_name(&volume), &volume)? {
                v.delete(0).map_err(err(&volume))?;
            }
        }
        Ok(())
    }

    /// Creates the node's root overlay on its base image (afresh when `fresh_root`, else only
    /// if missing) and its extra disks that are missing. Extra disks are never wiped: they
    /// hold the node's data across rebuilds.
    pub fn create_disks(
        &self,
        node: &Node,
        base_volume: &str,
        base_format: DiskFormat,
        fresh_root: bool,
    ) -> Result<()> {
        let pool = self
            .connection
            .conn()
            .lookup_storage_pool_by_name(&self.host.pool)
            .map_err(err(&self.host.pool))?;
        crate::libvirt::pool_uploader::refresh(&pool).map_err(err(&self.host.pool))?;
        let base = pool
            .lookup_storage_vol_by_name(base_volume)
            .map_err(err(base_volume))?;
        let base_path = base.path().map_err(err(base_volume))?;
        let base_size = base.info().map_err(err(base_volume))?.capacity;
        let root = names::root_volume(&self.lab_name, &node.name);
        let size = node
            .disk_size
            .map_or(base_size, |s| s.bytes().max(base_size));
        let format = match base_format {
            DiskFormat::Qcow2 => "qcow2",
            DiskFormat::Raw => "raw",
        };
        let xml = XmlElement::new("volume")
            .child(XmlElement::leaf("name", &root))
            .child(XmlElement::leaf("capacity", size).attr("unit", "bytes"))
            .child(XmlElement::new("target").child(XmlElement::new("format").attr("type", "qcow2")))
            .child(
                XmlElement::new("backingStore")
                    .child(XmlElement::leaf("path", &base_path))
                    .child(XmlElement::new("format").attr("type", format)),
            )
            .render();
        let exists = found(pool.lookup_storage_vol_by_name(&root), &root)?.is_some();
        if fresh_root || !exists {
            self.delete_volume(&root)?;
            StorageVol::create_xml(&pool, &xml, 0).map_err(err(&root))?;
        }
        for disk in &node.disks {
            let name = names::disk_volume(&self.lab_name, &node.name, &disk.name);
            let format = match disk.format {
                DiskFormat::Qcow2 => "qcow2",
                DiskFormat::Raw => "raw",
            };
            let xml = XmlElement::new("volume")
                .child(XmlElement::leaf("name", &name))
                .child(XmlElement::leaf("capacity", disk.size.bytes()).attr("unit", "bytes"))
                .child(
                    XmlElement::new("target").child(XmlElement::new("format").attr("type", format)),
                )
                .render();
            if found(pool.lookup_storage_vol_by_name(&name), &name)?.is_none() {
                StorageVol::create_xml(&pool, &xml, 0).map_err(err(&name))?;
            }
        }
        Ok(())
    }

    /// The directory of vlab's pool on the host (its target path): Xen disks are files there.
    pub fn pool_path(&self) -> Result<String> {
        let name = &self.host.pool;
        let pool = self
            .connection
            .conn()
            .lookup_storage_pool_by_name(name)
            .map_err(err(name))?;
        let xml = pool.xml_desc(0).map_err(err(name))?;
        roxmltree::Document::parse(&xml)
            .ok()
            .and_then(|doc| {
                doc.descendants()
                    .find(|n| n.has_tag_name("path"))
                    .and_then(|n| n.text())
                    .map(|p| p.trim().to_string())
            })
            .ok_or_else(|| LibvirtError::Call {
                what: name.clone(),
                message: "the pool has no target path".into(),
            })
    }

    /// The host path of a pool volume (for direct-boot kernels).
    pub fn volume_path(&self, name: &str) -> Result<String> {
        let pool = self
            .connection
            .conn()
            .lookup_storage_pool_by_name(&self.host.pool)
            .map_err(err(&self.host.pool))?;
        pool.lookup_storage_vol_by_name(name)
            .and_then(|v| v.path())
            .map_err(err(name))
    }

    pub fn direct_boot(
        &self,
        kernel: &str,
        initrd: Option<&str>,
        cmdline: Option<String>,
    ) -> Result<DirectBoot> {
        Ok(DirectBoot {
            kernel: self.volume_path(kernel)?,
            initrd: initrd.map(|i| self.volume_path(i)).transpose()?,
            cmdline,
        })
    }
}

//! Nodes: `defaults` merged in, `count` expanded, host and image references, cpus, memory,
//! disks and cloud-init inputs. Interfaces, Ansible groups and Xen guest checks have their
//! own files.

use super::Resolver;
use super::expander::Instance;
use super::names::invalid_name;
use crate::byte_size::ByteSize;
use crate::lab::choices::{DiskFormat, Hypervisor};
use crate::lab::{CloudInit, Disk, Node};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::{check_name, unknown_help};
use crate::language::spanned::Spanned;
use crate::language::spec::{CloudInitSpec, DiskSpec, NodeSettings, NodeSpec};
use std::path::{Path, PathBuf};

const MAX_CPUS: i128 = 512;
/// Extra disks per node: virtio targets `vdb`..`vdy` (the root is `vda`, the seed comes last).
const MAX_DISKS: usize = 24;
const MIN_MEMORY: ByteSize = ByteSize(64 * 1024 * 1024);
const DEFAULT_MEMORY_MIB: u64 = 1024;

impl Resolver<'_> {
    pub(super) fn resolve_nodes(&mut self) {
        let instances =
            |s: &(&NodeSpec, Option<u32>)| s.0.count.as_ref().map_or(1, |c| c.value as usize);
        let spec = self.spec;
        let seated = super::expander::seated(spec, &spec.nodes, |s| &s.nodes);
        self.nodes.reserve_exact(seated.iter().map(instances).sum());
        for (spec, seat) in seated {
            let settings = super::defaults::merge(&spec.settings, self.spec.defaults.as_ref());
            for at in super::expander::instances(seat, spec.count.as_ref()) {
                if let Some(node) = self.resolve_node(spec, &settings, at) {
                    self.node_index.insert(node.name.clone(), self.nodes.len());
                    self.nodes.push(node);
                }
            }
        }
    }

    fn resolve_node(&mut self, spec: &NodeSpec, s: &NodeSettings, at: Instance) -> Option<Node> {
        let name = self.expand(&spec.name, at)?;
        // Recorded even when invalid, so references to it raise no second error.
        if let Err(e) = self.node_names.insert(&name.value, name.span) {
            self.d.push(e);
            return None;
        }
        let name_ok = check_name(&name.value, 63)
            .map_err(|why| self.d.push(invalid_name("node", name.span, why)))
            .is_ok();
        // Everything is checked before anything is given up on, so one pass reports all.
        let host = self.node_host(s.host.as_ref(), &name, at);
        let image = self.node_image(s.image.as_ref(), &name, at);
        let cpus = self.node_cpus(s.cpus.as_ref());
        let memory = match &s.memory {
            Some(text) => self.memory(text),
            None => Some(ByteSize::mib(DEFAULT_MEMORY_MIB)),
        };
        let disk_size = match &s.disk_size {
            Some(text) => self.size(text, "disk-size", ByteSize::mib(1)).map(Some),
            None => Some(None),
        };
        let disks = self.node_disks(s.disks.as_deref().unwrap_or_default(), at);
        let interfaces =
            self.node_interfaces(&name.value, s.interfaces.as_deref().unwrap_or_default(), at);
        let cloud_init = self.cloud_init(s.cloud_init.as_ref(), at);
        let groups = self.node_groups(s.groups.as_deref(), at);
        let (host, hypervisor) = host?;
        let xen_boot = self.xen_boot(&name.value, spec, s, hypervisor);
        let xen_paths = self.xen_guest(&host, xen_boot, s.cpus.as_ref());
        if !name_ok {
            return None;
        }
        Some(Node {
            name: name.value,
            index: at.index,
            seat: at.seat,
            host,
            hypervisor,
            image: image?,
            cpus: cpus?,
            memory: memory?,
            disk_size: disk_size?,
            disks: disks?,
            interfaces: interfaces?,
            cloud_init,
            xen_boot,
            xen_paths,
            groups: groups?,
            count_group: super::groups::count_group(spec, at.seat),
        })
    }

    fn node_host(
        &mut self,
        host: Option<&Spanned<String>>,
        node: &Spanned<String>,
        at: Instance,
    ) -> Option<(String, Hypervisor)> {
        let Some(host) = host else {
            // With no host declared, `self.hosts` holds the implicit one. With one declared, that
            // one (unless it failed to resolve, which was reported).
            if self.spec.hosts.len() <= 1 {
                return self.hosts.first().map(|h| (h.name.clone(), h.hypervisor));
            }
            let first = &self.spec.hosts[0].name.value;
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    node.span,
                    format!(
                        "node `{}` has no host, and the lab declares several",
                        node.value
                    ),
                )
                .label("which host?")
                .help(format!(
                    "add `host \"{first}\"` to the node or to `defaults`"
                )),
            );
            return None;
        };
        let host = self.expand(host, at)?;
        if let Some(h) = self.hosts.iter().find(|h| h.name == host.value) {
            Some((h.name.clone(), h.hypervisor))
        } else {
            let declared = self.spec.hosts.iter().any(|h| h.name.value == host.value);
            if !declared {
                let names: Vec<&str> = self.hosts.iter().map(|h| h.name.as_str()).collect();
                self.d.push(unknown_reference(
                    "host",
                    &host,
                    unknown_help("host", &host.value, names),
                ));
            }
            None
        }
    }

    fn node_image(
        &mut self,
        image: Option<&Spanned<String>>,
        node: &Spanned<String>,
        at: Instance,
    ) -> Option<String> {
        let Some(image) = image else {
            if let [only] = self.spec.images.as_slice() {
                return Some(only.name.value.clone());
            }
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::MissingSetting,
                    node.span,
                    format!("node `{}` has no image", node.value),
                )
                .label("image missing")
                .help(if self.spec.images.is_empty() {
                    "declare an `image` and refer to it with `image \"name\"`".to_string()
                } else {
                    "add `image \"name\"` to the node or to `defaults`".to_string()
                }),
            );
            return None;
        };
        let image = self.expand(image, at)?;
        if self.image_names.contains(image.value.as_str()) {
            return Some(image.value);
        }
        let names: Vec<&str> = self
            .spec
            .images
            .iter()
            .map(|i| i.name.value.as_str())
            .collect();
        self.d.push(unknown_reference(
            "image",
            &image,
            unknown_help("image", &image.value, names),
        ));
        None
    }

    fn node_cpus(&mut self, cpus: Option<&Spanned<i128>>) -> Option<u32> {
        let Some(cpus) = cpus else { return Some(1) };
        if (1..=MAX_CPUS).contains(&cpus.value) {
            return u32::try_from(cpus.value).ok();
        }
        self.d.push(
            Diagnostic::new(
                DiagnosticCode::OutOfRange,
                cpus.span,
                format!("cpus must be between 1 and {MAX_CPUS}"),
            )
            .label("out of range")
            .help("e.g. `cpus 2`"),
        );
        None
    }

    fn memory(&mut self, text: &Spanned<String>) -> Option<ByteSize> {
        let memory = self.size(text, "memory", MIN_MEMORY)?;
        if memory.bytes() % 1024 != 0 {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidSize,
                    text.span,
                    "memory must be a whole number of KiB",
                )
                .label("not a multiple of 1KiB")
                .help("e.g. `memory \"512MiB\"`"),
            );
            return None;
        }
        Some(memory)
    }

    /// Parses a size and checks it against a minimum.
    pub(super) fn size(
        &mut self,
        text: &Spanned<String>,
        what: &str,
        min: ByteSize,
    ) -> Option<ByteSize> {
        match ByteSize::parse(&text.value) {
            Ok(size) if size >= min => Some(size),
            Ok(size) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::OutOfRange,
                        text.span,
                        format!("{what} {size} is below the minimum of {min}"),
                    )
                    .label("too small")
                    .help(format!("use at least `{min}`")),
                );
                None
            }
            Err(why) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidSize,
                        text.span,
                        format!("invalid {what}: {why}"),
                    )
                    .label("invalid size")
                    .help("write a number and a unit, e.g. `\"512MiB\"` or `\"20GiB\"`"),
                );
                None
            }
        }
    }

    fn node_disks(&mut self, specs: &[DiskSpec], at: Instance) -> Option<Vec<Disk>> {
        if let Some(extra) = specs.get(MAX_DISKS) {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::OutOfRange,
                    extra.span,
                    format!("a node has at most {MAX_DISKS} extra disks"),
                )
                .label("one disk too many")
                .help("use fewer, larger disks"),
            );
            return None;
        }
        let mut disks: Vec<Disk> = Vec::new();
        let mut ok = true;
        for spec in specs {
            let Some(name) = self.expand(&spec.name, at) else {
                ok = false;
                continue;
            };
            if let Err(why) = check_name(&name.value, 32) {
                self.d.push(invalid_name("disk", name.span, why));
                ok = false;
                continue;
            }
            if disks.iter().any(|d| d.name == name.value) {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::DuplicateName,
                        name.span,
                        format!("disk `{}` is declared twice on this node", name.value),
                    )
                    .label("duplicate disk")
                    .help("give each disk its own name"),
                );
                ok = false;
                continue;
            }
            let Some(size_text) = &spec.size else {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        spec.span,
                        format!("disk `{}` has no `size`", name.value),
                    )
                    .label("size missing")
                    .help("add `size=\"10GiB\"`"),
                );
                ok = false;
                continue;
            };
            let Some(size) = self.size(size_text, "disk size", ByteSize::mib(1)) else {
                ok = false;
                continue;
            };
            let format = spec.format.as_ref().map_or(DiskFormat::Qcow2, |f| f.value);
            disks.push(Disk {
                name: name.value,
                size,
                format,
            });
        }
        ok.then_some(disks)
    }

    fn cloud_init(&mut self, spec: Option<&CloudInitSpec>, at: Instance) -> CloudInit {
        let Some(spec) = spec else {
            return CloudInit::default();
        };
        let path = |p: &Option<Spanned<String>>, r: &mut Self| -> Option<PathBuf> {
            let p = r.expand(p.as_ref()?, at)?;
            r.check_template_path(&p);
            Some(r.base_dir.join(p.value))
        };
        CloudInit {
            root: self.base_dir.clone(),
            user_data: path(&spec.user_data, self),
            meta_data: path(&spec.meta_data, self),
            network_config: path(&spec.network_config, self),
            vendor_data: path(&spec.vendor_data, self),
            vars: self.convert_vars(&spec.vars, at),
        }
    }
}

impl Resolver<'_> {
    /// A template path stays inside the lab file's folder: relative, with no `..`. A lab
    /// from someone else must not read this machine's files (`/etc/shadow`, `~/.aws`) into a
    /// seed or into an error message in a CI log. Symbolic links out of the folder are
    /// refused when the template is read.
    fn check_template_path(&mut self, path: &Spanned<String>) {
        use std::path::Component;
        let outside = Path::new(&path.value).components().any(|c| {
            matches!(
                c,
                Component::RootDir | Component::ParentDir | Component::Prefix(_)
            )
        });
        if outside {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidPath,
                    path.span,
                    format!(
                        "template path `{}` leads outside the lab file's folder",
                        path.value
                    ),
                )
                .label("outside the lab's folder")
                .help(
                    "template paths are relative to the lab file and stay below its folder \
                     (no leading `/`, no `..`): keep the template next to the lab",
                ),
            );
        }
    }
}

pub(super) fn unknown_reference(kind: &str, name: &Spanned<String>, help: String) -> Diagnostic {
    Diagnostic::new(
        DiagnosticCode::UnknownReference,
        name.span,
        format!("unknown {kind} `{}`", name.value),
    )
    .label(format!("no such {kind}"))
    .help(help)
}

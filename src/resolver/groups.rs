//! Ansible groups: each node's `groups` (the defaults' and its own) expanded and checked
//! against Ansible's rule for group names, and against the lab's node names once every node
//! is known; and the group a node's `count` stands for (`web` for `web-{index}`). What the
//! groups become in an inventory (vlab's host groups, names mapped, clashes of derived
//! groups) is `access::inventory`'s.

use super::Resolver;
use super::expander::Instance;
use crate::index_template;
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::name_rules::check_group_name;
use crate::language::spanned::Spanned;
use crate::language::spec::NodeSpec;

impl Resolver<'_> {
    /// The node's groups, expanded and in order, each once; `None` when one is invalid
    /// (reported). Each use is recorded for `check_group_conflicts`.
    pub(super) fn node_groups(
        &mut self,
        groups: Option<&[Spanned<String>]>,
        at: Instance,
    ) -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        let mut ok = true;
        for group in groups.unwrap_or_default() {
            let Some(group) = self.expand(group, at) else {
                ok = false;
                continue;
            };
            if let Err(why) = check_group_name(&group.value) {
                self.d.push(invalid_group(&group, why));
                ok = false;
                continue;
            }
            if !out.contains(&group.value) {
                out.push(group.value.clone());
            }
            self.group_uses.push(group);
        }
        ok.then_some(out)
    }

    /// After every node is resolved: a group that has a node's name is an error (Ansible
    /// warns and cannot tell the two apart in a pattern such as `-l db`).
    pub(super) fn check_group_conflicts(&mut self) {
        let uses = std::mem::take(&mut self.group_uses);
        for group in uses {
            if self.node_names.contains(&group.value) {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::GroupConflict,
                        group.span,
                        format!("group `{}` has the name of a node", group.value),
                    )
                    .label("also a node's name")
                    .help(format!(
                        "Ansible cannot tell a group from a host of the same name: call the \
                         group something else, such as `{}s`",
                        group.value
                    )),
                );
            }
        }
    }
}

/// The group a counted node's name stands for (`web` for `web-{index}`; `pc-3` for
/// `pc-{seat}-{index}` in seat 3), `None` without `count`.
pub(super) fn count_group(spec: &NodeSpec, seat: Option<u32>) -> Option<String> {
    spec.count.as_ref()?;
    let name = index_template::expand_seat(&spec.name.value, seat).ok()?;
    index_template::base_name(&name)
}

fn invalid_group(group: &Spanned<String>, why: String) -> Diagnostic {
    let fixed = group.value.replace(['-', '.', ' '], "_");
    let help = if fixed != group.value && check_group_name(&fixed).is_ok() {
        format!("write `{fixed}`")
    } else {
        "Ansible group names use letters, digits and `_`, and do not start with a digit; \
         `all`, `ungrouped` and names starting with `vlab_` are taken"
            .to_string()
    };
    Diagnostic::new(
        DiagnosticCode::InvalidName,
        group.span,
        format!("invalid group name: {why}"),
    )
    .label("not an Ansible group name")
    .help(help)
}

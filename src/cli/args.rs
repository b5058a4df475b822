//! `Cli`: the command-line interface, declared with clap's derive API.
//!
//! Shape only: flags, subcommands, help texts and examples. What each command does lives in
//! `commands/`.

use crate::cli::output::ColorChoice;
use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "vlab",
    version,
    about = "Declarative KVM and Xen labs on libvirt hosts, in plan/apply style",
    long_about = "vlab reads a KDL lab file describing hosts, images, networks, nodes and links, \
                  and converges libvirt hosts to it: `vlab plan` shows what will change, \
                  `vlab apply` does it, `vlab destroy` removes exactly what the lab owns.",
    after_help = "Examples:\n  vlab validate -f labs/quickstart.kdl\n  vlab plan -f lab.kdl\n  vlab apply -f lab.kdl --auto-approve\n\nExit codes: 0 success, 1 error, 2 changes present (plan --detailed-exitcode)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More detail (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Print nothing but errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to colour output (NO_COLOR is honoured in `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Machine-readable JSON output where the output is data
    #[arg(long, global = true)]
    pub json: bool,
}

/// The lab file a command reads.
#[derive(Debug, Args, Clone)]
pub struct LabArgs {
    /// Lab file to read
    #[arg(short, long = "file", value_name = "FILE", default_value = "lab.kdl")]
    pub file: PathBuf,
    /// Act on instance NAME of the lab: an independent copy with its own names and ranges
    #[arg(long, env = "VLAB_INSTANCE", value_name = "NAME")]
    pub instance: Option<String>,
    /// Where instances' network ranges come from
    #[arg(
        long,
        env = "VLAB_INSTANCE_POOL",
        value_name = "CIDR",
        default_value = crate::pipeline::instance_load::DEFAULT_POOL,
        hide_default_value = false
    )]
    pub instance_pool: String,
}

/// The part of the lab a command acts on; none of them: the whole lab.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectionArgs {
    /// Only these seats of the lab's `seats` block: 3, 3..5 or 1,4 (repeatable)
    #[arg(long = "seat", value_name = "SEATS")]
    pub seats: Vec<String>,
    /// Only these nodes: a name or a glob such as 'pc-*' (repeatable)
    #[arg(long = "node", value_name = "NAME|GLOB")]
    pub nodes: Vec<String>,
}

/// `--target` and `--replace`: resources by the address the plan prints for them.
#[derive(Debug, Args, Clone, Default)]
pub struct TargetArgs {
    /// Only this resource and what it needs (created or started, never changed otherwise):
    /// an address as the plan prints it, or a short one such as node.web-1 (repeatable)
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Rebuild this node even though nothing changed, e.g. node.web-1 (repeatable)
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a lab file and report every problem in it
    #[command(
        after_help = "Examples:\n  vlab validate -f labs/web.kdl\n  vlab validate -f labs/web.kdl --json -v"
    )]
    Validate(LabArgs),

    /// Show what apply would change on the hosts
    #[command(
        after_help = "Examples:\n  vlab plan -f lab.kdl\n  vlab plan -f lab.kdl -o lab.plan --detailed-exitcode\n  vlab plan -f labs/classroom.kdl --seat 3\n  vlab plan -f lab.kdl --target node.web-1 --replace node.db"
    )]
    Plan {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        #[command(flatten)]
        targets: TargetArgs,
        /// Save the plan for `vlab apply PLANFILE`
        #[arg(short, long, value_name = "PLANFILE")]
        out: Option<PathBuf>,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error
        #[arg(long)]
        detailed_exitcode: bool,
    },

    /// Converge the hosts to the lab (or carry out a saved plan)
    #[command(
        after_help = "Examples:\n  vlab apply -f lab.kdl\n  vlab apply -f lab.kdl --auto-approve\n  vlab apply lab.plan\n  vlab apply -f labs/classroom.kdl --seat 3..5"
    )]
    Apply {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        #[command(flatten)]
        targets: TargetArgs,
        /// A plan saved with `vlab plan -o`
        #[arg(value_name = "PLANFILE")]
        plan: Option<PathBuf>,
        /// Do not ask for confirmation
        #[arg(long)]
        auto_approve: bool,
        /// Seconds to wait for another apply or destroy of the lab (0: fail at once)
        #[arg(long, value_name = "SECONDS")]
        lock_timeout: Option<u64>,
        /// Do not wait for started guests to be ready (their image's `ready` setting)
        #[arg(long)]
        no_wait: bool,
        /// How many changes run at once on each host
        #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
        parallelism: u16,
        /// Apply even when the plan needs more memory, CPUs or pool space than a host has
        #[arg(long)]
        skip_capacity_check: bool,
    },

    /// Bring a lab up, run a command against it, and always tear it down (for CI)
    #[command(
        after_help = "Apply (every guest ready), then CMD on this machine with VLAB_LAB, VLAB_INSTANCE, \
VLAB_LAB_FILE, VLAB_RUN_DIR, VLAB_INVENTORY, VLAB_SSH_CONFIG and VLAB_OUTPUT in its environment, \
then destroy: also when CMD fails, at --timeout, and on Ctrl-C, SIGTERM or SIGHUP. Without CMD, \
the lab's own checks run (`vlab test`). With --instance (or VLAB_INSTANCE), an independent copy \
of the lab: two runs of one file at once never collide.\n\n\
Exit status: CMD's; 124 timed out; 125 the lab could not be brought up (or torn down after CMD \
succeeded); 127 CMD could not be started; 128+N interrupted by signal N.\n\n\
Examples:\n  vlab run -f labs/web.kdl -- ansible-playbook -i '$VLAB_INVENTORY' site.yml\n  \
vlab run -f labs/web.kdl --instance \"ci-$CI_JOB_ID\" --timeout 20m -- ./smoke-test.sh\n  \
vlab run -f labs/web.kdl --json"
    )]
    Run {
        #[command(flatten)]
        lab: LabArgs,
        /// Keep the lab when CMD fails or the lab cannot be brought up (not at a timeout or
        /// a signal)
        #[arg(long)]
        keep_on_failure: bool,
        /// The longest the run may take to bring the lab up and run CMD (90s, 20m, 1h); the
        /// teardown is not counted
        #[arg(long, value_name = "DURATION")]
        timeout: Option<String>,
        /// The command to run (after `--`); none: the lab's checks
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },

    /// Remove everything the lab owns from its hosts
    #[command(
        after_help = "Examples:\n  vlab destroy -f lab.kdl\n  vlab destroy -f lab.kdl --auto-approve --purge-images\n  vlab destroy -f labs/classroom.kdl --seat 3"
    )]
    Destroy {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        /// Do not ask for confirmation
        #[arg(long)]
        auto_approve: bool,
        /// Also delete the lab's base images from the hosts' pools
        #[arg(long)]
        purge_images: bool,
        /// Seconds to wait for another apply or destroy of the lab (0: fail at once)
        #[arg(long, value_name = "SECONDS")]
        lock_timeout: Option<u64>,
    },

    /// Show the lab's guests: state, pending change, readiness and addresses
    #[command(
        after_help = "READY is what `vlab apply` saw on the guest's current boot: `ready since`, \
`waiting since` (apply is waiting, or was stopped while waiting) or `failed at` a UTC time; `-` \
when the guest does not run or was started without a wait (`apply --no-wait`, `ready \"none\"`).\n\n\
Examples:\n  vlab status -f lab.kdl\n  vlab status -f lab.kdl --json\n  vlab status -f lab.kdl --watch"
    )]
    Status {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        /// Read the hosts again every few seconds and redraw when something changed (with
        /// --json: one JSON document per line, per change)
        #[arg(long)]
        watch: bool,
        /// Seconds between reads with --watch
        #[arg(long, value_name = "SECONDS", default_value_t = 2, requires = "watch", value_parser = clap::value_parser!(u64).range(1..=3600))]
        interval: u64,
    },

    /// Print the instructor's handout: each seat's nodes, addresses and how to log in
    #[command(
        after_help = "Addresses: static ones from the lab file; DHCP ones from the hosts' leases \
when the hosts can be read (a host that cannot be reached leaves them unknown, with a warning; \
--offline reads the lab file alone). Shared nodes follow the seats.\n\n\
Examples:\n  vlab seats -f labs/classroom.kdl\n  vlab seats -f labs/classroom.kdl --format csv > handout.csv\n  \
vlab seats -f labs/classroom.kdl --seat 3 --offline"
    )]
    Seats {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        /// table (the default), csv, or json (the default with --json)
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<crate::access::seat_handout::HandoutFormat>,
        /// Do not connect to the hosts: addresses from the lab file alone, no states
        #[arg(long)]
        offline: bool,
    },

    /// Log into a node over SSH, or run a command there (host key checked)
    #[command(
        after_help = "The guest's host key is checked against the one vlab gave it in its seed \
(the lab's known_hosts); the command's exit status is vlab's (ssh's own errors: 255).\n\n\
Examples:\n  vlab ssh -f lab.kdl web-1\n  vlab ssh -f lab.kdl web-1 -- uname -a\n  vlab ssh -f labs/classroom.kdl --seat 3 'target-*'"
    )]
    Ssh {
        #[command(flatten)]
        lab: LabArgs,
        /// The node to log into: its name, or with --seat/--node a name or glob that picks
        /// exactly one node of the selection
        node: String,
        #[command(flatten)]
        select: SelectionArgs,
        /// A command to run instead of a login shell (after `--`)
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },

    /// Attach to a node's serial console (detach with Ctrl-]), or print its log
    #[command(
        after_help = "Detach with Ctrl-] (the byte 0x1d). Works over any host URI, through libvirt's \
console stream; the terminal is in raw mode while attached and restored on exit. Piped input \
(not a terminal) is sent as it is and its end ends the session, once the guest has been quiet \
for a second. One client at a time: `vlab apply` also reads the console while it waits for a \
guest to be ready; --force takes the console over. --log prints the end of the console's log \
in vlab's pool on the host (KVM/QEMU nodes; Xen guests have none).\n\n\
Exit status: 0 when detached, at the end of piped input, or when the guest stopped; 1 when \
the node is not running, the console is taken, or it was taken over while attached.\n\n\
Examples:\n  vlab console -f lab.kdl web-1\n  vlab console -f lab.kdl web-1 --log --tail 50\n  \
echo 'uname -a' | vlab console -f lab.kdl web-1"
    )]
    Console {
        #[command(flatten)]
        lab: LabArgs,
        /// The node whose console to attach to
        node: String,
        /// Print what the console printed so far (the end of its log) and exit
        #[arg(long)]
        log: bool,
        /// With --log: how many of the last lines to print (0: all of the last 2 MiB)
        #[arg(long, value_name = "N", default_value_t = 100, requires = "log")]
        tail: usize,
        /// Take the console over from another client (virsh, vlab console, vlab apply's wait)
        #[arg(long, conflicts_with = "log")]
        force: bool,
    },

    /// Run a command on several nodes at once over SSH (host keys checked)
    #[command(
        after_help = "Each line of output starts with its node's name; a summary of exit codes ends \
the run. Exit status: 0 when CMD exited 0 on every selected node, else 1.\n\n\
Examples:\n  vlab exec -f lab.kdl --all -- hostname\n  vlab exec -f labs/classroom.kdl --seat 3..5 -- uptime\n  vlab exec -f lab.kdl 'web-*' db -- systemctl is-active nginx\n  vlab exec -f lab.kdl --all --json -- uptime"
    )]
    Exec {
        #[command(flatten)]
        lab: LabArgs,
        /// Every node of the lab
        #[arg(long, conflicts_with_all = ["patterns", "seats", "nodes"])]
        all: bool,
        /// Node names or globs (`web-*`, `r?`); with --seat/--node, only nodes of the selection
        #[arg(value_name = "NODE", required_unless_present_any = ["all", "seats", "nodes"])]
        patterns: Vec<String>,
        #[command(flatten)]
        select: SelectionArgs,
        /// The command to run (after `--`)
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },

    /// Run the lab's checks (its `test` blocks) in the guests, over SSH (host keys checked)
    #[command(
        after_help = "One line per check as it ends (✓ passed, ✗ failed with its reason and the end of \
its output, - not run), then a summary; --json prints one document instead. Checks run at once \
(at most --parallel), each retried as its test says.\n\n\
Exit status: 0 every check passed, 1 a check failed, 2 the lab (or the selection) has no checks, \
3 the lab is not up (a node a check needs is absent, stopped or has no address).\n\n\
Examples:\n  vlab test -f lab.kdl\n  vlab test -f lab.kdl --junit report.xml\n  \
vlab test -f labs/classroom.kdl --seat 3 --json"
    )]
    Test {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        /// Also write a JUnit XML report to FILE (replaced whole, for CI)
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// How many checks to run at once
        #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
        parallel: u16,
    },

    /// Print an OpenSSH config for the lab's nodes (for ssh -F, scp -F, Include)
    #[command(
        after_help = "Examples:\n  vlab ssh-config -f lab.kdl > lab.ssh\n  ssh -F lab.ssh web-1 uptime\n  scp -F lab.ssh notes.txt web-1:"
    )]
    SshConfig(LabArgs),

    /// Print the running lab as one JSON document for scripts and pipelines
    #[command(
        after_help = "Hosts, networks, nodes (state, pending change, readiness, addresses, an ssh \
command line with the host key pinned) and links. The document's JSON Schema is \
docs/output.schema.json.\n\n\
Examples:\n  vlab output -f lab.kdl --json > lab.json\n  vlab output -f lab.kdl --json | jq -r '.nodes[] | select(.readiness.state == \"ready\") | .name'"
    )]
    Output(LabArgs),
    /// Print an Ansible inventory of the lab's nodes (groups from count, groups, hosts)
    #[command(
        after_help = "Host keys are checked against the lab's pinned known_hosts. Warnings (a node \
without an address yet) go to stderr.\n\n\
Examples:\n  vlab inventory -f lab.kdl > inventory.yml\n  ansible -i inventory.yml all -m ping\n  vlab inventory -f lab.kdl --format ini > hosts.ini\n  vlab inventory -f labs/classroom.kdl --seat 3 > seat-3.yml"
    )]
    Inventory {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
        /// yaml (the default), ini, or json (an inventory script's output; the default with --json)
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<crate::access::inventory::InventoryFormat>,
    },

    /// Draw the lab: hosts, networks, nodes and links, with each node's state
    #[command(
        after_help = "Node states are read from the hosts; a host that cannot be reached is drawn \
with its nodes' state unknown (a warning says so), and --offline reads the lab file alone. \
The HTML page is one file with everything inline: it works offline.\n\n\
Examples:\n  vlab graph -f labs/routers.kdl | dot -Tsvg > routers.svg\n  vlab graph -f lab.kdl --format mermaid\n  vlab graph -f lab.kdl -o lab.html\n  vlab graph -f lab.kdl --offline --format html -o lab.html"
    )]
    Graph {
        #[command(flatten)]
        lab: LabArgs,
        /// Output format [default: from --out's extension (.dot/.gv, .mmd, .html), else dot]
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<crate::graph::GraphFormat>,
        /// Write to FILE instead of stdout
        #[arg(short, long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Do not connect to the hosts: draw from the lab file alone, without node states
        #[arg(long)]
        offline: bool,
    },

    /// Shut guests down without destroying them; they stay stopped until `vlab start`
    #[command(
        after_help = "Each guest gets the ACPI power button, then a hard stop after its image's shutdown-timeout. A guest stopped this way is not drift: `vlab plan` leaves it stopped.\n\nExamples:\n  vlab stop -f lab.kdl\n  vlab stop -f labs/classroom.kdl --seat 3"
    )]
    Stop {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
    },

    /// Start stopped guests again and wait until they are ready
    #[command(
        after_help = "Examples:\n  vlab start -f lab.kdl\n  vlab start -f lab.kdl --node web-1"
    )]
    Start {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
    },

    /// Return guests to the state apply first saw them ready in (seconds, no cloud-init)
    #[command(
        after_help = "Apply takes a snapshot of each KVM guest (disks and memory) when it first sees it ready; reset reverts to it. Nothing is downloaded or rendered and cloud-init does not run again.\n\nExamples:\n  vlab reset -f labs/classroom.kdl --seat 3\n  vlab reset -f lab.kdl --node web-1"
    )]
    Reset {
        #[command(flatten)]
        lab: LabArgs,
        #[command(flatten)]
        select: SelectionArgs,
    },

    /// Save, list, restore and delete named snapshots of the lab's guests
    #[command(subcommand)]
    Snapshot(SnapshotCommand),

    /// Render a node's cloud-init data, seed and domain XML
    #[command(
        after_help = "Examples:\n  vlab render -f labs/web.kdl web-1\n  vlab render -f labs/web.kdl web-1 --out /tmp/web-1"
    )]
    Render {
        #[command(flatten)]
        lab: LabArgs,
        /// The node to render
        node: String,
        /// Write the files into this directory instead of printing them
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },

    /// Download, verify and manage cached cloud images
    #[command(subcommand)]
    Image(ImageCommand),

    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  vlab completions bash > /etc/bash_completion.d/vlab\n  vlab completions zsh > ~/.zfunc/_vlab"
    )]
    Completions {
        /// The shell to complete for
        shell: Shell,
    },

    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  vlab man > vlab.1 && man ./vlab.1")]
    Man,
}

/// The nodes a snapshot command acts on, and its lab.
#[derive(Debug, Args, Clone)]
pub struct SnapshotTarget {
    #[command(flatten)]
    pub lab: LabArgs,
    #[command(flatten)]
    pub select: SelectionArgs,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Take snapshot NAME of every selected guest (with its memory while it runs)
    #[command(
        after_help = "Examples:\n  vlab snapshot save -f lab.kdl before-lesson-2\n  vlab snapshot save -f labs/classroom.kdl s3 --seat 3"
    )]
    Save {
        #[command(flatten)]
        target: SnapshotTarget,
        /// The snapshot's name (letters, digits, `.`, `_`, `-`)
        name: String,
    },
    /// List the lab's snapshots: name, node, time, state, memory, size
    #[command(
        after_help = "Examples:\n  vlab snapshot list -f lab.kdl\n  vlab snapshot list -f lab.kdl --json"
    )]
    List {
        #[command(flatten)]
        target: SnapshotTarget,
        /// Only this snapshot
        name: Option<String>,
    },
    /// Return every selected guest to snapshot NAME (refused if one lacks it, or it was taken of another lab definition)
    #[command(after_help = "Examples:\n  vlab snapshot restore -f lab.kdl before-lesson-2")]
    Restore {
        #[command(flatten)]
        target: SnapshotTarget,
        name: String,
    },
    /// Delete snapshot NAME from every selected guest that has it
    #[command(after_help = "Examples:\n  vlab snapshot delete -f lab.kdl before-lesson-2")]
    Delete {
        #[command(flatten)]
        target: SnapshotTarget,
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Pull a lab's images, or one image by URL, into the cache
    #[command(
        after_help = "Examples:\n  vlab image pull -f lab.kdl\n  vlab image pull https://example.net/disk.qcow2 --checksum sha256:<hex>"
    )]
    Pull {
        #[command(flatten)]
        lab: LabArgs,
        /// One image URL to pull instead of the lab's
        url: Option<String>,
        /// Expected digest of URL: sha256:<hex> or sha512:<hex>
        #[arg(long, requires = "url", conflicts_with = "checksums_url")]
        checksum: Option<String>,
        /// A SHA256SUMS / SHA512SUMS file to verify URL against
        #[arg(long, requires = "url")]
        checksums_url: Option<String>,
        /// How many images to download at once
        #[arg(long, default_value_t = 4, value_name = "N")]
        parallel: usize,
    },
    /// Pull a lab's images and place them on the lab's hosts, ahead of `apply`
    #[command(after_help = "Examples:\n  vlab image push -f labs/classroom.kdl")]
    Push {
        #[command(flatten)]
        lab: LabArgs,
        /// How many images to download at once
        #[arg(long, default_value_t = 4, value_name = "N")]
        parallel: usize,
    },
    /// List cached images
    #[command(after_help = "Examples:\n  vlab image list\n  vlab image list --json")]
    List,
    /// Remove cached images that are unused or older than a given age
    #[command(
        after_help = "Examples:\n  vlab image prune\n  vlab image prune --older-than 30d --dry-run"
    )]
    Prune {
        /// Also remove images not used for this long (e.g. 30d, 12h, 45m)
        #[arg(long, value_name = "AGE")]
        older_than: Option<String>,
        /// Show what would be removed, remove nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-hash every cached image and remove corrupt ones
    #[command(after_help = "Examples:\n  vlab image verify\n  vlab image verify --json")]
    Verify,
}

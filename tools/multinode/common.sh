# Sourced by the tools/multinode scripts: where the lab lives, its network
# namespaces and the reasons it cannot run.  Everything the lab makes is
# under $NOVA_MULTINODE_DIR.

export NOVA_MULTINODE_DIR=${NOVA_MULTINODE_DIR:-/tmp/nova-multinode}
lab=$NOVA_MULTINODE_DIR
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# Namespaces: nmn-ctl holds the bridge, RabbitMQ, PostgreSQL, Placement,
# the conductor, nova-api, the simulated hypervisors and the tests (and
# the openstack commands they run); nmn-<host> one compute host each.
ns_prefix=nmn-
ctl_ns=${ns_prefix}ctl
hosts=(h1 h2 h3)
subnet=10.252.0
packages=(rabbitmq-server postgresql mariadb-server iproute2 iptables)

say() { echo "multinode: $*" >&2; }
die() { echo "multinode: $*" >&2; exit 1; }

# venv_python, missing_packages
. "$here/../lib/lab.sh"

# Why the lab cannot run here; prints nothing when it can.
lab_blocker() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "not a Debian system (no dpkg-query): the lab installs RabbitMQ, PostgreSQL and MariaDB from Debian packages"
        return
    fi
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    if [ -n "$missing" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "packages missing (${missing% }) and not root to install them"
        elif ! command -v apt-get >/dev/null 2>&1; then
            echo "packages missing (${missing% }) and no apt-get"
        fi
    fi
}

# Whether network namespaces can be made here (root and ip netns).
netns_possible() {
    [ "$(id -u)" = 0 ] || return 1
    ip netns add ${ns_prefix}probe 2>/dev/null || return 1
    ip netns delete ${ns_prefix}probe
}

# Start the lab (packages, namespaces when possible, RabbitMQ and
# PostgreSQL); sets in_ctl, the command prefix that runs a command in the
# lab's control namespace with its address.  Returns non-zero with the
# reason on stderr when a step fails.
lab_up() {
    in_ctl=()
    "$here/setup" || return 1
    "$here/stop"
    mkdir -p "$lab"
    if netns_possible; then
        "$here/netns" up || { say "making the network namespaces failed"; return 1; }
        in_ctl=(ip netns exec "$ctl_ns" env NOVA_MULTINODE_ADDRESS=$subnet.1
                NOVA_MULTINODE_NETNS_PREFIX=$ns_prefix)
    else
        say "no network namespaces here (not root, or ip netns refused): every host on 127.0.0.1, the partition test is skipped"
    fi
    "${in_ctl[@]}" "$(venv_python)" -m nova.tests.multinode.infra start \
        || { say "starting RabbitMQ and PostgreSQL failed"; return 1; }
}

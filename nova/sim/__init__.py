"""A simulated libvirt/QEMU live-migration data centre."""

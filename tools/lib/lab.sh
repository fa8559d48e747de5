# Sourced by the labs' common.sh (tools/real-libvirt, tools/multinode):
# helpers both use.  The sourcing file sets "packages" (the Debian
# packages its lab needs) before calling missing_packages.

# The project venv's python: $VIRTUAL_ENV (tools/in-venv sets it) or the
# first "python" on PATH.
venv_python() {
    if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
        echo "$VIRTUAL_ENV/bin/python"
    else
        command -v python || command -v python3
    fi
}

# The packages of "packages" that dpkg does not have installed, one a line.
missing_packages() {
    local p
    for p in "${packages[@]}"; do
        [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = \
            'install ok installed' ] || echo "$p"
    done
}

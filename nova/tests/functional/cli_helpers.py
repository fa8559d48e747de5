"""Run ``nova-live-migration`` as an operator does: a new process each."""

import os
import queue
import subprocess
import sys
import threading
import time

import yaml

COMMAND = [sys.executable, '-m', 'nova.cmd.live_migration']
#: A small cloud that runs clean in a second or two.
SMALL = {
    'hosts': {'a': {}, 'b': {}},
    'flavors': {'f': {'vcpus': 1, 'memory_mb': 1024}},
    'instances': {'vm': {'flavor': 'f', 'host': 'a'}},
    'steps': [{'live_migrate': 'vm', 'to': 'b', 'expect': 'completed'}],
}
#: A guest that never converges on a host whose monitor never gives up:
#: only the scenario's migration_time_limit (a simulated day, about two
#: minutes of real time) would end it -- long enough to be interrupted.
ENDLESS = {
    'migration_time_limit': 86400,
    'hosts': {'a': {'libvirt': {'live_migration_completion_timeout': 0}},
              'b': {}},
    'links': [{'hosts': ['a', 'b'], 'bandwidth_mbps': 100}],
    'flavors': {'f': {'vcpus': 1, 'memory_mb': 1024}},
    'instances': {'vm': {'flavor': 'f', 'host': 'a', 'workload': {
        'wws_mb': 1024, 'dirty_rate_mbps': 5000}}},
    'steps': [{'live_migrate': 'vm', 'to': 'b'}],
}


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    return path


def write_scenario(directory, scenario, name='scenario.yaml'):
    return write(directory, name, yaml.safe_dump(scenario))


def write_conf(directory, placement_endpoint, timeout=None):
    text = '[placement]\nendpoint_override = %s\n' % placement_endpoint
    if timeout is not None:
        text += 'timeout = %s\n' % timeout
    return write(directory, 'nova.conf', text)


def run(*args, timeout=300):
    """Run the command to its end; a CompletedProcess with text."""
    return subprocess.run(COMMAND + list(args), capture_output=True,
                          text=True, timeout=timeout)


class Running(object):
    """The command started in the background; stderr read as it comes."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            COMMAND + list(args), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.stderr = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text, timeout=120):
        """Read stderr until a line contains ``text``; True if one did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                return False
            self.stderr.append(line)
            if text in line:
                return True
        return False

    def finish(self, timeout=120):
        """(exit status, stdout, every stderr line)."""
        stdout = self.proc.stdout.read()
        status = self.proc.wait(timeout=timeout)
        self._reader.join(timeout)
        while True:
            line = self.lines.get()
            if line is None:
                break
            self.stderr.append(line)
        return status, stdout, ''.join(self.stderr)

    def kill(self):
        """Cleanup for a test that failed half-way."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

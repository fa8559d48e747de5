"""``nova-live-migration bench``: the yardstick for migration policies.

A matrix of workloads (nova.bench.matrix) is migrated on the simulator,
through the real driver and monitor loop, under the project's policy and
under reference policies written from the documented rules of upstream
Nova, oVirt and KubeVirt (nova.bench.policies); an oracle searches, with
full knowledge of each workload, for the best outcome (nova.bench.oracle);
nova.bench.metrics and nova.bench.report turn the runs into tables,
charts and one JSON document.
"""

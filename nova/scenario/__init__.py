"""``nova-live-migration run``: an embedded cloud driven by a scenario file.

schema.py loads and checks the YAML file, cloud.py assembles the
deployment it describes, runner.py carries out its steps, progress.py
shows them while they run, report.py and timeline.py write the results.
"""

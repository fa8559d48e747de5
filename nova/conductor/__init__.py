"""The conductor: orchestration of moves across compute services."""

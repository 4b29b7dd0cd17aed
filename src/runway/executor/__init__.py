"""The executor: runs the field's tools (earthmover, lightbeam) for a run."""

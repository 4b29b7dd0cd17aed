"""Administration from the command line: ``runway admin …``."""

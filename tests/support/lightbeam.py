"""The real lightbeam CLI for tests: the package's runner (``runway.executor.lightbeam``)."""

from runway.executor.lightbeam import LightbeamRun, run, write_config

__all__ = ["LightbeamRun", "run", "write_config"]

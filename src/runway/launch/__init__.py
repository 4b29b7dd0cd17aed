"""Launchers start one executor per run (DESIGN.md §2): the ``Launcher`` protocol and its implementations."""

from runway.launch.base import Launcher
from runway.launch.recording import RecordingLauncher

__all__ = ["Launcher", "RecordingLauncher"]

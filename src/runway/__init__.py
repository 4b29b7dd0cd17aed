"""Runway: load vendor assessment files into an Ed-Fi ODS/API."""

__version__ = "0.1.0"

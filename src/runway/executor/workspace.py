"""A run's working directory: where every step of one executor run reads and writes, all paths absolute.

The original executor worked in its cwd (``output/``, ``roster-download-dir/``, ``em-results.json``... and a
literal ``${STATE_DIR}`` for lightbeam's hashlog, executor.md §1.2, §1.9, §7). Runway gives each run its
own directory instead, so runs never see each other's files and re-running one is predictable::

    <root>/
      bundle/                 the composed earthmover project (student_id_wrapper with local packages)
        earthmover.yaml       written per run; ``earthmover deps`` installs the packages under bundle/packages/
      inputs/                 input files as received, ``<templateKey>__<file name>``
      normalised/             the same files as UTF-8 without BOM (what earthmover reads)
      roster/                 lightbeam fetch's data_dir: studentEducationOrganizationAssociations.jsonl
      output/                 earthmover's OUTPUT_DIR; lightbeam send's data_dir (the "ods" output set)
      lightbeam/              lightbeam.yaml, its results files, and state/ (hashlog, swagger cache)
      results/                artifacts: em-results.json, lb-send-results.json, student_id_match_rates.csv,
                              input_no_student_id_match.csv, crosswalk match rate fed to earthmover
      tmp/                    earthmover's TEMPORARY_DIRECTORY (dask spill)

Input names keep the user's file name because some bundles look at it (STAR picks the subject from
``'SM'``/``'SR'`` in ``INPUT_FILE``'s path, see :mod:`runway.bundle.samples`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ROSTER_FILE", "RunWorkspace"]

#: The file ``lightbeam fetch -s studentEducationOrganizationAssociations`` writes into its data_dir.
ROSTER_FILE = "studentEducationOrganizationAssociations.jsonl"


@dataclass(frozen=True)
class RunWorkspace:
    """The directory layout of one run (see the module docstring). Every attribute is an absolute path."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.expanduser().resolve())

    @property
    def bundle_dir(self) -> Path:
        return self.root / "bundle"

    @property
    def earthmover_config(self) -> Path:
        """The composed wrapper project's config."""
        return self.bundle_dir / "earthmover.yaml"

    @property
    def packages_dir(self) -> Path:
        """Where ``earthmover deps`` installs the assessment bundle and ``student_ids``."""
        return self.bundle_dir / "packages"

    @property
    def inputs_dir(self) -> Path:
        return self.root / "inputs"

    @property
    def normalised_dir(self) -> Path:
        return self.root / "normalised"

    @property
    def roster_dir(self) -> Path:
        return self.root / "roster"

    @property
    def roster_file(self) -> Path:
        return self.roster_dir / ROSTER_FILE

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def lightbeam_dir(self) -> Path:
        return self.root / "lightbeam"

    @property
    def lightbeam_state_dir(self) -> Path:
        return self.lightbeam_dir / "state"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    @property
    def em_results(self) -> Path:
        return self.results_dir / "em-results.json"

    @property
    def lb_send_results(self) -> Path:
        return self.results_dir / "lb-send-results.json"

    @property
    def match_rates(self) -> Path:
        return self.results_dir / "student_id_match_rates.csv"

    @property
    def unmatched(self) -> Path:
        return self.results_dir / "input_no_student_id_match.csv"

    @property
    def chosen_match_rate(self) -> Path:
        """The one (column, ID type) pair the crosswalk must use, fed to ``student_ids`` as its rates file."""
        return self.results_dir / "chosen_match_rate.csv"

    def create(self) -> RunWorkspace:
        """Create every directory (existing ones are kept); returns ``self``."""
        for directory in (
            self.bundle_dir,
            self.inputs_dir,
            self.normalised_dir,
            self.roster_dir,
            self.output_dir,
            self.lightbeam_state_dir,
            self.results_dir,
            self.tmp_dir,
        ):
            directory.mkdir(parents=True, exist_ok=True)
        return self

    @staticmethod
    def reset_dir(directory: Path) -> Path:
        """Empty ``directory`` (create it if missing) so a step starts from nothing; returns it.

        Used for the per-attempt directories: roster, output and lightbeam state are rebuilt on every run of
        the same workspace, so a re-run neither reads a stale roster nor has records skipped by an old hashlog.
        """
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        return directory

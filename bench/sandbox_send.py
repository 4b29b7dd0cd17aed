"""How fast the real lightbeam CLI can send studentAssessments into the sandbox, and what that costs the sandbox.

Run from the project root (``make bench-sandbox`` or ``.venv/bin/python -m bench.sandbox_send --help``).

1. starts ``runway sandbox serve --port 0`` as a separate process (built-in spec, or ``--spec-dir``);
2. seeds what the records need with lightbeam: descriptor values, one assessment, two objectiveAssessments and
   ``--students`` students;
3. writes ``--records`` realistic studentAssessments (three scoreResults, performanceLevels, a
   schoolYearTypeReference, whenAssessedGradeLevelDescriptor, two studentObjectiveAssessments) as JSONL;
4. times ``lightbeam send`` of them (``connection.pool_size: --pool-size``), then a re-send with ``-f``.

For each send it prints records/second (records / wall seconds of the whole lightbeam process, its start-up
included), lightbeam's status counts, the sandbox process's CPU seconds and its peak memory (VmHWM, reset before
each phase through ``/proc/<pid>/clear_refs`` when the kernel allows). The first send must answer 201 for every
record and the re-send 200; anything else stops the bench with the failures printed. Timings are reported, never
asserted.

``--py-spy DIR`` attaches py-spy (``.venv/bin/pip install py-spy``) to the sandbox during each send and writes
speedscope profiles ``DIR/send.json`` and ``DIR/re-send.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import lightbeam

PROJECT = Path(__file__).resolve().parents[1]
SHARED_SPEC = PROJECT.parent / "shared" / "edfi" / "spec"
RUNWAY = str(Path(sys.executable).with_name("runway"))
CLIENT_KEY = "runway-sandbox"
CLIENT_SECRET = "runway-sandbox-secret"
READY = re.compile(r"Ed-Fi sandbox ready: (\S+)")

ED_FI = "uri://ed-fi.org"
ASSESSMENT_NAMESPACE = "uri://runway.example/Assessment"
ASSESSMENT_ID = "RUNWAY-BENCH-MATH-G9"
OBJECTIVES = (("MATH-G9.NUM", "Number and quantity"), ("MATH-G9.ALG", "Algebra"))
SCHOOL_YEAR = 2025

DESCRIPTORS: dict[str, tuple[str, ...]] = {
    "AcademicSubjectDescriptor": ("Mathematics",),
    "AssessmentReportingMethodDescriptor": ("Scale score", "Raw score", "Percentile", "Proficiency level"),
    "ResultDatatypeTypeDescriptor": ("Integer", "Decimal", "Level"),
    "PerformanceLevelDescriptor": ("Below Basic", "Basic", "Proficient", "Advanced"),
    "GradeLevelDescriptor": ("Eighth grade", "Ninth grade", "Tenth grade"),
    "AssessmentPeriodDescriptor": ("Fall", "Winter", "Spring"),
}
LEVELS = DESCRIPTORS["PerformanceLevelDescriptor"]
GRADES = DESCRIPTORS["GradeLevelDescriptor"]
PERIODS = DESCRIPTORS["AssessmentPeriodDescriptor"]
FIRST_NAMES = ("Ana", "Ben", "Chloé", "Dmitri", "Esi", "Farah", "Gus", "Hana", "Ines", "José", "Kai", "Lena")
LAST_NAMES = ("Díaz", "Nguyen", "Okafor", "Smith", "Kowalski", "Haddad", "Tanaka", "Olsen", "Reyes", "Ahmed")


def descriptor(name: str, code: str) -> str:
    return f"{ED_FI}/{name}#{code}"


def method(code: str) -> str:
    return descriptor("AssessmentReportingMethodDescriptor", code)


def datatype(code: str) -> str:
    return descriptor("ResultDatatypeTypeDescriptor", code)


def level(code: str) -> str:
    return descriptor("PerformanceLevelDescriptor", code)


# --- data -----------------------------------------------------------------------------------------------------


def seed_files(students: int) -> dict[str, list[dict[str, Any]]]:
    """Lightbeam inputs (endpoint → payloads) for everything the studentAssessments reference."""
    files: dict[str, list[dict[str, Any]]] = {}
    for name, codes in DESCRIPTORS.items():
        endpoint = name[:1].lower() + name[1:] + "s"
        files[endpoint] = [
            {"codeValue": code, "namespace": f"{ED_FI}/{name}", "shortDescription": code, "description": code}
            for code in codes
        ]
    assessment_ref = {"assessmentIdentifier": ASSESSMENT_ID, "namespace": ASSESSMENT_NAMESPACE}
    files["assessments"] = [
        {
            **assessment_ref,
            "assessmentTitle": "Runway Bench Grade 9 Mathematics",
            "assessmentFamily": "Runway Bench",
            "academicSubjects": [{"academicSubjectDescriptor": descriptor("AcademicSubjectDescriptor", "Mathematics")}],
            "assessedGradeLevels": [{"gradeLevelDescriptor": descriptor("GradeLevelDescriptor", "Ninth grade")}],
            "maxRawScore": 60,
            "scores": [
                {
                    "assessmentReportingMethodDescriptor": method("Scale score"),
                    "resultDatatypeTypeDescriptor": datatype("Integer"),
                    "minimumScore": "100",
                    "maximumScore": "900",
                },
                {
                    "assessmentReportingMethodDescriptor": method("Raw score"),
                    "resultDatatypeTypeDescriptor": datatype("Integer"),
                    "minimumScore": "0",
                    "maximumScore": "60",
                },
            ],
            "performanceLevels": [
                {
                    "assessmentReportingMethodDescriptor": method("Scale score"),
                    "performanceLevelDescriptor": level(code),
                    "resultDatatypeTypeDescriptor": datatype("Integer"),
                    "minimumScore": str(100 + 200 * i),
                    "maximumScore": str(299 + 200 * i),
                }
                for i, code in enumerate(LEVELS)
            ],
        }
    ]
    files["objectiveAssessments"] = [
        {
            "identificationCode": code,
            "assessmentReference": assessment_ref,
            "academicSubjectDescriptor": descriptor("AcademicSubjectDescriptor", "Mathematics"),
            "description": description,
            "maxRawScore": 30,
            "percentOfAssessment": 50,
        }
        for code, description in OBJECTIVES
    ]
    files["students"] = [
        {
            "studentUniqueId": student_id(i),
            "firstName": FIRST_NAMES[i % len(FIRST_NAMES)],
            "lastSurname": LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)],
            "birthDate": f"{2009 + i % 3}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        }
        for i in range(students)
    ]
    return files


def student_id(index: int) -> str:
    return f"B{index:07d}"


def student_assessments(records: int, students: int, seed: int = 20250) -> list[dict[str, Any]]:
    """``records`` studentAssessments spread over ``students`` students (several administrations each)."""
    rng = random.Random(seed)
    rows = []
    for n in range(records):
        student = student_id(n % students)
        attempt = n // students
        scale = rng.randint(100, 899)
        band = LEVELS[min((scale - 100) // 200, len(LEVELS) - 1)]
        objectives = []
        for code, _ in OBJECTIVES:
            raw = rng.randint(0, 30)
            objectives.append(
                {
                    "objectiveAssessmentReference": {
                        "assessmentIdentifier": ASSESSMENT_ID,
                        "identificationCode": code,
                        "namespace": ASSESSMENT_NAMESPACE,
                    },
                    "scoreResults": [
                        {
                            "assessmentReportingMethodDescriptor": method("Raw score"),
                            "resultDatatypeTypeDescriptor": datatype("Integer"),
                            "result": str(raw),
                        }
                    ],
                    "performanceLevels": [
                        {
                            "assessmentReportingMethodDescriptor": method("Proficiency level"),
                            "performanceLevelDescriptor": level(LEVELS[min(raw // 8, len(LEVELS) - 1)]),
                        }
                    ],
                }
            )
        month = 1 + (attempt * 3) % 12
        rows.append(
            {
                "studentAssessmentIdentifier": f"{ASSESSMENT_ID}-{student}-{attempt + 1:03d}",
                "assessmentReference": {"assessmentIdentifier": ASSESSMENT_ID, "namespace": ASSESSMENT_NAMESPACE},
                "studentReference": {"studentUniqueId": student},
                "schoolYearTypeReference": {"schoolYear": SCHOOL_YEAR},
                "administrationDate": f"{SCHOOL_YEAR - (1 if month >= 8 else 0)}-{month:02d}-{1 + n % 28:02d}",
                "whenAssessedGradeLevelDescriptor": descriptor("GradeLevelDescriptor", GRADES[n % len(GRADES)]),
                "scoreResults": [
                    {
                        "assessmentReportingMethodDescriptor": method("Scale score"),
                        "resultDatatypeTypeDescriptor": datatype("Integer"),
                        "result": str(scale),
                    },
                    {
                        "assessmentReportingMethodDescriptor": method("Raw score"),
                        "resultDatatypeTypeDescriptor": datatype("Integer"),
                        "result": str(rng.randint(0, 60)),
                    },
                    {
                        "assessmentReportingMethodDescriptor": method("Percentile"),
                        "resultDatatypeTypeDescriptor": datatype("Integer"),
                        "result": str(rng.randint(1, 99)),
                    },
                ],
                "performanceLevels": [
                    {
                        "assessmentReportingMethodDescriptor": method("Scale score"),
                        "performanceLevelDescriptor": level(band),
                        "performanceLevelIndicatorName": band,
                    }
                ],
                "studentObjectiveAssessments": objectives,
            }
        )
    return rows


def write_jsonl(directory: Path, files: dict[str, list[dict[str, Any]]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for endpoint, rows in files.items():
        with (directory / f"{endpoint}.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


# --- the sandbox process ----------------------------------------------------------------------------------------


class SandboxProcess:
    """``runway sandbox serve --port 0`` in its own process; ``url`` is the API root it printed."""

    def __init__(self, options: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [RUNWAY, "sandbox", "serve", "--port", "0", *options], stdout=out, stderr=subprocess.STDOUT
            )
        self.url = self._wait_ready()
        self.pid = self.proc.pid

    def _wait_ready(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            found = READY.search(text)
            if found:
                return found.group(1).rstrip("/")
            if self.proc.poll() is not None:
                raise SystemExit(f"the sandbox exited ({self.proc.returncode}) before it was ready:\n{text}")
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"the sandbox was not ready after {timeout:.0f} s:\n{self.log.read_text()}")

    def memory(self) -> dict[str, int]:
        """VmHWM and VmRSS in KiB."""
        found = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(value.split()[0])
        return found

    def reset_peak(self) -> bool:
        """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False when not allowed."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- measuring ----------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    records: int
    wall: float
    lightbeam_runtime: float | None
    statuses: dict[int, int]
    sandbox_cpu: float
    lightbeam_cpu: float
    peak_kib: int
    peak_is_phase: bool
    machine_cpu: float  # busy CPU seconds of the whole machine during the phase

    @property
    def other_cpu(self) -> float:
        """CPU seconds used by processes other than the sandbox and lightbeam (a noise indicator)."""
        return max(0.0, self.machine_cpu - self.sandbox_cpu - self.lightbeam_cpu)

    @property
    def rate(self) -> float:
        return self.records / self.wall if self.wall else 0.0

    def report(self) -> str:
        statuses = ", ".join(f"{n}x{status}" for status, n in sorted(self.statuses.items()))
        runtime = f"{self.lightbeam_runtime:.2f}" if self.lightbeam_runtime is not None else "?"
        peak = "peak RSS (VmHWM)" if self.peak_is_phase else "peak RSS since start (VmHWM)"
        return (
            f"{self.name:<7} {self.records} records in {self.wall:.2f} s wall = {self.rate:,.0f} records/s"
            f" (lightbeam runtime_sec {runtime}); statuses: {statuses}\n"
            f"{'':<8}sandbox CPU {self.sandbox_cpu:.2f} s ({100 * self.sandbox_cpu / self.wall:.0f}% of one core),"
            f" lightbeam CPU {self.lightbeam_cpu:.2f} s ({100 * self.lightbeam_cpu / self.wall:.0f}%);"
            f" sandbox {peak} {self.peak_kib / 1024:.1f} MiB\n"
            f"{'':<8}other processes on the machine: {self.other_cpu:.2f} CPU s"
            f" ({100 * self.other_cpu / self.wall:.0f}% of one core; {os.cpu_count()} cores)"
        )


def machine_busy_seconds() -> float:
    """Busy (non-idle, non-iowait) CPU seconds of all cores since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    guest = sum(fields[8:10])  # already counted in user and nice
    return (sum(fields) - idle - guest) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_lightbeam(
    name: str, sandbox: SandboxProcess, config: Path, expected: set[int], *args: str
) -> tuple[Phase, lightbeam.LightbeamRun]:
    """Run ``lightbeam send`` and measure it; stop the bench when any record got another status."""
    peak_is_phase = sandbox.reset_peak()
    cpu_before = sandbox.cpu_seconds()
    children_before = children_cpu()
    machine_before = machine_busy_seconds()
    started = time.perf_counter()
    result = lightbeam.run(config, "send", *args, timeout=3600)
    wall = time.perf_counter() - started
    machine_cpu = machine_busy_seconds() - machine_before
    lightbeam_cpu = children_cpu() - children_before
    sandbox_cpu = sandbox.cpu_seconds() - cpu_before
    statuses: dict[int, int] = {}
    problems: list[str] = []
    records = 0
    if result.results is None:
        problems.append(f"lightbeam wrote no results file (exit {result.returncode})")
    else:
        for endpoint, entry in result.results.get("resources", {}).items():
            records += int(entry.get("records_processed", 0))
            for success in entry.get("successes", []):
                statuses[success["status_code"]] = statuses.get(success["status_code"], 0) + success["count"]
                if success["status_code"] not in expected:
                    problems.append(f"{endpoint}: {success['count']}x{success['status_code']}")
            for failure in entry.get("failures", []):
                statuses[failure["status_code"]] = statuses.get(failure["status_code"], 0) + failure["count"]
                problems.append(
                    f"{endpoint}: {failure['count']}x{failure['status_code']} {failure['message']}"
                    f" (lines {failure['line_numbers'][:5]}...)"
                )
            if entry.get("records_skipped"):
                problems.append(f"{endpoint}: {entry['records_skipped']} records skipped")
        if sum(statuses.values()) != records:
            problems.append(f"{sum(statuses.values())} statuses counted for {records} records")
    if result.returncode != 0:
        problems.append(f"lightbeam exited {result.returncode}")
    if problems:
        print(f"\n{name}: FAILED (expected only {sorted(expected)})", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("\nlightbeam output (tail):\n" + "\n".join(result.output.splitlines()[-30:]), file=sys.stderr)
        sandbox.stop()
        print("\nsandbox log (tail):\n" + "\n".join(sandbox.log.read_text().splitlines()[-30:]), file=sys.stderr)
        raise SystemExit(1)
    runtime = result.results.get("runtime_sec") if result.results else None
    phase = Phase(
        name,
        records,
        wall,
        float(runtime) if runtime is not None else None,
        statuses,
        sandbox_cpu,
        lightbeam_cpu,
        sandbox.memory()["VmHWM"],
        peak_is_phase,
        machine_cpu,
    )
    return phase, result


def start_py_spy(pid: int, output: Path) -> subprocess.Popen[bytes]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
    proc = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--nonblocking",
            "--rate",
            "250",
            "--format",
            "speedscope",
            "-o",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # let it attach
    return proc


def profiled(
    directory: Path | None, name: str, sandbox: SandboxProcess, config: Path, expected: set[int], *args: str
) -> Phase:
    """``run_lightbeam`` with py-spy recording the sandbox into ``directory/name.json`` when asked."""
    profiler = None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        profiler = start_py_spy(sandbox.pid, directory / f"{name}.json")
    try:
        phase, _ = run_lightbeam(name, sandbox, config, expected, *args)
    finally:
        if profiler is not None:
            stop_py_spy(profiler)
    return phase


def stop_py_spy(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if proc.returncode not in (0, -signal.SIGINT):
        print(f"py-spy: {err.decode(errors='replace').strip()}", file=sys.stderr)


# --- main -----------------------------------------------------------------------------------------------------------


def builtin_spec_available() -> bool:
    try:
        from runway.sandbox import builtin_spec  # noqa: F401
    except ImportError:
        return False
    return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_send", description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="studentAssessments to send (default 10000)")
    parser.add_argument("--students", type=int, help="students to seed (default records/10, at least 1)")
    parser.add_argument("--pool-size", type=int, default=8, help="lightbeam connection.pool_size (default 8)")
    parser.add_argument("--spec-dir", type=Path, help="official spec directory (default: the built-in spec)")
    parser.add_argument("--data-standard", help="Data Standard in --spec-dir (e.g. 5.0)")
    parser.add_argument("--db", choices=["memory", "file"], default="memory", help="SQLite in memory or a file")
    parser.add_argument("--workdir", type=Path, help="keep config, JSONL and logs here (default: a temp dir)")
    parser.add_argument("--py-spy", type=Path, help="directory for py-spy speedscope profiles of both sends")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.records < 1 or args.pool_size < 1:
        parser.error("--records and --pool-size must be positive")
    args.students = max(1, args.students or args.records // 10)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec_dir, data_standard = args.spec_dir, args.data_standard
    if spec_dir is None and not builtin_spec_available():
        spec_dir, data_standard = SHARED_SPEC, data_standard or "5.0"
        print(f"note: runway.sandbox.builtin_spec is not importable; using --spec-dir {spec_dir} DS {data_standard}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="runway-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    options = ["--log-level", "warning"]
    if spec_dir is not None:
        options += ["--spec-dir", str(spec_dir)]
    if data_standard:
        options += ["--data-standard", data_standard]
    if args.db == "file":
        db = workdir / "sandbox.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        options += ["--db", str(db)]

    print("writing data ...", flush=True)
    write_jsonl(workdir / "seed" / "data", seed_files(args.students))
    write_jsonl(workdir / "send" / "data", {"studentAssessments": student_assessments(args.records, args.students)})
    size = (workdir / "send" / "data" / "studentAssessments.jsonl").stat().st_size

    sandbox = SandboxProcess(options, workdir / "sandbox.log")
    try:
        print(
            f"sandbox pid {sandbox.pid} at {sandbox.url}: spec {spec_dir or 'built-in'}"
            f"{f' DS {data_standard}' if data_standard else ''}, db {args.db};"
            f" idle RSS {sandbox.memory()['VmRSS'] / 1024:.1f} MiB",
            flush=True,
        )
        configs = {
            name: lightbeam.write_config(
                workdir / name,
                sandbox.url,
                key=CLIENT_KEY,
                secret=CLIENT_SECRET,
                data_dir=workdir / name / "data",
                pool_size=args.pool_size,
            )
            for name in ("seed", "send")
        }
        seed, _ = run_lightbeam("seed", sandbox, configs["seed"], {200, 201})
        print(seed.report(), flush=True)
        print(
            f"sending {args.records} studentAssessments ({size / 1024 / 1024:.1f} MiB JSONL,"
            f" {size // args.records} bytes each) for {args.students} students, pool_size {args.pool_size} ...",
            flush=True,
        )
        first = profiled(args.py_spy, "send", sandbox, configs["send"], {201})
        print(first.report(), flush=True)
        again = profiled(args.py_spy, "re-send", sandbox, configs["send"], {200}, "-f")
        print(again.report(), flush=True)
        final = sandbox.memory()
        print(f"sandbox VmRSS now {final['VmRSS'] / 1024:.1f} MiB")
        if args.py_spy:
            print(f"py-spy profiles: {args.py_spy}/send.json, re-send.json (open in https://www.speedscope.app)")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "records": args.records,
                        "students": args.students,
                        "pool_size": args.pool_size,
                        "spec": str(spec_dir or "built-in"),
                        "db": args.db,
                        "phases": {
                            p.name: {
                                "records_per_second": round(p.rate, 1),
                                "wall_seconds": round(p.wall, 3),
                                "statuses": p.statuses,
                                "sandbox_cpu_seconds": round(p.sandbox_cpu, 2),
                                "lightbeam_cpu_seconds": round(p.lightbeam_cpu, 2),
                                "sandbox_peak_rss_kib": p.peak_kib,
                                "other_cpu_seconds": round(p.other_cpu, 2),
                            }
                            for p in (seed, first, again)
                        },
                    },
                    indent=2,
                )
            )
    finally:
        sandbox.stop()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The executor process: from ``INIT_TOKEN``/``INIT_JOB_URL`` to ``done`` (executor.md §1.2-1.5, §1.11-1.12).

``python -m runway.executor`` calls :func:`main`, which:

1. arms the overall timeout (``TIMEOUT_SECONDS``, default 3600): when it expires, the step running is
   interrupted with ``executor_timeout`` (a running earthmover or lightbeam is killed by ``subprocess.run``);
2. trades the init token for an access token and fetches the job payload (docs/executor-contract.md);
3. downloads the inputs through their signed URLs into the run workspace and builds the
   :class:`~runway.executor.runspec.RunSpec` (bundles checkout from ``RUNWAY_BUNDLES_DIR``, the Ed-Fi API
   from ``assessmentDatastore``);
4. runs :func:`runway.executor.steps.execute` with an :class:`HttpReporter`, which posts status, error,
   summary and unmatched-ids, uploads the output set through ``upload-url`` and registers it;
5. uploads the artifacts (best effort) and always ends with ``done``.

Only HTTP to the app: the executor never reads the database or the storage folder. The client secret is
never logged.
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from runway.executor.errors import ExecutorError
from runway.executor.runspec import OdsConnection, RunSpec
from runway.executor.send import OutputSet, Summary
from runway.executor.steps import Artifact, execute
from runway.executor.workspace import RunWorkspace

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "HttpReporter", "Timeout", "build_spec", "download_inputs", "main", "run"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 3600
#: Seconds slept before the 2nd and 3rd try of a failed post (the original's ``update_failure``).
RETRY_DELAYS = (5.0, 10.0)
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class Timeout:
    """The overall time limit: SIGALRM raises ``ExecutorError("executor_timeout")`` once, where the run is."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.expired = False

    def _expire(self, _signum: int, _frame: FrameType | None) -> None:
        self.expired = True
        raise ExecutorError("executor_timeout", timeout_seconds=self.seconds)

    def arm(self) -> None:
        """Start the clock."""
        signal.signal(signal.SIGALRM, self._expire)
        signal.alarm(max(1, self.seconds))

    def disarm(self) -> None:
        """Stop the clock (before the final reports, which must not be interrupted)."""
        signal.alarm(0)


class HttpReporter:
    """A :class:`runway.executor.steps.Reporter` posting to the app's callback URLs (``appUrls``).

    Posts are tried up to 3 times until the app answers 2xx; a post that still fails is logged, never raised.
    ``done`` is held back (:attr:`final`) so artifacts can be uploaded first; :meth:`done` sends it.
    :meth:`output_set` raises ``artifact_s3_upload`` when a file cannot be stored: it runs inside the
    ``upload_output`` action, whose failure that is.
    """

    def __init__(
        self,
        client: httpx.Client,
        urls: Mapping[str, str],
        base_path: str,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.client = client
        self.urls = dict(urls)
        self.base_path = base_path.rstrip("/")
        self.retry_delays: tuple[float, ...] = tuple(retry_delays)
        self.final: str | None = None
        self.done_sent = False

    def post(self, name: str, body: Any) -> bool:
        """POST ``body`` to ``appUrls[name]``; True on a 2xx answer within 3 tries."""
        url = self.urls.get(name)
        if not url:
            logger.error("The job payload has no %s URL; not reported: %s", name, body)
            return False
        for attempt in range(len(self.retry_delays) + 1):
            if attempt:
                time.sleep(self.retry_delays[attempt - 1])
            try:
                answer = self.client.post(url, json=body)
                if answer.is_success:
                    return True
                logger.warning("POST %s answered %s: %s", name, answer.status_code, answer.text[:500])
            except httpx.HTTPError as exc:
                logger.warning("POST %s failed: %s", name, exc)
        logger.error("Gave up reporting %s after %d tries", name, len(self.retry_delays) + 1)
        return False

    def _status(self, action: str, status: str) -> None:
        if action == "done":
            self.final = status
            return
        self.post("status", {"action": action, "status": status})

    def begin(self, action: str) -> None:
        """``{action, begin}``."""
        self._status(action, "begin")

    def success(self, action: str) -> None:
        """``{action, success}`` (``done`` is held back)."""
        self._status(action, "success")

    def failure(self, action: str) -> None:
        """``{action, failure}`` (``done`` is held back)."""
        self._status(action, "failure")

    def error(self, code: str, payload: Mapping[str, Any]) -> None:
        """The run's error, ``{code, payload}``."""
        self.post("error", {"code": code, "payload": dict(payload)})

    def summary(self, summary: Summary) -> None:
        """The per-resource counts."""
        self.post("summary", summary)

    def unmatched_ids(self, report: Mapping[str, object]) -> None:
        """``{name, type, count}`` of the unmatched students."""
        self.post("unmatchedIds", dict(report))

    def upload(self, relative: str, path: Path) -> None:
        """Store ``path`` as ``<outputBasePath>/<relative>`` through a signed URL.

        Raises:
            httpx.HTTPError: the app refused the URL or the upload failed.
        """
        answer = self.client.post(self.urls["uploadUrl"], json={"path": relative})
        answer.raise_for_status()
        with path.open("rb") as file:
            self.client.put(answer.json()["url"], content=file).raise_for_status()

    def output_set(self, files: OutputSet) -> None:
        """Upload each file to ``<outputBasePath>/<ods|non-ods>/`` and register the set (executor.md §1.5 step 12).

        Raises:
            ExecutorError: ``artifact_s3_upload`` when a file cannot be uploaded.
        """
        for file in files.files:
            relative = f"{files.name}/{file.name}"
            try:
                self.upload(relative, file)
            except (httpx.HTTPError, OSError) as exc:
                raise ExecutorError("artifact_s3_upload", name=file.name, path=relative) from exc
        self.post("outputFiles", {"path": f"{self.base_path}/{files.name}", "sentToOds": files.sent_to_ods})

    def artifacts(self, artifacts: list[Artifact]) -> None:
        """Upload each artifact to ``<outputBasePath>/<file name>``, best effort (failures are logged)."""
        for artifact in artifacts:
            try:
                self.upload(artifact.path.name, artifact.path)
            except (httpx.HTTPError, OSError) as exc:
                logger.warning("Could not upload artifact %s: %s", artifact.name, exc)

    def done(self, status: str | None = None) -> None:
        """Send ``done`` once: ``status``, else what the steps reported, else ``failure``."""
        if self.done_sent:
            return
        self.done_sent = True
        self.post("status", {"action": "done", "status": status or self.final or "failure"})


def download_inputs(client: httpx.Client, payload: Mapping[str, Any], directory: Path) -> dict[str, Path]:
    """Save each ``inputFileUrls[key]`` as ``<directory>/<name>`` (the user's file name); key → path.

    Raises:
        ExecutorError: ``invalid_job`` when ``INPUT_FILE`` is missing; ``input_s3_download`` when a
            download fails.
    """
    names: Mapping[str, str] = payload.get("inputFiles") or {}
    urls: Mapping[str, str] = payload.get("inputFileUrls") or {}
    if "INPUT_FILE" not in names:
        raise ExecutorError("invalid_job", message="job is missing required value: inputFiles.INPUT_FILE")
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    base = str(payload.get("appDataBasePath", "")).rstrip("/")
    for key, name in names.items():
        user_name = name.split("__", 1)[-1] if name.startswith(f"{key}__") else name
        target = directory / key / Path(user_name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            url = urls[key]
            with client.stream("GET", url) as answer:
                answer.raise_for_status()
                with target.open("wb") as file:
                    for chunk in answer.iter_bytes():
                        file.write(chunk)
        except (KeyError, httpx.HTTPError, OSError) as exc:
            raise ExecutorError("input_s3_download", name=name, path=f"{base}/input/{name}") from exc
        files[key] = target
    return files


def build_spec(payload: Mapping[str, Any], inputs: Mapping[str, Path], bundles_root: Path | None) -> RunSpec:
    """The :class:`RunSpec` of a job payload with its downloaded ``inputs``.

    Raises:
        ExecutorError: ``invalid_job`` when a required value is missing, the job does not send to an ODS
            (not supported yet), or no bundles checkout is configured.
    """
    if bundles_root is None:
        raise ExecutorError("invalid_job", message="no bundles checkout configured (RUNWAY_BUNDLES_DIR)")
    bundle = payload.get("bundle") or {}
    if not bundle.get("path"):
        raise ExecutorError("invalid_job", message="job is missing required value: bundle.path")
    if not payload.get("sendToOds", True):
        raise ExecutorError("invalid_job", message="jobs that do not send to an ODS are not supported yet")
    datastore = payload.get("assessmentDatastore") or {}
    missing = [key for key in ("url", "clientId", "clientSecret", "apiYear") if not datastore.get(key)]
    if missing:
        raise ExecutorError("invalid_job", message=f"job is missing required value: assessmentDatastore.{missing[0]}")
    ods = OdsConnection(
        base_url=str(datastore["url"]),
        client_id=str(datastore["clientId"]),
        client_secret=str(datastore["clientSecret"]),
        api_year=int(datastore["apiYear"]),
        verify_ssl=os.environ.get("DEPLOYMENT_MODE", "").upper() != "LOCAL",
    )
    params = {str(key): str(value) for key, value in (payload.get("inputParams") or {}).items()}
    return RunSpec(bundles_root, str(bundle["path"]), dict(inputs), ods, input_params=params)


def _error_body(exc: BaseException) -> dict[str, Any]:
    error = exc if isinstance(exc, ExecutorError) else ExecutorError("unknown")
    return error.to_json("".join(traceback.format_exception(exc)))


def run(env: Mapping[str, str]) -> int:
    """One executor run from the launch environment; the exit code (0 success, 1 failure, 2 no callbacks).

    Raises nothing: a failure after the handshake is reported (error, then ``done``/``failure``); a failed
    handshake is logged, as there is nowhere to report it.
    """
    timeout = Timeout(int(env.get("TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS))
    workdir = Path(env.get("RUNWAY_EXECUTOR_WORKDIR") or tempfile.mkdtemp(prefix="runway-run-"))
    bundles = env.get("RUNWAY_BUNDLES_DIR")
    reporter: HttpReporter | None = None
    with httpx.Client(timeout=HTTP_TIMEOUT, transport=httpx.HTTPTransport(retries=3)) as client:
        try:
            timeout.arm()
            init = client.get(env["INIT_JOB_URL"], headers={"Authorization": f"Bearer {env['INIT_TOKEN']}"})
            init.raise_for_status()
            client.headers["Authorization"] = f"Bearer {init.json()['token']}"
            answer = client.get(init.json()["jobUrl"])
            answer.raise_for_status()
            payload = answer.json()
            if not isinstance(payload.get("appUrls"), dict) or "appDataBasePath" not in payload:
                raise ExecutorError("invalid_job", message="job is missing required value: appUrls")
            output_base = payload.get("outputBasePath") or f"{str(payload['appDataBasePath']).rstrip('/')}/output"
            reporter = HttpReporter(client, payload["appUrls"], str(output_base))
            logger.info("Run of %s (%s)", payload.get("bundle"), payload.get("appDataBasePath"))
            workspace = RunWorkspace(workdir / "workspace")
            inputs = download_inputs(client, payload, workdir / "downloads")
            spec = build_spec(payload, inputs, Path(bundles) if bundles else None)
            outcome = execute(spec, workspace, reporter)
            timeout.disarm()
            if outcome.error is not None:
                logger.error("Run failed: %s", outcome.error)
            reporter.artifacts(outcome.artifacts)
            reporter.done()
            return 0 if outcome.ok and reporter.final == "success" else 1
        except Exception as exc:  # report whatever stopped the run, then done
            timeout.disarm()
            logger.error("Run stopped: %s", exc, exc_info=not isinstance(exc, ExecutorError))
            if reporter is None:
                return 2
            body = _error_body(exc)
            reporter.error(body["code"], body["payload"])
            reporter.done("failure")
            return 1
        finally:
            timeout.disarm()


def main() -> int:
    """Entry point of ``python -m runway.executor``: log to stderr and run with ``os.environ``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("INIT_TOKEN", "INIT_JOB_URL"):
        if not os.environ.get(name):
            logger.error("%s is not set; the executor is started by the app", name)
            return 2
    return run(os.environ)

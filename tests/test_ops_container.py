"""The container image, as far as this machine can check it (it cannot pull base images).

- Every variable that compose.yaml or the Dockerfile sets (or that compose reads from `.env`) is in
  the README's configuration table, and every variable in that table is set there; the example
  `.env` names only documented variables.
- The image's entry command runs here as the image would run it: the package installed (not
  editable) from the files the Dockerfile copies into a clean virtual environment, started with the
  Dockerfile's ENV, WORKDIR, ENTRYPOINT and CMD, a secret read from a NAME_FILE, and its HEALTHCHECK
  command says healthy once the service is ready. Its log lines (LOG_FORMAT=json from the
  Dockerfile) parse as JSON. The packages the project needs come from the project's own virtual
  environment (a `.pth` file; no download), so this takes seconds, not the minutes of a real build.

The image build itself is not exercised (README, "I drift").
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]{2,})`")
SUBSTITUTION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def readme_variables() -> set[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(VARIABLE.findall(line.split("|")[1]))
    return names


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, rest = line.strip().partition(" ")
            out.append((instruction.upper(), rest.strip()))
    return out


def runtime_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for name, rest in dockerfile():
        if name == "ENV":
            env.update(dict(pair.split("=", 1) for pair in rest.split()))
    return env


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def compose_variables() -> set[str]:
    names: set[str] = set()
    for service in compose()["services"].values():
        names.update(service.get("environment") or {})
    names.update(SUBSTITUTION.findall((ROOT / "compose.yaml").read_text(encoding="utf-8")))
    return names


def test_compose_and_dockerfile_variables_are_the_readme_table() -> None:
    documented = readme_variables()
    assert {"DATABASE_URL", "LOG_FORMAT", "OPPFOLGING_METRICS", "OPPFOLGING_RETENTION_DAYS"} <= documented
    set_there = compose_variables() | set(dockerfile_env())
    assert sorted(set_there - documented) == []  # set, but not documented
    assert sorted(documented - set_there) == []  # documented, but neither file sets it
    example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert sorted(example - documented) == []


def test_compose_has_postgresql_15_or_newer_volumes_and_file_secrets() -> None:
    spec = compose()
    db, bot = spec["services"]["db"], spec["services"]["bot"]
    major = int(re.match(r"postgres:(\d+)", db["image"]).group(1))  # type: ignore[union-attr]
    assert major >= 15
    assert db["volumes"] and bot["volumes"] and set(spec["volumes"]) == {"db-data", "bot-data"}
    env = bot["environment"]
    secret_files = {name: value for name, value in env.items() if name.endswith("_FILE")}
    assert {"DATABASE_URL_FILE", "SLACK_BOT_TOKEN_FILE", "TEAMS_APP_PASSWORD_FILE", "SMTP_URL_FILE"} <= set(secret_files)
    for value in secret_files.values():
        assert value.startswith("/run/secrets/") and value.removeprefix("/run/secrets/") in bot["secrets"]
    assert all("file" in s for s in spec["secrets"].values())
    # No secret has a value in the compose file itself.
    for name, value in env.items():
        if re.search(r"(TOKEN|SECRET|PASSWORD|_URL)$", name) and not name.endswith("_FILE"):
            assert str(value).startswith("${") or value == "", name


def test_the_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    instructions = dockerfile()
    froms = [rest for name, rest in instructions if name == "FROM"]
    assert len(froms) >= 2
    args = dict(rest.split("=", 1) for name, rest in instructions if name == "ARG" and "=" in rest)
    assert "slim" in args["PYTHON_IMAGE"]
    runtime = runtime_stage()
    user = [rest for name, rest in runtime if name == "USER"]
    assert user and not user[-1].startswith(("0", "root"))
    assert any(name == "COPY" and "--from=build" in rest for name, rest in runtime)
    assert any(name == "HEALTHCHECK" for name, _ in runtime)
    build = instructions[: [i for i, (n, _) in enumerate(instructions) if n == "FROM"][1]]
    assert any(name == "RUN" and "pip install" in rest and "/src" in rest for name, rest in build)


def _array(rest: str) -> list[str]:
    return list(json.loads(rest[rest.index("["):]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_the_entry_command_runs_as_the_image_runs_it(tmp_path: Path) -> None:
    # The build stage: the files the Dockerfile copies, installed (not editable) into a new environment.
    source = tmp_path / "src"
    source.mkdir()
    for name, rest in dockerfile():
        if name == "COPY" and "--from" not in rest:
            *items, _target = rest.split()
            for item in items:
                origin = ROOT / item
                if origin.is_dir():
                    shutil.copytree(origin, source / item, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(origin, source / item)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # The dependencies: the project's own environment, after the new one's own packages (no download).
    (site / "zz-project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", str(source)], check=True, capture_output=True)

    # The runtime stage: its ENV, WORKDIR, ENTRYPOINT, CMD and HEALTHCHECK, with the image's paths here.
    runtime = runtime_stage()
    workdir_in_image = [rest for name, rest in runtime if name == "WORKDIR"][-1]
    workdir = tmp_path / "workdir"
    workdir.mkdir()

    def here(arg: str) -> str:
        return arg.replace("/opt/venv", str(venv)).replace(workdir_in_image, str(workdir))

    entry = [here(a) for a in _array(next(rest for name, rest in runtime if name == "ENTRYPOINT"))]
    command = [here(a) for a in _array(next(rest for name, rest in runtime if name == "CMD"))]
    healthcheck = next(rest for name, rest in runtime if name == "HEALTHCHECK")
    probe = [here(a) for a in _array(healthcheck[healthcheck.index("CMD") + 3:])]
    port = _free_port()
    token_file = tmp_path / "secrets" / "metrics_token"
    token_file.parent.mkdir()
    token_file.write_text("metrics-token-from-a-file\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), **dockerfile_env(), "PORT": str(port),
           "OPPFOLGING_METRICS_TOKEN_FILE": str(token_file)}
    assert env["LOG_FORMAT"] == "json"

    version = subprocess.run([*entry, "--version"], cwd=workdir, env=env, capture_output=True, text=True, check=True)
    assert version.stdout.strip().startswith("oppfolging ")
    where = subprocess.run([str(python), "-c", "import bot; print(bot.__file__)"], cwd=workdir, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site)), where  # the installed copy, not this checkout

    log = tmp_path / "service.log"
    with log.open("wb") as out:
        service = subprocess.Popen([*entry, *command], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 40
        while True:  # polls for readiness, as the container platform would
            assert service.poll() is None, log.read_text(errors="replace")[-3000:]
            if subprocess.run(probe, cwd=workdir, env=env, capture_output=True).returncode == 0:
                break
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/livez")[0] == 200
        status, body = _get(base + "/readyz")
        assert status == 200 and json.loads(body)["migrations"] == "current"
        assert _get(base + "/metrics")[0] == 401
        status, body = _get(base + "/metrics", {"Authorization": "Bearer metrics-token-from-a-file"})
        assert status == 200 and b"oppfolging_database_up 1.0" in body
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
    assert (workdir / "data" / "oppfolging.sqlite").exists()  # SQLite in the volume's place by default
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any("listening" in line["message"] for line in lines)
    assert "metrics-token-from-a-file" not in log.read_text(encoding="utf-8")
    # The health check says unhealthy once nothing answers.
    assert subprocess.run(probe, cwd=workdir, env=env, capture_output=True).returncode == 1

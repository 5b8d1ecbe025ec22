"""The Teams app package: a manifest that validates against the official schema, two real PNG icons."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.cli import main
from bot.teams.package import PackageError, PackageSettings, build_manifest, build_package, host_of
from handlers import router  # noqa: F401  (importing the router registers every feature's commands)
from handlers.core import registry
from handlers.core.text import fold
from tests.conftest import SHARED
from tests.support.teams_harness import APP_ID

SCHEMA = SHARED / "schemas" / "teams-app-manifest.schema.1.30.json"


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Width, height and RGBA rows of an unfiltered 8-bit RGBA PNG (what `bot/assets/teams-*.png` are)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", body[:10])
            assert (depth, color_type) == (8, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + 4 * x:5 + 4 * x]) for x in range(width)])
    return width, height, rows


PRIVACY = "https://oppfolging.example.no/personvern"
TERMS = "https://oppfolging.example.no/vilkar"


def production(**changes: object) -> PackageSettings:
    """Settings for a production package: the privacy and terms URLs are set."""
    return PackageSettings(**({"app_id": APP_ID, "host": "oppfolging.example.no", "privacy_url": PRIVACY,
                               "terms_url": TERMS} | changes))  # type: ignore[arg-type]


def package_files(settings: PackageSettings) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(build_package(settings))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_holds_a_manifest_and_two_icons() -> None:
    files = package_files(production())
    assert set(files) == {"manifest.json", "color.png", "outline.png"}
    manifest = json.loads(files["manifest.json"])
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["oppfolging.example.no"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}

    width, height, rows = decode_png(files["color.png"])
    assert (width, height) == (192, 192)
    pixels = {p for row in rows for p in row}
    assert all(p[3] == 255 for p in pixels) and (255, 255, 255, 255) in pixels and len(pixels) == 2

    width, height, rows = decode_png(files["outline.png"])
    assert (width, height) == (32, 32)
    pixels = {p for row in rows for p in row}
    assert pixels == {(255, 255, 255, 255), (0, 0, 0, 0)}  # white on transparent, as Teams requires
    assert rows[0][0] == (0, 0, 0, 0)


@pytest.mark.skipif(not SCHEMA.exists(), reason="the shared Teams manifest schema is not present")
def test_the_manifest_validates_against_the_official_schema() -> None:
    from jsonschema import Draft4Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft4Validator(schema)
    manifest = build_manifest(production(host="https://oppfolging.example.no/"))
    dev = build_manifest(PackageSettings(app_id=APP_ID, host="oppfolging.example.no", dev=True))
    for checked in (manifest, dev):
        errors = sorted(validator.iter_errors(checked), key=lambda e: list(e.path))
        assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    # And a broken one is caught, so the check above means something.
    broken = dict(manifest, id="not-a-guid")
    assert list(validator.iter_errors(broken))


def test_the_manifest_declares_norwegian() -> None:
    manifest = build_manifest(production())
    assert manifest["localizationInfo"] == {"defaultLanguageTag": "nb-NO"}
    assert manifest["developer"]["privacyUrl"] == PRIVACY and manifest["developer"]["termsOfUseUrl"] == TERMS


def test_every_advertised_command_exists() -> None:
    manifest = build_manifest(production())
    lists = manifest["bots"][0]["commandLists"]
    assert {tuple(entry["scopes"]) for entry in lists} == {("personal",), ("team", "groupChat")}
    for entry in lists:
        for cmd in entry["commands"]:
            assert cmd["description"]
            if cmd["title"].endswith("?"):
                continue  # a question in plain words, not a command
            assert fold(cmd["title"]) in registry.COMMANDS, cmd["title"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (production(app_id=""), "TEAMS_APP_ID"),
        (production(app_id="bot"), "GUID"),
        (production(host=None), "PUBLIC_HOST"),
        (production(privacy_url="http://x.example.no/p"), "https"),
        (production(privacy_url=None), "TEAMS_PRIVACY_URL not set"),
        (production(terms_url=None), "TEAMS_TERMS_URL not set"),
        (production(privacy_url=None, terms_url=None), "TEAMS_PRIVACY_URL and TEAMS_TERMS_URL"),
        (production(privacy_url=None, terms_url=None, dev=True, website_url="http://x.example.no/"), "https"),
    ],
)
def test_missing_configuration_is_explained(settings: PackageSettings, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        build_manifest(settings)


def test_host_names_are_read_from_urls_too() -> None:
    assert host_of("Bot.Example.no") == "bot.example.no"
    assert host_of("https://bot.example.no/oppfolging") == "bot.example.no"
    assert host_of("bot.example.no:8443") == "bot.example.no"


def test_the_teams_package_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_HOST", "oppfolging.example.no")
    for name in ("TEAMS_PRIVACY_URL", "TEAMS_TERMS_URL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "dist" / "teams.zip"
    # Without the privacy and terms URLs a production package is refused, and nothing is written.
    assert main(["teams-package", "--out", str(out)]) == 2
    assert "TEAMS_PRIVACY_URL and TEAMS_TERMS_URL not set" in capsys.readouterr().err
    assert not out.exists()

    monkeypatch.setenv("TEAMS_PRIVACY_URL", PRIVACY)
    monkeypatch.setenv("TEAMS_TERMS_URL", TERMS)
    assert main(["teams-package", "--out", str(out), "--app-version", "2.1.0"]) == 0
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["version"] == "2.1.0" and manifest["bots"][0]["botId"] == APP_ID
    assert (manifest["developer"]["privacyUrl"], manifest["developer"]["termsOfUseUrl"]) == (PRIVACY, TERMS)
    assert str(out) in capsys.readouterr().out

    # --dev: a development package may point both at the website.
    monkeypatch.delenv("TEAMS_PRIVACY_URL")
    monkeypatch.delenv("TEAMS_TERMS_URL")
    dev = tmp_path / "dev.zip"
    assert main(["teams-package", "--out", str(dev), "--dev"]) == 0
    with zipfile.ZipFile(dev) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["developer"]["privacyUrl"] == manifest["developer"]["termsOfUseUrl"] \
        == "https://oppfolging.example.no/"

    monkeypatch.delenv("TEAMS_APP_ID")
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert main(["teams-package", "--out", str(tmp_path / "none.zip")]) == 2
    assert "TEAMS_APP_ID" in capsys.readouterr().err
    assert not (tmp_path / "none.zip").exists()

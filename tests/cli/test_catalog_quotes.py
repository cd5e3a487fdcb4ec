"""`tracklight catalog quotes`: a source proof's quote is looked up in the release it cites.

The releases are real packages built here (a wheel, npm tarballs) served by a real HTTP server on 127.0.0.1 as a
package index and an npm registry; pip and npm download them as they would from the public ones.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracklight.commands.proving.quotes import QuoteTarget, find_quote, judge
from tracklight.core.oracle import Package

pytestmark = pytest.mark.timeout(300)

MACHINE_ENV = dict(os.environ)  # captured before the sandbox fixture empties the environment

TELEMETRY_PY = '''"""tlquote's telemetry switch."""
import os


def enabled():
    # the documented switch
    if os.environ.get("TLQUOTE_TELEMETRY", "1") in ("0", "false"):
        return False
    return True
'''


def test_a_quote_is_found_at_its_lines_with_white_space_collapsed() -> None:
    assert find_quote(TELEMETRY_PY, 'if os.environ.get("TLQUOTE_TELEMETRY",   "1") in ("0", "false"):') == [(7, 7)]
    assert find_quote(TELEMETRY_PY, "def enabled(): # the documented switch") == [(5, 6)]
    assert find_quote(TELEMETRY_PY, "return True") == [(9, 9)]
    assert find_quote(TELEMETRY_PY, "import os def enabled():") == [(2, 5)]  # blank lines count as white space
    assert find_quote(TELEMETRY_PY, 'os.environ.get("TLQUOTE_TELEMETRY", "0")') == []


def test_left_out_code_must_be_marked() -> None:
    # The quote skips the comment line: only with "…" (or "...", or " / " for a line break) is that a quote.
    assert find_quote(TELEMETRY_PY, "def enabled(): if os.environ") == []
    assert find_quote(TELEMETRY_PY, "def enabled(): … if os.environ") == [(5, 7)]
    assert find_quote(TELEMETRY_PY, "def enabled(): ... if os.environ") == [(5, 7)]
    assert find_quote(TELEMETRY_PY, "return False / return True") == [(8, 9)]
    # the parts must come in the quote's order
    assert find_quote(TELEMETRY_PY, "return True … def enabled():") == []


def test_lines_are_counted_at_newlines_only() -> None:
    # Minified JavaScript carries U+2028 inside strings; GitHub and editors do not start a line there (Python's
    # splitlines would, and every later line number would be off).
    text = 'var a="x\u2028y";\nvar b=1;\nsend(track)\n'
    assert find_quote(text, "send(track)") == [(3, 3)]


def test_the_verdict_names_where_the_quote_is() -> None:
    def target(first: int, last: int, quote: str) -> QuoteTarget:
        return QuoteTarget("tlquote", Package("pypi", "tlquote", "1.0"), "tlquote/telemetry.py", first, last, quote)

    assert judge(target(7, 7, "TLQUOTE_TELEMETRY"), TELEMETRY_PY, "1.0").status == "at line"
    moved = judge(target(3, 4, "TLQUOTE_TELEMETRY"), TELEMETRY_PY, "1.0")
    assert (moved.status, moved.found) == ("moved", "L7")
    assert judge(target(7, 7, "TLQUOTE_NO_TELEMETRY"), TELEMETRY_PY, "1.0").status == "missing"
    assert judge(target(7, 7, "TLQUOTE_TELEMETRY"), None, "1.0").status == "no file"


# --- end to end, against a local package index and npm registry --------------------------------------------------

def _wheel(version: str, module: str, requires: str = "") -> tuple[str, bytes]:
    dist = f"tlquote-{version}.dist-info"
    requires_line = f"Requires-Python: {requires.replace('&gt;', '>')}\n" if requires else ""
    files = {
        "tlquote/__init__.py": b"",
        "tlquote/telemetry.py": module.encode(),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: tlquote\nVersion: {version}\n{requires_line}".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tracklight-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for name, data in files.items()]
    files[f"{dist}/RECORD"] = ("\n".join([*record, f"{dist}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return f"tlquote-{version}-py3-none-any.whl", buffer.getvalue()


def _npm_tarball(version: str, script: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in {"package/package.json": json.dumps({"name": "tlquote-js", "version": version}),
                           "package/dist/telemetry.js": script}.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


TELEMETRY_2_PY = TELEMETRY_PY.replace('"TLQUOTE_TELEMETRY"', '"TLQUOTE_ANALYTICS"')  # 2.0 renamed the switch

JS_1 = "const a = 1;\nif (process.env.TLQUOTE_DISABLE === '1') return;\nsend();\n"
JS_2 = "const a = 1;\nif (isDisabled(process.env)) return;\nsend();\n"  # 2.0 reads the switch elsewhere


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A package index (/simple/) and an npm registry (/tlquote-js) on 127.0.0.1, serving files from a folder."""
    root = tmp_path_factory.mktemp("index")
    (root / "files").mkdir()
    links = []
    # 2.0 needs Python 3.13.2, newer than the one that runs these tests (and than the 3.13.0 pip means by "3.13"):
    # it must still be read, pinned or as the newest release
    for version, module, requires in (("1.0", TELEMETRY_PY, ""), ("2.0", TELEMETRY_2_PY, "&gt;=3.13.2")):
        wheel_name, wheel = _wheel(version, module, requires)
        (root / "files" / wheel_name).write_bytes(wheel)
        digest = hashlib.sha256(wheel).hexdigest()
        attribute = f' data-requires-python="{requires}"' if requires else ""
        links.append(f'<a href="../../files/{wheel_name}#sha256={digest}"{attribute}>{wheel_name}</a>')
    (root / "simple" / "tlquote").mkdir(parents=True)
    (root / "simple" / "tlquote" / "index.html").write_text(f"<html><body>{''.join(links)}</body></html>")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _QuietHandler(*a, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    versions = {}
    for version, script in (("1.0.0", JS_1), ("2.0.0", JS_2)):
        tarball = _npm_tarball(version, script)
        (root / "files" / f"tlquote-js-{version}.tgz").write_bytes(tarball)
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
        versions[version] = {"name": "tlquote-js", "version": version,
                             "dist": {"tarball": f"{base}/files/tlquote-js-{version}.tgz", "integrity": integrity}}
    (root / "tlquote-js").write_text(json.dumps({"name": "tlquote-js", "dist-tags": {"latest": "2.0.0"},
                                                 "versions": versions}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


ENTRY = '''manifest_version = 1
id = "tlquote"
name = "tlquote"
PROOFS'''

PROOF = '''
[[proofs]]
method = "source"
covers = ["tier"]
date = 2026-12-07
version = "VERSION"
package = "PACKAGE"
file = "FILE"
quote = QUOTE
'''


def _catalog(root: Path, *proofs: tuple[str, str, str]) -> Path:
    catalog = root / "catalog"
    catalog.mkdir()
    text = ENTRY.replace("PROOFS", "".join(
        PROOF.replace("PACKAGE", package).replace("VERSION", package.rsplit("=", 1)[-1].rsplit("@", 1)[-1])
        .replace("FILE", file).replace("QUOTE", json.dumps(quote)) for package, file, quote in proofs))
    (catalog / "tlquote.toml").write_text(text, encoding="utf-8")
    return catalog


def _quotes(catalog: Path, cache: Path, index: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in MACHINE_ENV.items() if not k.startswith(("PIP_", "TRACKLIGHT_", "npm_config_"))}
    env.update(PIP_INDEX_URL=f"{index}/simple/", npm_config_registry=f"{index}/")
    argv = [sys.executable, "-m", "tracklight.cli", "catalog", "quotes", "--catalog", str(catalog),
            "--cache", str(cache), *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=240)


def test_each_quote_is_checked_in_the_wheel_pip_downloads(tmp_path: Path, index: str) -> None:
    catalog = _catalog(
        tmp_path,
        ("pypi:tlquote==1.0", "tlquote/telemetry.py#L7", 'os.environ.get("TLQUOTE_TELEMETRY", "1")'),
        ("pypi:tlquote==1.0", "tlquote/telemetry.py#L2", 'os.environ.get("TLQUOTE_TELEMETRY", "1")'),
        ("pypi:tlquote==1.0", "tlquote/telemetry.py#L7", 'os.environ.get("TLQUOTE_NO_TELEMETRY")'),
        ("pypi:tlquote==1.0", "tlquote/config.py#L1", "enabled = True"),
    )
    done = _quotes(catalog, tmp_path / "cache", index)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "moved        tlquote: pypi:tlquote 1.0 tlquote/telemetry.py#L2 (found at L7)" in lines
    assert "missing      tlquote: pypi:tlquote 1.0 tlquote/telemetry.py#L7" in lines
    assert "no file      tlquote: pypi:tlquote 1.0 tlquote/config.py#L1" in lines
    assert lines[-1] == ("4 quotes of source proofs checked against the pinned releases: 1 at line, 1 moved, "
                         "1 missing, 1 no file, 0 not fetched")

    right = tmp_path / "right"
    right.mkdir()
    catalog = _catalog(right, ("pypi:tlquote==1.0", "tlquote/telemetry.py#L5-L8", "def enabled(): … return False"))
    done = _quotes(catalog, tmp_path / "cache", index)  # the unpacked wheel is reused from the cache
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith("1 at line, 0 moved, 0 missing, 0 no file, 0 not fetched\n")


def test_latest_reads_the_newest_release_even_one_this_python_cannot_install(tmp_path: Path, index: str) -> None:
    catalog = _catalog(tmp_path, ("pypi:tlquote==1.0", "tlquote/telemetry.py#L7", 'os.environ.get("TLQUOTE_TELEMETRY"'))
    assert _quotes(catalog, tmp_path / "cache", index).returncode == 0
    latest = _quotes(catalog, tmp_path / "cache", index, "--latest")
    assert latest.returncode == 1, latest.stdout + latest.stderr
    assert "missing      tlquote: pypi:tlquote 2.0 tlquote/telemetry.py#L7" in latest.stdout.splitlines()

    pinned = tmp_path / "pinned"
    pinned.mkdir()
    catalog = _catalog(pinned, ("pypi:tlquote==2.0", "tlquote/telemetry.py#L7", 'os.environ.get("TLQUOTE_ANALYTICS"'))
    done = _quotes(catalog, tmp_path / "cache", index)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith("1 at line, 0 moved, 0 missing, 0 no file, 0 not fetched\n")


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_latest_shows_a_quote_the_newest_release_no_longer_has(tmp_path: Path, index: str) -> None:
    catalog = _catalog(tmp_path, ("npm:tlquote-js@1.0.0", "dist/telemetry.js#L2",
                                  "if (process.env.TLQUOTE_DISABLE === '1') return;"))
    pinned = _quotes(catalog, tmp_path / "cache", index)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert pinned.stdout.endswith("1 at line, 0 moved, 0 missing, 0 no file, 0 not fetched\n")

    latest = _quotes(catalog, tmp_path / "cache", index, "--latest")
    assert latest.returncode == 1, latest.stdout + latest.stderr
    assert "missing      tlquote: npm:tlquote-js 2.0.0 dist/telemetry.js#L2" in latest.stdout.splitlines()
    assert "against the newest releases" in latest.stdout


def test_a_package_that_cannot_be_downloaded_is_named_not_hidden(tmp_path: Path, index: str) -> None:
    catalog = _catalog(tmp_path, ("pypi:tlquote==9.9", "tlquote/telemetry.py#L7", "TLQUOTE_TELEMETRY"))
    done = _quotes(catalog, tmp_path / "cache", index)
    assert done.returncode == 2, done.stdout + done.stderr  # not a success: nothing was checked
    (line, summary) = done.stdout.splitlines()
    assert line.startswith("not fetched  tlquote: pypi:tlquote 9.9 tlquote/telemetry.py#L7 — could not download")
    # one readable line: pip's error, not the list of every version it ignored before it
    assert line.endswith("ERROR: No matching distribution found for tlquote==9.9"), line
    assert "Ignored the following versions" not in line and len(line) < 400
    assert summary.endswith("0 at line, 0 moved, 0 missing, 0 no file, 1 not fetched")

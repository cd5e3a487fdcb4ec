"""Catalog updates against a real HTTP server on 127.0.0.1: only a good, newer, signed catalog is ever installed."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
import pytest

from tracklight.commands.updates import update_catalog
from tracklight.core.catalog import catalog_folders, load_index, updated_catalog_path
from tracklight.core.model import Os
from tracklight.core.update_archive import installed_version
from tracklight.errors import UpdateError
from tracklight.net.archive import build_archive, generate_key
from tracklight.net.updates import UpdateSource
from tracklight.resources import catalog_dir

ENTRIES = ("go", "nextjs", "dotnet")


def entries(changes: dict[str, bytes] | None = None) -> dict[str, bytes]:
    files = {f"{name}.toml": (catalog_dir() / f"{name}.toml").read_bytes() for name in ENTRIES}
    files.update(changes or {})
    return files


@pytest.fixture
def key() -> tuple[bytes, str]:
    return generate_key()


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=httpx.Timeout(2.0), follow_redirects=False) as c:
        yield c


def env() -> dict[str, str]:
    return dict(os.environ)


def target() -> Path:
    return Path(updated_catalog_path(Os.LINUX, env()))


def test_a_good_signed_catalog_installs_and_the_index_reads_it(http_server, key, client):
    pem, public = key
    renamed = entries()["go.toml"].replace(b'name = "Go', b'name = "Go (updated catalog)', 1)
    url = http_server.route("/catalog.tar.gz", body=build_archive(entries({"go.toml": renamed}), 5, pem))

    result = update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())

    assert result.status == "installed" and result.version == 5
    assert installed_version(target()) == 5
    assert sorted(p.name for p in target().iterdir()) == ["VERSION", "dotnet.toml", "go.toml", "nextjs.toml"]
    assert Path(catalog_folders(Os.LINUX, env())[0]) == target()
    index = load_index(Os.LINUX, env())
    assert index.tools["go"].tool.name.startswith("Go (updated catalog)")
    assert "vscode" in index.tools  # the built-in catalog is still the fallback for everything else


def install(http_server, client, key, version: int, path: str = "/c.tar.gz") -> None:
    pem, public = key
    url = http_server.route(path, body=build_archive(entries(), version, pem))
    update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())


def snapshot() -> dict[str, bytes]:
    folder = target()
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_tampered_archive_is_rejected_and_nothing_is_replaced(http_server, key, client):
    install(http_server, client, key, 2)
    before = snapshot()
    pem, public = key
    good = build_archive(entries(), 3, pem)
    # Re-pack the same members with one entry changed and the original signature kept.
    import gzip
    import io
    import tarfile

    raw = io.BytesIO(gzip.decompress(good))
    out = io.BytesIO()
    with tarfile.open(fileobj=raw) as source, tarfile.open(fileobj=out, mode="w") as tampered:
        for info in source:
            data = source.extractfile(info).read()
            if info.name == "go.toml":
                data = data.replace(b'default = "local"', b'default = "off"')
                info.size = len(data)
            tampered.addfile(info, io.BytesIO(data))
    url = http_server.route("/tampered.tar.gz", body=gzip.compress(out.getvalue()))

    with pytest.raises(UpdateError, match="signature does not match"):
        update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())
    assert snapshot() == before


def test_an_archive_signed_with_another_key_is_rejected(http_server, key, client):
    other_pem, _other_public = generate_key()
    url = http_server.route("/c.tar.gz", body=build_archive(entries(), 4, other_pem))
    with pytest.raises(UpdateError, match="signature does not match the pinned key"):
        update_catalog(client, UpdateSource(url, key[1], "test"), Os.LINUX, env())
    assert not target().exists()


def test_an_older_version_is_refused(http_server, key, client):
    install(http_server, client, key, 7)
    before = snapshot()
    pem, public = key
    url = http_server.route("/old.tar.gz", body=build_archive(entries(), 6, pem))
    with pytest.raises(UpdateError, match="older than the installed 7"):
        update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())
    assert snapshot() == before


def test_an_invalid_entry_rejects_the_whole_update(http_server, key, client):
    pem, public = key
    broken = entries({"zed.toml": b'manifest_version = 1\nid = "zed"\nname = "Zed"\n[telemetry]\ntier = "lots"\n'})
    url = http_server.route("/c.tar.gz", body=build_archive(broken, 2, pem))
    with pytest.raises(UpdateError, match=r"(?s)invalid entries.*zed\.toml:5: 'telemetry.tier' must be one of"):
        update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())
    assert not target().exists()


def test_an_oversized_download_is_cut_off(http_server, key, client):
    url = http_server.route("/big.tar.gz", body=b"\0" * 300_000)
    with pytest.raises(UpdateError, match="more than the 100 KiB allowed"):
        update_catalog(client, UpdateSource(url, key[1], "test"), Os.LINUX, env(), max_bytes=100 << 10)
    assert not target().exists()


def test_a_stalled_server_times_out(http_server, key, client):
    pem, public = key
    url = http_server.route("/stalled.tar.gz", body=build_archive(entries(), 2, pem), delay_before_body=4.0)
    with pytest.raises(UpdateError, match="timed out"):
        update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())
    assert not target().exists()


def test_a_dripping_server_hits_the_overall_deadline(http_server, key, client):
    pem, public = key
    url = http_server.route("/drip.tar.gz", body=build_archive(entries(), 2, pem), drip=0.05)
    with pytest.raises(UpdateError, match="too slow"):
        update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env(), deadline=1.0)
    assert not target().exists()


def test_a_truncated_download_is_rejected(http_server, key, client):
    pem, public = key
    body = build_archive(entries(), 2, pem)
    url = http_server.route("/cut.tar.gz", body=body[: len(body) // 2], declared_length=len(body))
    with pytest.raises(UpdateError, match="broke off|cut short"):
        update_catalog(client, UpdateSource(url, public, "test"), Os.LINUX, env())
    assert not target().exists()


def test_not_modified_uses_the_etag_and_keeps_the_catalog(http_server, key, client):
    pem, public = key
    url = http_server.route("/c.tar.gz", body=build_archive(entries(), 3, pem), etag='"v3"')
    assert update_catalog(client, UpdateSource(url, public, "t"), Os.LINUX, env()).status == "installed"
    before = snapshot()

    result = update_catalog(client, UpdateSource(url, public, "t"), Os.LINUX, env())

    assert result.status == "not-modified"
    assert http_server.state.requests[-1][1].get("If-None-Match") == '"v3"'
    assert snapshot() == before


def test_plain_http_is_refused_except_on_loopback(key, client):
    with pytest.raises(UpdateError, match="https:// only"):
        update_catalog(client, UpdateSource("http://catalog.example.org/c.tar.gz", key[1], "t"), Os.LINUX, env())


def test_a_redirect_to_plain_http_elsewhere_is_refused(http_server, key, client):
    url = http_server.route("/moved", status=302, headers={"Location": "http://catalog.example.org/c.tar.gz"})
    with pytest.raises(UpdateError, match="https:// only"):
        update_catalog(client, UpdateSource(url, key[1], "t"), Os.LINUX, env())


def test_a_key_that_is_not_ed25519_is_refused(http_server, key, client):
    url = http_server.route("/c.tar.gz", body=build_archive(entries(), 2, key[0]))
    with pytest.raises(UpdateError, match="not a base64 ed25519 key"):
        update_catalog(client, UpdateSource(url, base64.b64encode(b"short").decode(), "t"), Os.LINUX, env())


@pytest.mark.parametrize("url", ["https://[bad/c.tar.gz", "https://a..b/c.tar.gz", "https://xn--/c.tar.gz"])
def test_a_malformed_address_is_refused_with_a_message(url, key, client):
    # Each fails before any name lookup: urlsplit, or the IDNA encoding of the host name.
    with pytest.raises(UpdateError, match="nothing was"):
        update_catalog(client, UpdateSource(url, key[1], "t"), Os.LINUX, env())


def test_a_data_folder_that_is_a_file_is_an_update_error(http_server, key, client):
    pem, public = key
    url = http_server.route("/c.tar.gz", body=build_archive(entries(), 2, pem))
    target().parent.parent.mkdir(parents=True, exist_ok=True)
    target().parent.write_text("not a folder")
    with pytest.raises(UpdateError, match="cannot install the catalog update"):
        update_catalog(client, UpdateSource(url, public, "t"), Os.LINUX, env())
    assert target().parent.read_text() == "not a folder"

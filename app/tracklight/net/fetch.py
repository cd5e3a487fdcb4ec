"""One bounded HTTP GET through an httpx.Client passed in (the one network seam; tests pass a real client).

Bounds: HTTPS only (plain HTTP to a loopback address only), at most MAX_REDIRECTS hops each checked the same way, a
per-read timeout from the client and an overall deadline (a server that drips one byte a second is cut off), a size
cap checked against Content-Length and again while reading, and ETag/If-None-Match so an unchanged file costs one
round trip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tracklight import __version__
from tracklight.core.policy import is_allowed_update_url
from tracklight.errors import UpdateError

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 8 << 20
DEFAULT_DEADLINE = 120.0
DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class Fetched:
    """A download: its bytes and ETag; `not_modified` when the server said 304 to our If-None-Match."""

    url: str
    body: bytes = b""
    etag: str | None = None
    not_modified: bool = False


def make_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """The client the CLI and the tray use: timeouts on every phase, no automatic redirects (fetch checks each)."""
    import httpx

    return httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                        headers={"User-Agent": f"tracklight/{__version__}"})


def _check_url(url: str) -> None:
    urlsplit(url)  # ValueError for a malformed address: fetch says so rather than "https:// only"
    if not is_allowed_update_url(url):
        raise UpdateError(f"refusing {url}: updates are fetched over https:// only (http:// only from this "
                          "machine's loopback address)")


def fetch(client: httpx.Client, url: str, *, etag: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
          deadline: float = DEFAULT_DEADLINE) -> Fetched:
    """GET url within the bounds above; UpdateError (nothing kept) for anything else."""
    import httpx

    started = time.monotonic()
    headers = {"If-None-Match": etag} if etag else {}
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_url(current)
            with client.stream("GET", current, headers=headers, follow_redirects=False) as response:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise UpdateError(f"{current} redirects without saying where")
                    current = str(response.url.join(location))
                    continue
                if response.status_code == 304:
                    return Fetched(current, etag=etag, not_modified=True)
                if response.status_code != 200:
                    raise UpdateError(f"{current} answered {response.status_code} {response.reason_phrase}; "
                                      "nothing was replaced")
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) > max_bytes:
                    raise UpdateError(f"{current} is {int(length)} bytes, more than the {max_bytes >> 10} KiB "
                                      "allowed; nothing was downloaded")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise UpdateError(f"{current} sent more than the {max_bytes >> 10} KiB allowed; "
                                          "nothing was replaced")
                    if time.monotonic() - started > deadline:
                        raise UpdateError(f"{current} is too slow (more than {deadline:g} s); nothing was replaced")
                if length is not None and length.isdigit() and len(body) != int(length):
                    raise UpdateError(f"{current} was cut short ({len(body)} of {length} bytes); "
                                      "nothing was replaced")
                return Fetched(current, bytes(body), response.headers.get("ETag"))
        raise UpdateError(f"{url} redirects more than {MAX_REDIRECTS} times")
    except httpx.TimeoutException:
        raise UpdateError(f"{current} timed out; nothing was replaced") from None
    except httpx.RemoteProtocolError as exc:
        raise UpdateError(f"{current} broke off the download ({exc}); nothing was replaced") from None
    except httpx.HTTPError as exc:
        raise UpdateError(f"cannot download {current}: {exc}; nothing was replaced") from None
    except ValueError as exc:
        # A malformed address ("https://[x") or a host name that can't be encoded (IDNA, "a..b"): no lookup made.
        raise UpdateError(f"{current} is not a valid address ({exc}); nothing was downloaded") from None

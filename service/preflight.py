"""Start-up checks that turn a setting the service cannot use into one line.

``python -m service`` runs them before uvicorn starts. Without them a folder
that cannot be created or written, a data folder another server holds, a
port in use or a host that does not resolve surface as a page of traceback
from the lifespan or from uvicorn's bind, or, for the output folder, only
when the first job ends. ``/health`` asks :func:`folder_problems` again on
every call, so a folder that stops being writable later makes it not ready.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
from pathlib import Path

from service.settings import Settings
from service.store.owner import DataDirInUse, claim_data_dir


class StartupError(RuntimeError):
    """The service cannot start as configured; the message names the variable."""


def _variable(field: str) -> str:
    return Settings.variable(field)


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def _creatable(field: str, path: Path) -> str | None:
    """Why ``path`` cannot be used as a writable folder, read-only: None when it can."""
    name = _variable(field)
    if path.exists():
        if not path.is_dir():
            return f"{name}: {path} exists and is not a folder"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"{name}: {path} is not writable"
        return None
    ancestor = _existing_ancestor(path.absolute())
    if not ancestor.is_dir():
        return f"{name}: {path} cannot be created: {ancestor} is not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{name}: {path} cannot be created: {ancestor} is not writable"
    return None


def folder_problems(settings: Settings) -> list[str]:
    """What stops the folders the service writes from being written, one line each.

    Cheap (a few ``stat`` and ``access`` calls): ``/health`` runs it each time.
    """
    fields = {
        "data_dir": settings.data_dir,
        "output_dir": settings.output_dir,
        "feedback_dir": settings.feedback_dir,
    }
    return [p for field, path in fields.items() if (p := _creatable(field, path)) is not None]


def _write_probe(field: str, path: Path) -> None:
    """Create ``path`` and write a file in it: ``access`` does not see read-only mounts for
    every user, and root passes every permission check."""
    name = _variable(field)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".refiner-probe-"):
            pass
    except FileExistsError:
        raise StartupError(f"{name}: {path} exists and is not a folder") from None
    except OSError as exc:
        raise StartupError(f"{name}: cannot write in {path}: {exc.strerror}") from None


def check_folders(settings: Settings) -> list[str]:
    """Raise :class:`StartupError` for a folder the service cannot write; return warnings."""
    if problems := folder_problems(settings):
        raise StartupError(problems[0])
    _write_probe("data_dir", settings.data_dir)
    _write_probe("output_dir", settings.output_dir)
    try:
        with claim_data_dir(settings.data_dir):
            pass
    except DataDirInUse as exc:
        raise StartupError(f"{_variable('data_dir')}: {exc}") from None
    warnings = []
    if not settings.templates_dir.is_dir():
        warnings.append(
            f"{_variable('templates_dir')}: {settings.templates_dir} is not a folder; "
            "no .docx style templates are offered"
        )
    return warnings


def check_listen_address(host: str, port: int) -> None:
    """Raise :class:`StartupError` if ``host`` does not resolve or ``port`` is taken there."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(
            f"{_variable('host')}: {host!r} does not resolve ({exc.strerror})"
        ) from None
    except UnicodeError:  # an empty or over-long label, refused before any lookup
        raise StartupError(f"{_variable('host')}: {host!r} is not a valid host name") from None
    if port == 0:
        return
    family, kind, protocol, _, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"{_variable('port')}: port {port} on {host} is already in use; "
                    "stop the other server or choose another port"
                ) from None
            raise StartupError(
                f"{_variable('host')}/{_variable('port')}: cannot listen on {host}:{port}: "
                f"{exc.strerror}"
            ) from None

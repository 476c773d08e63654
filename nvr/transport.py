"""How a report file reaches the national vaccination register: a replaceable transport.

`MITTVACCIN_NVR_TRANSPORT` names a class with `deliver(report)` that raises on failure. The default
writes the file into the drop folder (`MITTVACCIN_NVR_DIR`) that the region's SFTP transfer picks up:
written under a temporary name, flushed to disk and renamed, so the transfer never sees half a file,
and a report delivered again replaces its own file with the same bytes (never a second file).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class DropFolderTransport:
    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or settings.NVR_DIR)

    def deliver(self, report) -> str:
        if not self.folder.is_dir():
            raise DeliveryError(f"Mappen {self.folder} finns inte.")
        target = self.folder / report.file_name
        temporary = self.folder / f".{report.file_name}.part"
        try:
            with open(temporary, "w", encoding="utf-8", newline="") as handle:
                handle.write(report.content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise DeliveryError(
                f"Filen kunde inte skrivas till {self.folder}: {error.strerror or error}"
            ) from error
        return str(target)


class RecordingTransport:
    """For tests: keeps what it was handed, or fails with `fail_with` when that is set."""

    delivered: list[dict] = []
    fail_with: str | None = None

    def deliver(self, report) -> str:
        if RecordingTransport.fail_with:
            raise DeliveryError(RecordingTransport.fail_with)
        RecordingTransport.delivered.append(
            {"file_name": report.file_name, "content": report.content, "checksum": report.checksum}
        )
        return report.file_name


def get_transport():
    return import_string(settings.NVR_TRANSPORT)()

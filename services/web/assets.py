"""Front-end files, pinned by package-lock.json and served from our own origin.

USWDS's stylesheet is served without its @font-face rules: the pages use the
fallback fonts the stylesheet already names (Helvetica, Roboto, Arial), so a
phone downloads no font. Text files are compressed once at start-up; every URL
carries the package's version, so browsers may keep them for a year.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, request

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
OWN = Path(__file__).parent / "static"
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
TEXT = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    mimetype: str


def _version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


class Assets:
    """Each served file by its URL path; an unknown path is 404, never a directory walk."""

    def __init__(self):
        missing = [p for p in ("@uswds/uswds", "htmx.org") if not (NODE_MODULES / p / "package.json").exists()]
        if missing:
            raise RuntimeError(f"front-end packages missing ({', '.join(missing)}): run `npm ci` (make run does)")
        self.uswds = f"uswds-{_version('@uswds/uswds')}"
        self.htmx = f"htmx-{_version('htmx.org')}"
        self.files: dict[str, Asset] = {}
        dist = NODE_MODULES / "@uswds" / "uswds" / "dist"
        css = FONT_FACE.sub("", (dist / "css" / "uswds.min.css").read_text())
        self._add(f"{self.uswds}/css/uswds.min.css", css.encode(), "text/css")
        for image in (dist / "img").rglob("*"):
            if image.is_file() and image.suffix in (".svg", ".png"):
                self._add(f"{self.uswds}/img/{image.relative_to(dist / 'img').as_posix()}", image.read_bytes())
        self._add(f"{self.htmx}/htmx.min.js", (NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js").read_bytes(),
                  "text/javascript")
        own = "own-" + _digest(OWN)
        self.own = own
        for path in OWN.rglob("*"):
            if path.is_file():
                self._add(f"{own}/{path.relative_to(OWN).as_posix()}", path.read_bytes())

    def _add(self, path: str, body: bytes, mimetype: str | None = None) -> None:
        mimetype = mimetype or mimetypes.guess_type(path)[0] or "application/octet-stream"
        self.files[path] = Asset(body, gzip.compress(body, 9, mtime=0) if mimetype in TEXT else None, mimetype)

    def url(self, name: str) -> str:
        return {"uswds.css": f"/assets/{self.uswds}/css/uswds.min.css",
                "htmx.js": f"/assets/{self.htmx}/htmx.min.js"}.get(name) or f"/assets/{self.own}/{name}"

    def blueprint(self) -> Blueprint:
        blueprint = Blueprint("assets", __name__)

        @blueprint.get("/assets/<path:path>")
        def serve(path: str):
            asset = self.files.get(path) or abort(404)
            compressed = asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", "")
            response = Response(asset.gzipped if compressed else asset.body, mimetype=asset.mimetype)
            if compressed:
                response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response

        return blueprint


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]

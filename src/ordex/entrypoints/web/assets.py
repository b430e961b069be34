"""The pages' own static files and the front-end packages (htmx, ECharts) `make` installs.

The packages come from the npm registry through package.json and package-lock.json; `make`
runs `npm ci` and copies their built files into `static/vendor/` (never committed, never a
CDN). They are served by one guarded route like every other page resource: a request needs a
session or a token (`ROUTES` in api/auth.py), and a name outside the folder is a 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
         ".png": "image/png", ".map": "application/json"}
CACHE = "private, max-age=86400"

router = APIRouter(include_in_schema=False)


@router.get("/static/{name:path}")
def static_file(name: str) -> FileResponse:
    """One file under static/, by its relative name."""
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file() \
            or path.suffix not in TYPES:
        raise HTTPException(404, f"no static file {name}")
    return FileResponse(path, media_type=TYPES[path.suffix], headers={"Cache-Control": CACHE})

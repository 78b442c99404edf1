"""`allocbot web`: a placeholder page with the outcome counts until the review UI (issue 4)."""
from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.bootstrap import App
from bot.ledger import store


def create_app(app: App) -> FastAPI:
    web = FastAPI(title="allocbot")

    @web.get("/", response_class=HTMLResponse)
    def home() -> str:
        with Session(app.engine) as session:
            counts = store.status_counts(session)
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in sorted(counts.items()))
        return f"<!doctype html><title>allocbot</title><h1>allocbot</h1><p>The review queue arrives with issue 4.</p><table>{rows}</table>"

    @web.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return web

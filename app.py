"""The app: `python app.py [--host H] [--port P] [--llm local|none|URL] [--insecure-no-auth]`.

One process, one port, one Assistant shared by every front end, each a thin adapter in web/:

    /v1/chat/completions, /v1/models   OpenAI-compatible API          web/openai_api.py
    /api/ask  (+ /openapi.json)        plain JSON API                 web/rest_api.py
    /  and Gradio's /ask               the chat page and its API      web/ui.py

They share web/gate.py (the evidence at once; the model's explanation through a bounded queue with a start
deadline) and web/security.py (API key, per-client rate limit, body size limit); errors are OpenAI's error
object (web/errors.py). Served by uvicorn.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import socket
import sys

# isort: off
import config  # before gradio: pins GRADIO_ANALYTICS_ENABLED=False and the offline switches
import gradio as gr
# isort: on
import uvicorn
from fastapi import FastAPI

from assistant.pipeline import Assistant
from web import errors, openai_api, rest_api, security, ui
from web.gate import ModelGate

log = logging.getLogger("gdpa.app")

MAX_BODY_BYTES = 1 << 20  # 1 MiB: a question is at most GDPA_MAX_QUESTION_CHARS, history is capped
LOGIN_MESSAGE = "請登入:任意用戶名,密碼為 API 金鑰。/ Log in with any user name; the password is the API key."


def create_app(assistant: Assistant, cfg: config.Config, gate: ModelGate | None = None) -> FastAPI:
    """The FastAPI app with every front end mounted; `gate` defaults to one built from cfg."""
    if gate is None:
        gate = ModelGate(cfg.model_queue, cfg.model_queue_timeout_s, nice=cfg.model_nice)
    api = FastAPI(title="數字廣東建設2024年工作要點 · policy assistant", version="1.0",
                  summary="Cited answers about one notice: an OpenAI-compatible API and a plain JSON API.",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")  # no docs page: it loads a CDN
    errors.install(api)
    require_key = security.bearer_dependency(cfg.api_key)
    api.include_router(openai_api.router(assistant, gate, require_key))
    api.include_router(rest_api.router(assistant, gate, require_key))

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    api.add_middleware(security.GuardMiddleware, max_bytes=MAX_BODY_BYTES,
                       limiter=security.RateLimiter(cfg.rate_limit, cfg.rate_limit_clients))
    demo = ui.build_app(assistant, cfg, gate)
    auth = security.ui_login(cfg.api_key) if cfg.api_key else None
    return gr.mount_gradio_app(api, demo, path="/", server_name=cfg.host, server_port=cfg.port, auth=auth,
                               auth_message=LOGIN_MESSAGE if auth else None, **ui.mount_kwargs())


# -- command line -----------------------------------------------------------------------------

def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python app.py", description="Chat with the Digital Guangdong 2024 notice.",
                                epilog="The API key is read from GDPA_API_KEY only (a flag would show it in ps).")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1 or GDPA_HOST); non-loopback needs this flag")
    p.add_argument("--port", type=int, help="port (default 7860 or GDPA_PORT)")
    p.add_argument("--llm", help="local | none | http(s)://host:port/v1 (an OpenAI-compatible server)")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="allow a non-loopback --host without GDPA_API_KEY: anyone who reaches it can use it")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the pipeline decides, and every request")
    return p


def exposure_problem(cfg: config.Config, host_flag: bool, insecure_no_auth: bool) -> str:
    """'' when the app may listen on cfg.host; otherwise why not (one line for the user)."""
    if _is_loopback(cfg.host):
        return ""
    if not host_flag:
        return (f"GDPA_HOST={cfg.host} is not a loopback address; pass --host {cfg.host} to listen on the "
                "network on purpose")
    if not cfg.api_key and not insecure_no_auth:
        return (f"refusing to listen on {cfg.host} without an API key: set GDPA_API_KEY (API clients send it as "
                "'Authorization: Bearer <key>', the chat page asks for it as the password), or pass "
                "--insecure-no-auth to expose the assistant to that network without access control")
    return ""


def _settings_problem(cfg: config.Config) -> str:
    if cfg.rate_limit < 0 or cfg.rate_limit_clients < 1:
        return "GDPA_RATE_LIMIT must be >= 0 (0 = off) and GDPA_RATE_LIMIT_CLIENTS >= 1"
    if cfg.model_queue < 0 or cfg.model_queue_timeout_s < 0 or not 0 <= cfg.model_nice <= 19:
        return "GDPA_MODEL_QUEUE and GDPA_MODEL_QUEUE_TIMEOUT must be >= 0, GDPA_MODEL_NICE within 0..19"
    return ""


def _bind(host: str, port: int) -> socket.socket:
    """A bound socket for uvicorn, so that an address in use is reported before anything is served."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


class _Server(uvicorn.Server):
    """uvicorn, which on Ctrl-C or SIGTERM first tells the mounted Gradio app to end its long-lived streams
    (heartbeats, queue updates); otherwise the graceful shutdown would wait for them until its timeout."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: object) -> None:
        for route in self._app.routes:  # the Mount of the Gradio app (its own FastAPI app)
            mounted = getattr(route, "app", None)
            if isinstance(getattr(mounted, "stop_event", None), asyncio.Event):
                mounted.get_blocks()._queue.close()  # queue streams end with "server stopped"
                mounted.stop_event.set()  # heartbeats end
        super().handle_exit(sig, frame)


def warm_up(assistant: Assistant) -> None:
    """One retrieval before the first user: the tokenizer dictionary and the embedder load lazily (~3 s)."""
    try:
        assistant.retriever.search("粵港澳大灣區數字政府")
    except Exception:
        log.warning("warm-up retrieval failed", exc_info=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    try:
        cfg = config.load(host=args.host, port=args.port, llm=args.llm)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    problem = exposure_problem(cfg, args.host is not None, args.insecure_no_auth) or _settings_problem(cfg)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if not _is_loopback(cfg.host) and not cfg.api_key:
        print(f"warning: listening on {cfg.host}:{cfg.port}: anyone who can reach this machine can use the "
              "assistant (no login, --insecure-no-auth)", file=sys.stderr)
    try:
        sock = _bind(cfg.host, cfg.port)
    except OSError as e:
        print(f"error: could not listen on {cfg.host}:{cfg.port}: {e}", file=sys.stderr)
        return 2
    try:
        assistant = Assistant.create(cfg, warm=True)
    except Exception as e:  # start-up failures get one clear line, not a trace
        sock.close()
        print(f"error: could not start the assistant: {e}", file=sys.stderr)
        return 2
    if assistant.llm_error:
        print(f"(model unavailable: {assistant.llm_error}; answers are extractive)", file=sys.stderr)
    warm_up(assistant)
    app = create_app(assistant, cfg)
    server = _Server(uvicorn.Config(app, log_level="info" if args.verbose else "warning", access_log=args.verbose,
                                    timeout_graceful_shutdown=10), app)
    shown = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
    access = "API key required" if cfg.api_key else "no API key"
    print(f"Running on http://{shown}:{cfg.port}/ ({access}; Ctrl-C to stop)", flush=True)
    server.run(sockets=[sock])  # until Ctrl-C or SIGTERM
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Exposure: what the running app shows to the network and to the people using it.

- it listens on 127.0.0.1 only, on one port, unless `--host` says otherwise; without GDPA_API_KEY that also
  needs --insecure-no-auth (and then it warns); GDPA_HOST alone is refused
  (tests/test_app_api.py::test_non_loopback_host_needs_the_flag, tests/test_web_api.py for the key);
- no share link, no telemetry: the app runs under a Python audit hook that records every socket
  connection and name lookup that is not loopback (none allowed), and it starts and answers inside a
  network namespace that has nothing but loopback (`unshare --net`);
- the page, /config, the API descriptions and the APIs' error bodies carry no paths, stack traces or configuration, and the
  file route serves none of the project's files;
- hostile questions are shown escaped (answers and sources: tests/test_app_api.py::
  test_answer_text_is_escaped_and_sources_are_complete and the browser test).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

import config
from corpus import load
from scripts.appproc import app_env
from tests.apphelpers import free_port
from tests.test_hostile_input import ROWS, materialise
from web import ui

ROOT = config.ROOT

# Runs app.py under an audit hook: every non-loopback connect/sendto and every lookup of a name other than
# localhost is appended to $GDPA_NET_AUDIT (one JSON line each).
AUDIT_WRAPPER = r'''
import ipaddress, json, os, runpy, sys
LOG = os.environ["GDPA_NET_AUDIT"]
LOCAL_NAMES = {None, "", "localhost", "0.0.0.0", "::"}

def _local_host(host):
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False

def _record(event, detail):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps({"event": event, "detail": repr(detail)}) + "\n")

def hook(event, args):
    if event in ("socket.connect", "socket.sendto"):
        address = args[-1]
        if isinstance(address, tuple) and address and not _local_host(address[0]):
            _record(event, address)
    elif event == "socket.getaddrinfo":
        if not _local_host(args[0]):
            _record(event, args[0])

sys.addaudithook(hook)
target = os.environ.get("GDPA_AUDIT_TARGET", "app.py")
sys.argv = [target, *sys.argv[1:]]
sys.path.insert(0, os.getcwd())
runpy.run_path(target, run_name="__main__")
'''


class AuditedApp:
    """`python app.py …` under the audit hook, on a free port, in its own process group."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.audit = workdir / "net-audit.jsonl"
        self.log_path = workdir / f"app-{self.port}.log"
        wrapper = workdir / "audited_app.py"
        wrapper.write_text(AUDIT_WRAPPER, encoding="utf-8")
        env = app_env(GDPA_NET_AUDIT=str(self.audit), GDPA_FEEDBACK=str(workdir / "feedback.jsonl"))
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, str(wrapper), "--port", str(self.port), "--llm", "none", *args],
                                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def wait(self, timeout: float = 180) -> AuditedApp:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "gradio_api/info", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app not ready in {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with _suppress_lookup():
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:] if self.log_path.exists() else ""

    def outbound(self) -> list[dict]:
        if not self.audit.exists():
            return []
        return [json.loads(line) for line in self.audit.read_text(encoding="utf-8").splitlines() if line.strip()]


class _suppress_lookup:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, *rest) -> bool:
        return kind is ProcessLookupError


def _listening(pid: int) -> list[str]:
    """Local addresses (host:port) the process listens on, from `ss -ltnp`."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, timeout=30, check=True).stdout
    return [line.split()[3] for line in out.splitlines() if f"pid={pid}," in line]


def _host_of(address: str) -> str:
    return address.rsplit(":", 1)[0].strip("[]")


def _other_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback."""
    if not shutil.which("ip"):
        return []
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, timeout=30).stdout
    found = re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", out)
    return [a for a in found if not ipaddress.ip_address(a).is_loopback]


def _connects(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> AuditedApp:
    srv = AuditedApp(tmp_path_factory.mktemp("exposure")).wait()
    yield srv
    srv.stop()


# -- where it listens ---------------------------------------------------------------------------------

@pytest.mark.skipif(not shutil.which("ss"), reason="ss (iproute2) is not installed")
def test_listens_on_loopback_only_by_default(audited):
    addresses = _listening(audited.proc.pid)
    assert addresses, "ss shows no listening socket for the app"
    assert {a.rsplit(":", 1)[1] for a in addresses} == {str(audited.port)}, addresses  # one port, no extra servers
    assert all(ipaddress.ip_address(_host_of(a)).is_loopback for a in addresses), addresses
    others = _other_addresses()
    if not others:
        pytest.skip("no non-loopback address on this machine to try")
    for host in others:
        assert not _connects(host, audited.port), f"reachable on {host}:{audited.port}"


@pytest.mark.skipif(not shutil.which("ss"), reason="ss (iproute2) is not installed")
def test_wider_bind_without_a_key_needs_both_flags_and_warns(tmp_path):
    others = _other_addresses()
    srv = AuditedApp(tmp_path, "--host", "0.0.0.0", "--insecure-no-auth")
    try:
        srv.wait()
        addresses = _listening(srv.proc.pid)
        assert any(_host_of(a) in {"0.0.0.0", "*", "::"} for a in addresses), addresses
        for host in others:
            with urllib.request.urlopen(f"http://{host}:{srv.port}/gradio_api/info", timeout=10) as r:
                assert r.status == 200
        assert "warning: listening on 0.0.0.0" in srv.log() and "no login" in srv.log()
    finally:
        srv.stop()
    assert not srv.outbound()


def test_no_share_link(audited):
    assert config.load().host == "127.0.0.1"
    text = audited.log()
    assert "gradio.live" not in text and "share=True" not in text and "public URL" not in text.lower()


# -- no telemetry ---------------------------------------------------------------------------------------

def test_the_audit_hook_sees_lookups_and_connections(tmp_path):
    """The check below is only as good as the hook: it must record what a telemetry client would do."""
    wrapper, target, audit = tmp_path / "audited.py", tmp_path / "phone_home.py", tmp_path / "audit.jsonl"
    wrapper.write_text(AUDIT_WRAPPER, encoding="utf-8")
    target.write_text("import socket, urllib.request\n"
                      "for f in (lambda: socket.getaddrinfo('telemetry.example.invalid', 443),\n"
                      "          lambda: socket.create_connection(('192.0.2.123', 9), timeout=0.5),\n"
                      "          lambda: urllib.request.urlopen('http://198.51.100.7/collect', timeout=0.5),\n"
                      "          lambda: socket.create_connection(('127.0.0.1', 9), timeout=0.5)):\n"
                      "    try:\n        f()\n    except OSError:\n        pass\n", encoding="utf-8")
    env = {**os.environ, "GDPA_NET_AUDIT": str(audit), "GDPA_AUDIT_TARGET": str(target)}
    subprocess.run([sys.executable, str(wrapper)], cwd=tmp_path, env=env, check=True, timeout=60)
    seen = audit.read_text(encoding="utf-8")
    assert "telemetry.example.invalid" in seen and "192.0.2.123" in seen and "198.51.100.7" in seen
    assert "127.0.0.1" not in seen


def test_no_outbound_connection_while_starting_and_answering(audited):
    from gradio_client import Client

    client = Client(audited.url, verbose=False)
    assert [c["item"] for c in client.predict("第七項由哪些單位牽頭？", api_name="/ask")["citations"]] == [7]
    assert client.predict("港澳居民居住證在大灣區有什麼便利？", api_name="/ask")["citations"]
    r = httpx.post(audited.url + "v1/chat/completions", timeout=60,
                   json={"messages": [{"role": "user", "content": "港澳居民居住證在大灣區有什麼便利？"}]})
    assert r.json()["citations"]
    for path in ("", "config", "gradio_api/info", "openapi.json", "v1/models"):
        httpx.get(audited.url + path, timeout=30).raise_for_status()
    time.sleep(1)  # anything sent in the background after a request
    assert audited.outbound() == [], audited.outbound()


NETNS_DRIVER = r'''
import json, os, subprocess, sys, time, urllib.request
port, wrapper, log, root = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
proc = subprocess.Popen([sys.executable, wrapper, "--port", str(port), "--llm", "none"], cwd=root,
                        stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
result = {"links": [line.split(":")[1].strip() for line in links.splitlines()]}
try:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/info", timeout=5)
            break
        except OSError:
            time.sleep(0.5)
    from gradio_client import Client
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    result["lead"] = client.predict("第七項由哪些單位牽頭？", api_name="/ask")
    result["general"] = client.predict("港澳居民居住證在大灣區有什麼便利？", api_name="/ask")
finally:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
print(json.dumps(result, ensure_ascii=False))
'''


def _can_unshare() -> str:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip (util-linux / iproute2) is not installed"
    probe = subprocess.run(["unshare", "--net", "--", "ip", "link", "set", "lo", "up"], capture_output=True,
                           text=True, timeout=30)
    return "" if probe.returncode == 0 else f"cannot create a network namespace here: {probe.stderr.strip()}"


def test_starts_and_answers_with_no_network_at_all(tmp_path):
    reason = _can_unshare()
    if reason:
        pytest.skip(reason + " (needs root or CAP_SYS_ADMIN)")
    wrapper = tmp_path / "audited_app.py"
    wrapper.write_text(AUDIT_WRAPPER, encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(NETNS_DRIVER, encoding="utf-8")
    audit, log = tmp_path / "net-audit.jsonl", tmp_path / "app-netns.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GDPA_")}
    env.update(GDPA_NET_AUDIT=str(audit), GDPA_FEEDBACK=str(tmp_path / "fb.jsonl"), PYTHONPATH=str(ROOT))
    out = subprocess.run(["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                          sys.executable, str(driver), str(free_port()), str(wrapper), str(log), str(ROOT)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    app_log = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    assert out.returncode == 0, out.stderr[-3000:] + app_log[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["links"] == ["lo"], result["links"]  # nothing but loopback in there
    assert [c["item"] for c in result["lead"]["citations"]] == [7]
    assert result["general"]["citations"] and not result["general"]["refused"]
    attempts = [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []
    assert attempts == [], attempts
    assert "Traceback" not in app_log, app_log[-3000:]


# -- what the page and the API description show -------------------------------------------------------------

def _secrets() -> list[str]:
    cfg = config.load()
    out = [str(ROOT), str(Path.home()), str(config.CACHE_HOME), cfg.model_path.name, "GDPA_", "llm_ctx",
           "feedback.jsonl", "Traceback", "site-packages", str(Path(tempfile.gettempdir()) / "gdpa-"), ".gguf",
           config.MODEL_SHA256[:16]]
    return [s for s in out if s and s != "/"]


@pytest.mark.parametrize("path", ["", "config", "gradio_api/info", "gradio_api/openapi.json", "manifest.json",
                                  "gradio_api/startup-events", "gradio_api/nonexistent", "theme.css", "openapi.json",
                                  "healthz", "v1/models", "v1/nonexistent", "api/nonexistent", "docs"])
def test_pages_show_no_paths_traces_or_configuration(audited, path):
    r = httpx.get(audited.url + path, timeout=30)
    leaked = [s for s in _secrets() if s in r.text]
    assert not leaked, (path, r.status_code, leaked)


@pytest.mark.parametrize("target", ["config.py", "app.py", ".index/current/manifest.json", "tests/data/bad_inputs.jsonl"])
def test_file_route_serves_no_project_file(audited, target):
    for url in (f"{audited.url}gradio_api/file={ROOT / target}", f"{audited.url}gradio_api/file={target}",
                f"{audited.url}gradio_api/file=../../{target}", f"{audited.url}file={ROOT / target}"):
        r = httpx.get(url, timeout=30)
        assert r.status_code in {403, 404}, (url, r.status_code)
        assert "import " not in r.text and "fingerprint" not in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("body", [b"{not json", b'{"data": "not a list"}', b'{"data": [{"x": 1}, 5]}',
                                  b'{"data": ["\\ud800", [["\\udfff", 1]]]}', b"[]" * 5000])
def test_malformed_api_requests_show_no_trace(audited, body):
    r = httpx.post(audited.url + "gradio_api/call/ask", content=body, headers={"Content-Type": "application/json"},
                   timeout=30)
    texts = [r.text]
    if r.status_code == 200 and "event_id" in r.text:
        with httpx.stream("GET", f"{audited.url}gradio_api/call/ask/{r.json()['event_id']}", timeout=60) as s:
            texts.append("".join(s.iter_text()))
    leaked = [s for s in _secrets() if any(s in t for t in texts)]
    assert not leaked, (body[:40], leaked, texts)
    assert audited.proc.poll() is None


# -- hostile questions as the chat shows them ------------------------------------------------------------------

NOTICE = load()


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] in {"html", "markdown", "rtl", "control", "injection"}],
                         ids=lambda r: r["id"])
def test_hostile_questions_are_shown_as_text(row):
    shown = ui.question_html(materialise(row))
    assert not re.search(r"<\s*[a-zA-Z/!]", shown), shown  # no tag of any kind survives
    assert not re.search(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(", shown), shown  # no live Markdown image/link syntax
    history = ui.chat_messages(NOTICE, [{"question": materialise(row), "answer": {"answer": materialise(row)}}],
                                "follow")
    assert not any(re.search(r"<\s*(?:script|img|svg|iframe|a|details)\b", m["content"]) for m in history)

"""Just enough of the W3C WebDriver protocol to drive Debian's headless Chromium through
chromedriver, with no client library: start a session, open a page, click, read text."""

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def available():
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self):
        self.port = _free_port()
        self.driver = subprocess.Popen(
            [shutil.which("chromedriver"), f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait_ready()
        self.profile = tempfile.mkdtemp(prefix="cloudlet-chromium-")
        args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-proxy-server",
            f"--user-data-dir={self.profile}",
        ]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": shutil.which("chromium"), "args": args}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/status", timeout=1).read()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("chromedriver did not start")

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["value"] if method != "DELETE" or True else None
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"webdriver {method} {path}: {e.code} {e.read()[:500]!r}")

    def s(self, path):
        return f"/session/{self.session}{path}"

    def get(self, url):
        self._call("POST", self.s("/url"), {"url": url})

    def find(self, css):
        return self._call("POST", self.s("/element"), {"using": "css selector", "value": css})[ELEMENT]

    def click(self, element):
        self._call("POST", self.s(f"/element/{element}/click"), {})

    def text(self, element):
        return self._call("GET", self.s(f"/element/{element}/text"))

    def alert_text(self):
        try:
            return self._call("GET", self.s("/alert/text"))
        except RuntimeError:
            return None

    def script(self, js, *args):
        return self._call("POST", self.s("/execute/sync"), {"script": js, "args": list(args)})

    def screenshot(self, path):
        import base64

        png = self._call("GET", self.s("/screenshot"))
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def close(self):
        try:
            self._call("DELETE", f"/session/{self.session}")
        except Exception:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

"""Look at the docs site and the explorer as a person does: in a real browser (Debian's chromium + chromium-driver, via selenium).

`check_site(folder, shots)` opens every chapter page of a built site (`tools/build_docs.py`) and returns what is wrong: the
first heading is not the chapter's title; front matter, a Quarto `{target=…}` attribute, raw TeX or the source of a
`#| hide` cell is visible; an image does not load; the page asked for anything outside the site. It saves a screenshot
of each page into `shots`.

`check_explorer(root, shots)` starts JupyterLab from `.venv` on a free local port without a token, opens
`nbs/15_explorer.ipynb`, runs it, clicks the live panel's Run twice, and returns what is wrong: the panels or the
rate–distortion plot are not shown as images, or a second Run adds pictures instead of replacing them.

Usage: python tools/browser_check.py [--site _docs] [--explorer] [--shots _screenshots]
"""
from __future__ import annotations
import argparse, contextlib, functools, http.server, json, os, re, shutil, socket, subprocess, sys, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def missing() -> str:
    "Why a browser check cannot run here ('' when it can)."
    if not (shutil.which("chromium") or shutil.which("chromium-browser")): return "no chromium (apt-get install chromium)"
    if not shutil.which("chromedriver"): return "no chromedriver (apt-get install chromium-driver)"
    try: import selenium  # noqa: F401
    except ImportError: return "selenium is not installed"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def chrome(width: int = 1280, height: int = 1400):
    "Headless Chromium that logs every network request."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 f"--window-size={width},{height}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def requested(driver) -> list[str]:
    "URLs the page requested since the last call (from Chromium's performance log)."
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent": urls.append(msg["params"]["request"]["url"])
    return urls


def screenshot(driver, path: Path, max_height: int = 5000):
    "The page from the top, up to `max_height` CSS pixels, as a PNG."
    import base64
    height = min(driver.execute_script("return document.documentElement.scrollHeight"), max_height)
    width = driver.execute_script("return document.documentElement.clientWidth")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                             "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.parent.mkdir(parents=True, exist_ok=True); path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.contextmanager
def serve(folder: Path):
    "The folder on http://127.0.0.1:<free port>/ for the duration of the block."
    handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}),
                                directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try: yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally: server.shutdown(); server.server_close()


def chapters() -> dict:
    "{page name: (title, [first line of each `#| hide` cell's code])} from the notebooks."
    sys.path.insert(0, str(ROOT / "tools"))
    import build_docs, nbformat
    found = {}
    for path in build_docs.notebooks():
        nb = nbformat.read(path, as_version=4)
        hidden = []
        for cell in nb.cells:
            lines = [l for l in cell.source.splitlines() if l.strip()]
            if cell.cell_type == "code" and any(re.match(r"#\|\s*hide\s*$", l) for l in lines):
                code = [l for l in lines if not l.startswith("#|")]
                if code: hidden.append(code[0].strip())
        found[build_docs.page_name(path)] = (build_docs.title_of(nb), hidden)
    return found


VISIBLE_TEXT = """
const main = document.querySelector('main') || document.body;
const clone = main.cloneNode(true);
clone.querySelectorAll('pre, code, math, script, style').forEach(e => e.remove());
document.body.appendChild(clone); clone.style.position = 'absolute'; clone.style.left = '-99999px';
const prose = clone.innerText; clone.remove();
const heading = main.querySelector('h1, h2, h3, h4, h5, h6');
const images = [...document.images].map(i => [i.currentSrc || i.src, i.complete && i.naturalWidth > 0,
    Number(i.getAttribute('width')) || i.naturalWidth, i.clientWidth]);   // the width it is meant to show at (2x PNGs say so), and does
return {all: main.innerText, prose: prose, heading: heading ? heading.textContent.replace('¶', '').trim() : null, images: images,
        maths: document.querySelectorAll('math').length};
"""


def check_page(driver, url: str, title: str, hidden: list[str], shot: Path | None) -> tuple[list[str], dict]:
    "Problems on one page, and what was measured there."
    requested(driver)                                    # forget the previous page's requests
    driver.get(url)
    for _ in range(100):
        if driver.execute_script("return document.readyState") == "complete": break
        time.sleep(0.05)
    seen = driver.execute_script(VISIBLE_TEXT)
    name, problems = url.rsplit("/", 1)[-1], []
    if seen["heading"] != title: problems.append(f"{name}: first heading is {seen['heading']!r}, not the chapter's title {title!r}")
    text, prose = seen["all"], seen["prose"]
    if re.search(r"^---\s*$|output-file:|^description:", prose, re.M): problems.append(f"{name}: front matter is visible")
    if "{target=" in prose: problems.append(f"{name}: a Quarto attribute {{target=…}} is visible")
    raw = re.findall(r"\$\$|(?<![\w$])\$[^$\s][^$\n]*?\$(?!\w)", prose)
    if raw: problems.append(f"{name}: raw TeX is visible: {raw[:3]}")
    for line in hidden:
        if line in text: problems.append(f"{name}: the hidden cell {line!r} is visible")
    for src, ok, _, _ in seen["images"]:
        if not ok: problems.append(f"{name}: image does not load: {src[:80]}")
    origin = url.rsplit("/", 1)[0] + "/"
    outside = [u for u in requested(driver) if not u.startswith((origin, "data:", "about:", "blob:"))]
    if outside: problems.append(f"{name}: requests outside the site: {sorted(set(outside))[:5]}")
    if shot is not None: screenshot(driver, shot / f"{name.removesuffix('.html')}.png")
    return problems, {"images": len(seen["images"]), "formulas": seen["maths"],
                      "smallest_image_scale": min([round(w / n, 2) for _, _, n, w in seen["images"] if n] or [1.0])}   # shown / meant


def check_site(folder: Path, shots: Path | None = None) -> tuple[list[str], dict]:
    "Open every chapter page of the site in `folder`; (problems, {page: measurements})."
    pages = chapters()
    problems, measured = [], {}
    absent = [name for name in pages if not (folder / f"{name}.html").exists()]
    if absent: problems.append(f"pages not built: {absent}")
    driver = chrome()
    try:
        with serve(folder) as base:
            for name, (title, hidden) in pages.items():
                if name in absent: continue
                found, measured[name] = check_page(driver, base + f"{name}.html", title, hidden, shots)
                problems += found
    finally: driver.quit()
    return problems, measured


# ---------------------------------------------------------------- the explorer in JupyterLab

@contextlib.contextmanager
def jupyterlab(root: Path, log: Path):
    "JupyterLab from .venv, serving `root`, on a free port, no token; yields its URL."
    import tempfile
    exe = Path(sys.executable).with_name("jupyter")
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="semcomp-lab-"))      # its own settings: no autosave into nbs/, no news pop-up, no workspace in ~
    for plugin, value in (("docmanager-extension/plugin", {"autosave": False}), ("apputils-extension/notification", {"fetchNews": "false"})):
        f = home / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(value))
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    with open(log, "w") as out:
        lab = subprocess.Popen([str(exe), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                                "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                                f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url="]
                               + (["--allow-root"] if os.geteuid() == 0 else []),
                               stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
        try:
            import urllib.request
            for _ in range(240):
                if lab.poll() is not None: raise RuntimeError(f"JupyterLab exited ({lab.returncode}):\n{log.read_text()[-2000:]}")
                try: urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=1); break
                except OSError: time.sleep(0.25)
            else: raise RuntimeError(f"JupyterLab did not answer in 60 s:\n{log.read_text()[-2000:]}")
            yield f"http://127.0.0.1:{port}/"
        finally:
            lab.terminate()
            try: lab.wait(20)
            except subprocess.TimeoutExpired: lab.kill()
            shutil.rmtree(home, ignore_errors=True)


PANEL_IMAGES = """
const buttons = [...document.querySelectorAll('.jp-OutputArea button')].filter(b => b.textContent.trim() === 'Run');
if (!buttons.length) return null;
let box = buttons[buttons.length - 1]; while (box.parentElement && !box.parentElement.classList.contains('jp-OutputArea-output')) box = box.parentElement;
const imgs = [...box.querySelectorAll('img')];
return {srcs: imgs.map(i => i.src.slice(-60)), loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
        status: box.innerText, disabled: buttons[buttons.length - 1].disabled};
"""


def set_slider(driver, label: str, value: int):
    "Type `value` into the readout of the live panel's slider called `label`."
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    readout = driver.execute_script("""
        const labels = [...document.querySelectorAll('.jp-OutputArea .widget-label')].filter(l => l.textContent.trim() === arguments[0]);
        return labels.length ? labels[labels.length - 1].closest('.widget-slider').querySelector('.widget-readout') : null;""", label)
    if readout is None: raise RuntimeError(f"no slider {label!r} in the panel")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", readout)
    readout.click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(str(value)).send_keys(Keys.ENTER).perform()


def check_explorer(root: Path = ROOT, shots: Path | None = None, timeout: float = 420) -> tuple[list[str], dict]:
    "Run 15_explorer.ipynb in JupyterLab, press the panel's Run twice; (problems, measurements)."
    from selenium.webdriver.common.by import By
    problems, measured = [], {}
    notebook = root / "nbs" / "15_explorer.ipynb"
    original = notebook.read_bytes()
    log = (shots or Path("/tmp")) / "jupyterlab.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.time()
    with jupyterlab(root, log) as base:
        driver = chrome(1400, 1600)
        try:
            driver.get(base + "lab/tree/nbs/15_explorer.ipynb")
            deadline = time.time() + 120
            while not driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell") and time.time() < deadline: time.sleep(0.5)
            while "Idle" not in driver.execute_script("return document.body.innerText") and time.time() < deadline: time.sleep(0.5)
            time.sleep(1)
            if not driver.execute_script("return !!window.jupyterapp"):      # --LabApp.expose_app_in_browser
                problems.append("JupyterLab did not expose its application (window.jupyterapp)"); return problems, measured
            driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")   # Run ▸ Run All Cells
            measured["lab_start_s"] = round(time.time() - start, 1)
            state, deadline = None, time.time() + timeout
            while time.time() < deadline:                 # the notebook ran to the panel and the panel shows its first run
                state = driver.execute_script(PANEL_IMAGES)
                if state and state["loaded"] >= 2 and not state["disabled"]: break
                time.sleep(1)
            measured["notebook_s"] = round(time.time() - start, 1)
            if not state or state["loaded"] < 2:
                problems.append(f"the explorer panel did not show its panels and RD plot as images: {state}")
                return problems, measured
            first = state
            set_slider(driver, "iterations", 3)            # as a person would, for a quick run
            for press in (1, 2):
                before = driver.execute_script(PANEL_IMAGES)
                button = [b for b in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea button") if b.text.strip() == "Run"][-1]
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
                button.click()
                t0, deadline = time.time(), time.time() + timeout
                while time.time() < deadline:
                    state = driver.execute_script(PANEL_IMAGES)
                    if state and state["srcs"] != before["srcs"] and state["loaded"] == len(state["srcs"]) and not state["disabled"]: break
                    time.sleep(0.5)
                measured[f"run_{press}_s"] = round(time.time() - t0, 1)
                if state["srcs"] == before["srcs"]: problems.append(f"Run {press}: the pictures did not change: {state}")
                if len(state["srcs"]) != len(first["srcs"]):
                    problems.append(f"Run {press}: {len(state['srcs'])} pictures, the first run showed {len(first['srcs'])} (should be replaced, not added)")
                if f"run {press + 1} " not in state["status"].replace("\xa0", " "):
                    problems.append(f"Run {press}: the numbers do not say 'run {press + 1}': {state['status'][-300:]}")
            measured["pictures"] = len(state["srcs"])
            if shots is not None:
                panel = [b for b in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea button") if b.text.strip() == "Run"][-1]
                driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", panel)
                time.sleep(0.5)
                shots.mkdir(parents=True, exist_ok=True); driver.save_screenshot(str(shots / "explorer_after_two_runs.png"))
        finally:
            try:
                driver.execute_script("window.jupyterapp && window.jupyterapp.commands.execute('kernelmenu:shutdown')")
            finally: driver.quit()
    if notebook.read_bytes() != original: problems.append(f"{notebook} was changed by the check (JupyterLab saved it)")
    return problems, measured


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--site", type=Path, default=ROOT / "_docs")
    p.add_argument("--explorer", action="store_true", help="also run the explorer in JupyterLab")
    p.add_argument("--shots", type=Path, default=ROOT / "_screenshots")
    args = p.parse_args(argv)
    if why := missing(): print(f"cannot check in a browser: {why}", file=sys.stderr); return 2
    problems, measured = check_site(args.site, args.shots)
    if args.explorer:
        more, measured["explorer"] = check_explorer(ROOT, args.shots); problems += more
    print(json.dumps(measured, indent=1))
    for problem in problems: print("PROBLEM:", problem, file=sys.stderr)
    print(f"{len(problems)} problem(s); screenshots in {args.shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

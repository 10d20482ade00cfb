"""partnerboard as an operator installs it: the sdist builds a wheel (npm runs then), the wheel
goes into a fresh virtualenv outside the checkout, and ``partnerboard serve`` from an empty folder
serves the landing page, a live board and a covenant to Chromium.

The wheel is built from the sdist, not from the checkout, so what the sdist leaves out would be
missed here. The sdist's web/ gets the checkout's installed node modules (``make test`` ran
``make web``) instead of a second ``npm ci``; the build hook then still runs esbuild. The fresh
virtualenv sees the project virtualenv's packages as its dependencies, without the project
itself, so nothing is downloaded and nothing of the checkout can be imported.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import ServerProcess
from playwright.sync_api import Browser, Page, Response, expect

from browser.board_helpers import change_as_other_client, note_text
from browser.facilitation_helpers import IN_VALUES

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
NODE_MODULES = ROOT / "web" / "node_modules"
BUNDLE = "partnerboard/web/dist/board.js"


def run(*command: str | Path, cwd: Path | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


@dataclass(frozen=True)
class Installed:
    sdist: Path
    wheel: Path
    venv: Path
    site_packages: Path

    @property
    def command(self) -> Path:
        return self.venv / "bin" / "partnerboard"


def build(out: Path) -> tuple[Path, Path]:
    """The sdist from the checkout, then the wheel from the unpacked sdist."""
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", out]
    run(*build, "--sdist", ROOT)
    (sdist,) = out.glob("partnerboard-*.tar.gz")
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            archive.extractall(out / "unpacked", filter="data")
        else:
            archive.extractall(out / "unpacked")
    (source,) = (out / "unpacked").iterdir()
    (source / "web" / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    run(*build, "--wheel", source)
    assert (source / "web" / "dist" / "board.js").is_file()  # esbuild ran in the build hook
    (wheel,) = out.glob("partnerboard-*.whl")
    return sdist, wheel


def fresh_virtualenv(venv: Path, deps: Path) -> Path:
    """A virtualenv whose dependencies come from the project's virtualenv, minus partnerboard.

    Links to the project's installed packages go into ``deps``, leaving out partnerboard's own
    entries (its editable finder and metadata); one ``.pth`` line puts ``deps`` on the fresh
    virtualenv's path, after its own site-packages. ``.pth`` files inside ``deps`` are not run.
    """
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                           "['purelib'])").stdout.strip())
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "partnerboard" not in entry.name.lower():
            (deps / entry.name).symlink_to(entry)
    (site_packages / "_project_dependencies.pth").write_text(f"{deps}\n")
    return site_packages


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if not (NODE_MODULES / ".installed").is_file():
        pytest.fail("web/node_modules is missing: run `make web` (make test does) first")
    tmp = tmp_path_factory.mktemp("package")
    sdist, wheel = build(tmp / "dist")
    venv = tmp / "venv"
    site_packages = fresh_virtualenv(venv, tmp / "deps")
    run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel)
    return Installed(sdist, wheel, venv, site_packages)


def test_the_sdist_carries_the_web_sources_and_lock_file_but_no_build(installed: Installed):
    with tarfile.open(installed.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    tracked = run("git", "ls-files", "web/src", "web/templates", "web/static",
                  cwd=ROOT).stdout.split()
    assert tracked and set(tracked) <= names
    assert {"web/package.json", "web/package-lock.json", "web/tools/build_hook.py",
            "pyproject.toml", "MANIFEST.in", "README.md"} <= names
    assert not [name for name in names if name.startswith(("web/node_modules", "web/dist"))]


def test_the_wheel_holds_everything_the_server_serves_and_nothing_of_the_build(
        installed: Installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tracked = run("git", "ls-files", "web/templates", "web/static", "plugins/exporters/templates",
                  "server/scaffold_templates", "server/store/migrations",
                  "plugins/covenant.schema.json", cwd=ROOT)
    packaged = {"partnerboard/" + path for path in tracked.stdout.split()}
    assert packaged and packaged <= names, packaged - names
    assert {BUNDLE, "partnerboard/web/dist/board.js.map", "partnerboard/web/__init__.py"} <= names
    for left_out in ("node_modules", "web/src/", "package.json", "package-lock.json", "tools/"):
        assert not [name for name in names if left_out in name], left_out
    bundle = zipfile.ZipFile(installed.wheel).read(BUNDLE)
    assert len(bundle) > 50_000  # the minified Yjs client, not a stub


def test_version(installed: Installed):
    shown = run(installed.command, "--version", cwd=installed.venv).stdout.strip()
    assert shown == f"partnerboard {VERSION}"


def test_the_installed_package_owns_its_code_and_web_files(installed: Installed, tmp_path: Path):
    where = run(installed.venv / "bin" / "python", "-c",
                "import partnerboard.server, partnerboard.web as web;"
                "from partnerboard.server.web_files import web_dir;"
                "print(partnerboard.server.__file__); print(web_dir())", cwd=tmp_path).stdout
    for path in where.split():
        assert Path(path).is_relative_to(installed.site_packages), where


@pytest.fixture
def served(installed: Installed, tmp_path: Path) -> Iterator[ServerProcess]:
    """``partnerboard serve`` from the fresh virtualenv, started in an empty folder."""
    empty = tmp_path / "empty"
    empty.mkdir()
    process = ServerProcess(empty / "data", command=[str(installed.command)], cwd=empty,
                            env={"PYTHONPATH": ""})
    try:
        yield process.start()
    finally:
        process.stop()


def load(page: Page, url: str) -> dict[str, int]:
    """Open ``url``; return the status of every script and stylesheet the page loaded."""
    statuses: dict[str, int] = {}

    def seen(response: Response) -> None:
        if response.request.resource_type in ("script", "stylesheet"):
            statuses[response.url.split("?")[0]] = response.status

    page.on("response", seen)
    page.goto(url)
    return statuses


def test_the_installed_server_serves_landing_page_live_board_and_covenant_to_chromium(
        browser: Browser, served: ServerProcess):
    url = served.url
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        page = context.new_page()
        assets = load(page, url + "/?lang=en")
        assert url + "/static/app.css" in assets and set(assets.values()) == {200}, assets
        icon = httpx.get(url + "/static/favicon.svg", timeout=10)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        expect(page.locator(".canvas-card")).to_have_count(4)
        page.get_by_label("Partnership map").check()
        page.get_by_label("Board title").fill("Installed from a wheel")
        page.get_by_label("Partner organisations (one per line)").fill("Gemeente\nBibliotheek\n")
        page.get_by_role("button", name="Create board").click()
        links = {role: page.locator(f".link-row[data-role={role}] input").input_value()
                 for role in ("facilitator", "participant")}
        board_id = links["participant"].split("/b/")[1].split("?")[0]
        tokens = {role: link.split("token=")[1] for role, link in links.items()}

        identity = '{"name": "Anna", "org": "Gemeente"}'
        context.add_init_script(  # a remembered identity: no join dialog on the board page
            f"if (location.pathname.startsWith('/b/')) "
            f"localStorage.setItem('partnerboard-identity-{board_id}', {identity!r})")
        board = context.new_page()
        assets = load(board, links["participant"])
        expect(board.locator("#app")).to_have_attribute("data-joined", "true")
        assert {url + path for path in (
            "/static/app.css", "/static/board.css", "/static/facilitation.css",
            "/static/kinds.css", "/assets/board.js")} <= assets.keys(), assets
        assert set(assets.values()) == {200}, assets

        ws = f"{served.ws_url}/{board_id}?token={tokens['participant']}"
        change_as_other_client(ws, lambda client: client.add_note(
            "from-python", "Typed by another client", *IN_VALUES, org="Bibliotheek"))
        expect(note_text(board, "Typed by another client")).to_be_visible()

        finalized = httpx.post(f"{url}/api/boards/{board_id}/finalize", timeout=10,
                               headers={"Authorization": f"Bearer {tokens['facilitator']}"})
        assert finalized.status_code == 200, finalized.text
        covenant = context.new_page()
        answer = covenant.goto(f"{url}/api/boards/{board_id}/covenant?format=html"
                               f"&token={tokens['participant']}")
        assert answer is not None and answer.status == 200
        expect(covenant.locator("h1")).to_contain_text("Installed from a wheel")
        expect(covenant.locator("body")).to_contain_text("Typed by another client")
    finally:
        context.close()
    assert not errors, errors


def test_serve_refuses_to_start_without_its_bundle(installed: Installed, tmp_path: Path):
    bundle = installed.site_packages / BUNDLE
    aside = bundle.with_name("board.js.aside")
    bundle.rename(aside)
    try:
        done = subprocess.run(
            [installed.command, "serve", "--port", "0", "--data-dir", tmp_path / "data"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    finally:
        aside.rename(bundle)
    assert done.returncode == 2
    assert "browser bundle is missing" in done.stderr and "make web" in done.stderr
    assert str(bundle) in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()

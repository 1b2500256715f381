"""Trust what the static page loads (issue 38): the staged page states its own Content-Security-Policy (scripts and
connections from the site and the pinned onnxruntime-web only, no inline script), and checks onnxruntime-web's bytes
against the hashes pinned beside its version before it runs them. A local stand-in for the CDN serves the runtime: as
published, the page paints with no policy violation; tampered (its module, or its wasm), the page says so in one
line and runs none of it, and the service worker keeps none of it.

onnxruntime-web comes from npm (conftest's `onnxruntime_web`)."""

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.browser import STATIC_EXPLORER, STATIC_VIEWS, WAIT_MS
from support.static_server import served, served_to_any_origin, stage_static_site
from ui.browser_decoding import ONNXRUNTIME_WEB_INTEGRITY, ONNXRUNTIME_WEB_VERSION
from vae.publish import static_site

MODULE, WASM = static_site.ONNXRUNTIME_WEB_FILES
CDN_FOLDER = f"npm/onnxruntime-web@{ONNXRUNTIME_WEB_VERSION}/dist/"  # as jsDelivr names the pinned version
TABS = ["sample-tab", "reconstruct-tab", "compare-tab", "map-tab", "traverse-tab", "about-tab"]
# before the page's own scripts: what its policy refuses, and each WebAssembly compilation (none may run tampered bytes)
WATCH = """window.refused = [];
document.addEventListener("securitypolicyviolation", (e) => window.refused.push(`${e.effectiveDirective} ${e.blockedURI}`));
window.wasmCompiled = 0;
for (const name of ["compile", "compileStreaming", "instantiate", "instantiateStreaming"]) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (...args) { window.wasmCompiled += 1; return original.apply(this, args); };
}"""
TAMPERED_RAN = "globalThis.tamperedRuntimeRan = true;\n"  # what a tampered module would do first
# a GET of `url` by the page, as the service worker answers it: "fetched" or "refused"
FETCHED = "(url) => fetch(url).then((r) => (r.ok ? 'fetched' : `HTTP ${r.status}`), () => 'refused')"
KEPT = "async (url) => { for (const name of await caches.keys()) if (await (await caches.open(name)).match(url)) return true; return false; }"


class Elements(HTMLParser):
    """A page's elements in order, (tag, attributes), and the text inside each <script>."""

    def __init__(self, text: str):
        super().__init__()
        self.elements, self.script_texts, self.in_script = [], [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self.in_script = tag == "script"
        if self.in_script:
            self.script_texts.append("")

    def handle_endtag(self, tag):
        self.in_script = self.in_script and tag != "script"

    def handle_data(self, data):
        if self.in_script:
            self.script_texts[-1] += data


def stated_policy(page: Path) -> tuple[dict[str, set[str]], Elements]:
    """(the page's Content-Security-Policy by directive, its elements); the policy's <meta> comes before anything it
    governs."""
    found = Elements(page.read_text())
    tags = [tag for tag, _ in found.elements]
    metas = [
        i
        for i, (tag, a) in enumerate(found.elements)
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert len(metas) == 1, "the page states one policy"
    assert metas[0] < min(tags.index(tag) for tag in ("script", "link")), "the policy comes before what it governs"
    policy = found.elements[metas[0]][1]["content"]
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {name: set(values) for name, *values in directives}, found


def test_the_pinned_hashes_are_those_of_the_npm_packages_bytes(onnxruntime_web):
    assert set(ONNXRUNTIME_WEB_INTEGRITY) == set(static_site.ONNXRUNTIME_WEB_FILES)
    for name, pinned in ONNXRUNTIME_WEB_INTEGRITY.items():
        assert static_site.subresource_integrity((Path(onnxruntime_web) / name).read_bytes()) == pinned, name


@pytest.mark.parametrize("url", ["https://cdn.example/ort; script-src *", "https://cdn.example/o'rt/", "https://a b/"])
def test_a_runtime_url_that_would_change_the_policy_is_refused(tmp_path, url):
    with pytest.raises(ValueError, match="onnxruntime-web's URL"):
        static_site.onnxruntime_web_source(tmp_path, url)


@pytest.fixture(scope="module")
def cdn(tmp_path_factory):
    """(the pinned onnxruntime-web's URL on a local stand-in for jsDelivr, the folder it serves it from)."""
    root = tmp_path_factory.mktemp("cdn")
    (root / CDN_FOLDER).mkdir(parents=True)
    with served_to_any_origin(root) as url:
        yield url + CDN_FOLDER, root / CDN_FOLDER


@pytest.fixture(scope="module")
def cdn_stage(tmp_path_factory, cdn):
    """The site staged as the README writes the command, loading onnxruntime-web from the CDN."""
    stage = tmp_path_factory.mktemp("cdn-site") / "site"
    stage_static_site(stage, cdn[0])
    return stage


@pytest.fixture(scope="module")
def cdn_site(cdn_stage):
    with served(cdn_stage) as url:
        yield url


@pytest.fixture
def runtime(cdn, onnxruntime_web) -> Path:
    """The CDN's folder, holding the pinned version's files as npm publishes them (a test may then tamper one)."""
    for name in static_site.ONNXRUNTIME_WEB_FILES:
        shutil.copyfile(Path(onnxruntime_web) / name, cdn[1] / name)
    return cdn[1]


@pytest.mark.slow  # it stages the site twice
def test_the_staged_page_states_its_policy_and_has_no_inline_script(static_staging, cdn_stage, cdn):
    for stage, runtime_sources in ((static_staging[0], set()), (cdn_stage, {cdn[0]})):
        policy, found = stated_policy(stage / "index.html")
        assert policy["default-src"] == {"'none'"}
        assert policy["script-src"] == {"'self'", "'wasm-unsafe-eval'", *runtime_sources}
        assert policy["connect-src"] == {"'self'", *runtime_sources}
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "blob:", "https:"} & set().union(*policy.values())
        assert all(attributes.get("src") for tag, attributes in found.elements if tag == "script")
        assert not any(text.strip() for text in found.script_texts)
        handlers = [(tag, name) for tag, attributes in found.elements for name in attributes if name.startswith("on")]
        assert handlers == [], "inline event handlers are inline script"
        site = json.loads((stage / "site.json").read_text())
        assert site["ort"] == (cdn[0] if runtime_sources else static_site.ONNXRUNTIME_WEB_FOLDER)
        assert site["ort_integrity"] == ONNXRUNTIME_WEB_INTEGRITY  # the copied files are the pinned version's


def open_watched(chromium, url: str):
    """(a new page of `url` whose refusals and wasm compilations are counted, its context, the URLs it requested)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.add_init_script(WATCH)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    return page, context, requests


@pytest.mark.browser
def test_the_runtime_from_the_cdn_as_published_paints_with_nothing_refused(chromium, cdn_site, runtime, cdn):
    page, context, requests = open_watched(chromium, cdn_site)
    page.wait_for_function(f"() => {STATIC_EXPLORER}?.live", timeout=WAIT_MS)
    page.wait_for_function(f"() => {STATIC_VIEWS}?.ready", timeout=WAIT_MS)
    for tab in TABS:
        page.evaluate(f"(tab) => {STATIC_VIEWS}.open(tab)", tab)
    page.evaluate(f"() => {STATIC_VIEWS}.ready")
    assert page.evaluate("() => window.refused") == []
    assert page.evaluate("() => window.wasmCompiled") >= 1  # the count the tampered runs find at 0 counts
    assert page.locator("#message").text_content() == ""
    assert requests.count(cdn[0] + MODULE) == 1  # checked, then imported, from one response
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    assert page.evaluate(FETCHED, cdn[0] + WASM) == "fetched"
    assert page.evaluate(KEPT, cdn[0] + WASM)
    context.close()


def tamper(folder: Path, name: str) -> None:
    """The CDN serves other bytes as `name`: a module that would mark the page first, or a wasm with one byte changed."""
    path = folder / name
    if name == MODULE:
        path.write_text(TAMPERED_RAN + path.read_text())
    else:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))


@pytest.mark.browser
@pytest.mark.parametrize("name", static_site.ONNXRUNTIME_WEB_FILES)
def test_a_tampered_runtime_gets_one_line_and_runs_nothing(chromium, cdn_site, runtime, cdn, name):
    tamper(runtime, name)
    page, context, _ = open_watched(chromium, cdn_site)
    message = page.locator("#message")
    expect(message).to_contain_text(f"{name} ", timeout=WAIT_MS)
    expect(message).to_contain_text("not the pinned file")
    assert "\n" not in message.text_content()
    assert page.evaluate("() => globalThis.tamperedRuntimeRan") is None
    assert page.evaluate("() => window.wasmCompiled") == 0
    assert not page.evaluate(f"() => {STATIC_EXPLORER}.live")
    assert page.evaluate(f"() => {STATIC_EXPLORER}.times.firstPicture") is not None  # the staged picture still shows
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    assert page.evaluate(FETCHED, cdn[0] + name) == "refused"  # the worker asks with the pinned hash, keeps nothing
    assert not page.evaluate(KEPT, cdn[0] + name)
    context.close()

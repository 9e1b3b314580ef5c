"""The leak's emergency-plan draft and reports: the English and Chinese templates, no English sentences in the
Chinese plans, the same numbers in both languages, the source model and probit columns, and the plan in a browser."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from tests.scenarios.conftest import XDIST_GROUP
from tests.scenarios.leak_factory import stated_numbers
from viz.plan import render_plan

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)  # uses the demo: on the demo's worker, which runs it once


def test_the_english_template_renders_the_same_view(leak, tmp_path):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8")) | {"language": "en"}
    html = render_plan(view, tmp_path / "plan_en.html", map_png=leak / "map.png").read_text(encoding="utf-8")
    assert "Emergency plan draft" in html and "Response level" in html and "突发" not in html
    assert html.count("data:image/png;base64,") == 1


def visible_text(html: str) -> str:
    """What a reader of the page sees: without <style> and <script> (the embedded font and CSS), data: URIs (the
    embedded maps), comments and tags; entities decoded."""
    import html as html_module
    import re

    html = re.sub(r"<(style|script)\b.*?</\1\s*>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    html = re.sub(r"data:[^\"'\s)]+", " ", html)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


# English a Chinese plan may show, each for a reason: proper names (the product; the AEGL and ERPG threshold families;
# the SLAB and AFTOX models HJ 169-2018 names; Holland's typhoon wind model) and the scenario-file key the grid-edge
# warning tells the user to change. Runs of 1-3 letters pass anyway: HJ, CAS, ISC3, C_d, F_v, Re, Ri, kg, mm, m/s,
# min, mg/m³, km², bar, ln, P(...). Names and ids from the scenario and park files (the scenario name, the source
# model id shown next to its Chinese name, risk-source, enterprise and receptor names) and the probit source's
# bibliographic title, kept in its original language, are added per plan by _allowed_english.
ALLOWED_ENGLISH_ZH = ("ParkTwin", "AEGL", "ERPG", "SLAB", "AFTOX", "Holland", "grid.size",
                      # ALOHA (whose 10 km limit the validity note cites), the authors of the dense-gas and rise models
                      "ALOHA", "Ermak", "Briggs",
                      # the 3D model's file name and format, and the programs that open it (proper names)
                      "scene.glb", "glTF", "Windows", "Blender")


PROBIT_TITLE = "TNO Purple Book, CPR 18E (Guidelines for quantitative risk assessment, 2005)"


def _allowed_english(view: dict) -> list[str]:
    names = [view["scenario"], view["park"], view["risk_source"], view["enterprise"], view.get("source_model", ""),
             PROBIT_TITLE, *(r["name"] for r in view["receptors"])]
    return sorted(filter(None, names), key=len, reverse=True) + list(ALLOWED_ENGLISH_ZH)


def english_words(html: str, allowed) -> list[str]:
    """Runs of four or more ASCII letters in the visible text, after removing the ``allowed`` strings."""
    import re

    text = visible_text(html)
    for words in allowed:
        text = text.replace(words, " ")
    return sorted(set(re.findall(r"[A-Za-z]{4,}", text)))


@pytest.mark.parametrize("plan, view", [("leak/plan.html", "leak/impacts.json"),
                                        ("typhoon/leak/plan.html", "typhoon/leak/impacts.json"),
                                        ("leak_ensemble/plan_ensemble.html", "leak_ensemble/ensemble.json")])
def test_the_chinese_plans_show_no_english_sentences(demo, plan, view):
    """A Chinese commander reads every line of the demo's Chinese plans (the leak, the typhoon's triggered leak and
    the leak ensemble): source term, weather, thresholds, receptor kinds, dense-gas verdict and probit wording are
    Chinese; only the allow-listed names remain."""
    view = json.loads((demo.root / view).read_text(encoding="utf-8"))
    assert view["language"] == "zh"
    html = (demo.root / plan).read_text(encoding="utf-8")
    assert english_words(html, _allowed_english(view)) == []
    # the check itself sees English: the view's English sentences rendered into the same page would fail it
    assert english_words(html + f"<p>{view['weather']}</p>", _allowed_english(view))


def test_the_chinese_typhoon_report_shows_no_english_sentences(demo):
    """The demo's typhoon plan section (language zh) in Chinese: boundary conditions, the assets table (kinds,
    substances, FD2320 hazard classes), actions, limits and footer. Allowed beyond ALLOWED_ENGLISH_ZH: the scenario
    name, the rain model's proper name (R-CLIPER) and the triggered leak's plan path the report points to."""
    import yaml

    scenario = yaml.safe_load((demo.root / "typhoon.yaml").read_text(encoding="utf-8"))
    assert scenario.get("language", "zh") == "zh"
    html = (demo.root / "typhoon" / "report.html").read_text(encoding="utf-8")
    allowed = [scenario["name"], "R-CLIPER", "leak/plan.html", *ALLOWED_ENGLISH_ZH]
    assert english_words(html, allowed) == []
    assert "对所有人员危险" in html or "对多数人员危险" in html or "对部分人员危险" in html or "低" in html
    assert english_words(html + "<p>move its contents out</p>", allowed)  # the check sees English


def test_the_plans_say_what_left_the_container_in_its_own_words(demo):
    """A tank's plan speaks of what left the tank and what is left in it; the typhoon's flooded warehouse (a direct
    release) only of what was released in the warehouse; the 3D model is pointed to next to the 3D picture."""
    tank = (demo.root / "leak" / "plan.html").read_text(encoding="utf-8")
    assert "泄漏出罐" in tank and "罐内剩余" in tank and "scene.glb" in tank
    assert (demo.root / "leak" / "scene.glb").stat().st_size > 0
    warehouse = (demo.root / "typhoon" / "leak" / "plan.html").read_text(encoding="utf-8")
    assert json.loads((demo.root / "typhoon" / "leak" / "impacts.json").read_text(encoding="utf-8"))[
        "container_kind"] == "warehouse"
    assert "仓库内泄漏" in warehouse and "罐内剩余" not in warehouse and "泄漏出罐" not in warehouse


def test_the_chinese_plan_states_the_english_plan_s_numbers(leak):
    """Each translated sentence of impacts.json carries every number of its English counterpart."""
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    for english, chinese in [("source_term", "source_term_zh"), ("source_rule", "source_rule_zh"),
                             ("weather", "weather_zh"), ("dense_gas_message", "dense_gas_message_zh"),
                             ("probit_equation", "probit_equation_zh")]:
        assert stated_numbers(view[english]) <= stated_numbers(view[chinese]), (view[english], view[chinese])
    assert [z["name_zh"] for z in view["zones"][:2]] == ["毒性终点浓度-1", "毒性终点浓度-2"]
    assert {r["kind"]: r["kind_zh"] for r in view["receptors"]} == {
        "residential": "居民区", "fence": "厂界", "school": "学校", "water_source": "饮用水水源保护区",
        "hospital": "医院"}
    assert view["receptors"][0]["level_zh"] == "毒性终点浓度-1"  # the reached village, graded in Chinese
    html = (leak / "plan.html").read_text(encoding="utf-8")
    for text in (view["source_term_zh"], view["weather_zh"], view["dense_gas_message_zh"], "理查德森数", "闪蒸",
                 "热量蒸发", "最不利气象条件", PROBIT_TITLE):
        assert text in visible_text(html), text


def test_the_report_states_the_source_model_the_split_and_the_mass_balance(leak):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8"))
    assert view["source_model"] == "tank_liquid_hole" and "pool" in view["source_rule"]
    split = view["airborne_split_kg"]
    assert set(split) == {"flash", "pool_evaporation"} and split["flash"] > 0 and split["pool_evaporation"] > 0
    # airborne + pool left + tank left = the 60 t inventory of T-CL01 (each figure rounded to 0.1 kg)
    total = split["flash"] + split["pool_evaporation"] + view["remaining_pool_kg"] + view["remaining_tank_kg"]
    assert total == pytest.approx(60000.0, abs=0.5)
    assert view["released_kg"] == pytest.approx(split["flash"] + split["pool_evaporation"], abs=0.2)
    assert view["released_kg"] < view["outflow_kg"]  # the pool left at the duration limit never became airborne
    with xr.open_dataset(leak / "leak.nc", engine="netcdf4") as ds:
        rate = ds["airborne_release_rate"]
        assert rate.attrs["source_term_model"] == "tank_liquid_hole"
        # the peak airborne rate reported (and given to the dense-gas check) is the airborne series' peak
        assert view["peak_rate_kg_s"] == pytest.approx(float(rate.max()), abs=1e-3)
        probability = ds["probability_of_death"].values
        assert ds["receptor_id"].size == probability.size and np.all((probability >= 0) & (probability <= 1))


def test_the_english_plan_shows_probit_columns_and_not_available(leak, tmp_path):
    view = json.loads((leak / "impacts.json").read_text(encoding="utf-8")) | {"language": "en"}
    view["receptors"] = [r | {"probit": "not available", "probability_of_death": "not available"}
                         for r in view["receptors"]]
    view |= {"probit_source": "not available", "probit_equation": "not available"}
    html = render_plan(view, tmp_path / "plan_en.html", map_png=leak / "map.png").read_text(encoding="utf-8")
    assert "Probability of death" in html and "Source model" in html and "pool evaporation" in html
    assert html.count("not available") >= len(view["receptors"])


CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]  # a closed network: no background connections


def test_the_plan_renders_in_a_browser_with_maps_and_chinese_glyphs(leak, tmp_path):
    """Opened as a commander would open it: Debian's Chromium (``make test`` installs it), driven by Playwright.
    The embedded maps must decode, and every Chinese character of the title and of the first table must be drawn
    by the font embedded in the file (Chrome DevTools' CSS.getPlatformFontsForNode names the font that drew each
    glyph) — this machine has no Chinese system font, so without the embedded subset they would be boxes."""
    import shutil

    from playwright.sync_api import sync_playwright

    from viz.fonts import CJK_FAMILY

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "the browser test needs Debian's chromium package (make test installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto((leak / "plan.html").as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
            assert len(images) >= 2 and all(done and w > 200 and h > 200 for done, w, h in images), images
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            checked = 0
            for selector in ("h1", "h2", "table th", "table td"):
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                text = page.inner_text(selector)
                chinese = sum(1 for c in text if ord(c) > 0x2E7F)  # CJK punctuation and ideographs
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                embedded = sum(f["glyphCount"] for f in fonts if f["isCustomFont"]
                               and f["familyName"].startswith(CJK_FAMILY))
                assert embedded >= chinese > 0 or chinese == 0, (selector, text, fonts)
                checked += chinese
            assert checked > 20
            page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "plan.png").stat().st_size > 100_000  # a page of text and maps, not a blank

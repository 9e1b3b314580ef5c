"""The documentation cannot rot silently: every YAML example of ``docs/scenarios/`` validates, every field of the
scenario models is documented, every citation is in ``docs/bibliography.md`` and every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scenarios.common.ensemble import EnsembleSpec, LeakEnsembleSpec, PerturbationSpec
from scenarios.common.spec import DesignTrackSpec, GridSpec, ModelSpec, TrackFileSpec, WeatherSpec
from scenarios.eia.spec import BackgroundSpec, CapsSpec, EiaScenario, HeavyPollutionSpec
from scenarios.leak.spec import LeakMeteorologySpec, LeakScenario, SourceTermSpec
from scenarios.plume.spec import OutputSpec, PlumeScenario
from scenarios.registry import KINDS
from scenarios.spec import scenario_from_dict
from scenarios.typhoon.spec import TideSpec, TriggeredLeakSpec, TyphoonEnsembleSpec, TyphoonScenario
from scenarios.water.spec import WaterCapsSpec, WaterEnsembleSpec, WaterScenario

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = DOCS / "scenarios"
# page -> the kind its YAML examples must validate as (the forecast batch writes kind: leak files)
EXAMPLE_KINDS = {"plume.md": "plume", "leak.md": "leak", "typhoon.md": "typhoon", "eia.md": "eia",
                 "forecast.md": "leak", "water.md": "water"}
# page -> the models whose every field it lists as "- `field` (...)"
DOCUMENTED_MODELS = {
    "common.md": (WeatherSpec, GridSpec, ModelSpec, EnsembleSpec, PerturbationSpec, LeakEnsembleSpec, DesignTrackSpec,
                  TrackFileSpec),
    "plume.md": (PlumeScenario, OutputSpec),
    "leak.md": (LeakScenario, SourceTermSpec, LeakMeteorologySpec),
    "typhoon.md": (TyphoonScenario, TideSpec, TyphoonEnsembleSpec, TriggeredLeakSpec),
    "eia.md": (EiaScenario, BackgroundSpec, CapsSpec, HeavyPollutionSpec),
    "water.md": (WaterScenario, WaterCapsSpec, WaterEnsembleSpec),
}
MARKDOWN = sorted([REPO / "README.md", *DOCS.glob("*.md"), *PAGES.glob("*.md")])
_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
_CITATION = re.compile(r"\[((?:[A-Z]|de)[\w./-]*\d[\w./-]*|AEGL|ERPG|PAC)\](?!\()")  # not units: [kg/m3]
_LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def yaml_blocks(page: Path) -> list[str]:
    return _YAML_BLOCK.findall(page.read_text(encoding="utf-8"))


def test_there_is_a_page_per_kind_and_for_the_forecast():
    assert set(KINDS) | {"forecast"} == {name.removesuffix(".md") for name in EXAMPLE_KINDS}
    for name in [*EXAMPLE_KINDS, "common.md"]:
        assert (PAGES / name).is_file(), name


@pytest.mark.parametrize("name", sorted(EXAMPLE_KINDS))
def test_every_yaml_example_validates(name):
    blocks = yaml_blocks(PAGES / name)
    assert blocks, f"docs/scenarios/{name} has no ```yaml example"
    for number, block in enumerate(blocks, start=1):
        scenario = scenario_from_dict(yaml.safe_load(block), where=f"docs/scenarios/{name} example {number}")
        assert scenario.kind == EXAMPLE_KINDS[name]


def test_a_broken_example_would_fail():
    """The check above is not vacuous: a misspelt key in the leak example is an InputError."""
    data = yaml.safe_load(yaml_blocks(PAGES / "leak.md")[0])
    data["source_term"]["hole_diametre"] = data["source_term"].pop("hole_diameter")
    with pytest.raises(ValueError, match="hole_diametre"):
        scenario_from_dict(data, where="broken")


@pytest.mark.parametrize("name", sorted(DOCUMENTED_MODELS))
def test_every_field_of_the_models_is_documented(name):
    text = (PAGES / name).read_text(encoding="utf-8")
    listed = set(re.findall(r"^- `(\w+)` \(", text, flags=re.MULTILINE))
    for model in DOCUMENTED_MODELS[name]:
        missing = sorted(set(model.model_fields) - listed)
        assert not missing, f"docs/scenarios/{name}: fields of {model.__name__} not documented: {missing}"


def test_every_citation_is_in_the_bibliography():
    keys = set(re.findall(r"^- \*\*\[([^\]]+)\]\*\*", (DOCS / "bibliography.md").read_text(encoding="utf-8"),
                          flags=re.MULTILINE))
    assert len(keys) > 50
    for page in [DOCS / "api.md", *PAGES.glob("*.md")]:
        cited = set(_CITATION.findall(page.read_text(encoding="utf-8")))
        unknown = sorted(cited - keys)
        assert not unknown, f"{page.relative_to(REPO)} cites keys not in docs/bibliography.md: {unknown}"


@pytest.mark.parametrize("page", MARKDOWN, ids=[str(p.relative_to(REPO)) for p in MARKDOWN])
def test_relative_links_resolve(page):
    for target, _anchor in _LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.relative_to(REPO)}: link to {target} does not resolve"

"""Canvas specs validate themselves, with errors naming the plugin and the field."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import metadata

import pytest

from partnerboard.plugins import CanvasSpec, ElementKind, Rect, SpecError, Zone
from partnerboard.plugins.testing import registry_with

BUILT_IN = ("partnership-map", "influence-dependency", "game-rules", "building-blocks")


def zone(zone_id: str = "a", **changes: object) -> Zone:
    base = Zone(zone_id, {"nl": "A", "en": "A"}, Rect(0, 0, 100, 100),
                {"nl": ["Vraag?"], "en": ["Question?"]})
    return replace(base, **changes)


def spec(**changes: object) -> CanvasSpec:
    base = CanvasSpec(
        id="demo", version="1", title={"nl": "Demo", "en": "Demo"},
        description={"nl": "Een demo.", "en": "A demo."}, size=(400, 300),
        zones=(zone("a", step=1), zone("b", rect=Rect(200, 0, 100, 100), step=2)),
        steps=("a", "b"),
        element_kinds=(ElementKind("note", {"nl": "Notitie", "en": "Note"},
                                   {"owner": "string", "level": ("low", "high")}),),
        decorations=({"type": "label", "x": 0, "y": 0, "text": {"nl": "Hoi", "en": "Hi"}},),
    )
    return replace(base, **changes)


def problem(bad: CanvasSpec) -> tuple[str, str]:
    with pytest.raises(SpecError) as caught:
        bad.validate()
    return caught.value.field, caught.value.problem


def test_a_valid_spec_validates_and_serialises_to_json():
    good = spec()
    assert good.validate() is good
    data = json.loads(json.dumps(good.to_json()))
    assert data["size"] == {"w": 400, "h": 300}
    assert data["zones"][1]["rect"] == {"x": 200, "y": 0, "w": 100, "h": 100}
    assert data["element_kinds"][0]["fields"] == {"owner": "string", "level": ["low", "high"]}
    assert data["steps"] == ["a", "b"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"id": "Not A Slug"}, "id", "slug"),
        ({"version": ""}, "version", "non-empty"),
        ({"title": {"nl": "Demo"}}, "title", "'en'"),
        ({"description": {"nl": "", "en": "x"}}, "description", "'nl'"),
        ({"size": (0, 300)}, "size", "positive"),
        ({"size": ("wide", 300)}, "size", "(width, height)"),
        ({"zones": (zone("a"), zone("a", rect=Rect(200, 0, 10, 10)))}, "zones[1].id", "duplicate"),
        ({"zones": (zone("a", rect=Rect(350, 0, 100, 100)),), "steps": ()},
         "zones[0].rect", "outside the canvas"),
        ({"zones": (zone("a", rect=Rect(0, 0, 0, 100)),), "steps": ()}, "zones[0].rect",
         "positive"),
        ({"zones": (zone("a", title={"nl": "A", "en": " "}),), "steps": ()}, "zones[0].title",
         "'en'"),
        ({"zones": (zone("a", prompts={"nl": ["x"], "en": []}),), "steps": ()},
         "zones[0].prompts", "same number"),
        ({"zones": (zone("a", prompts={"nl": ["x"]}),), "steps": ()}, "zones[0].prompts", "'en'"),
        ({"steps": ("a", "nowhere")}, "steps[1]", "'nowhere'"),
        ({"steps": ("a", "a")}, "steps[1]", "twice"),
        ({"steps": ("b", "a")}, "zones[0].step", "step 2"),
        ({"zones": (zone("p", parking=True),), "steps": ("p",)}, "steps[0]", "parking"),
        ({"element_kinds": (ElementKind("note", {"nl": "N", "en": "N"}),) * 2},
         "element_kinds[1].kind", "duplicate"),
        ({"element_kinds": (ElementKind("note", {"nl": "N", "en": "N"}, {"due": "when"}),)},
         "element_kinds[0].fields.due", "neither"),
        ({"element_kinds": (ElementKind("note", {"en": "N"}),)}, "element_kinds[0].label",
         "'nl'"),
        ({"decorations": ({"x": 1},)}, "decorations[0]", "'type'"),
        ({"decorations": ({"type": "label", "text": {"nl": "Hoi"}},)}, "decorations[0].text",
         "'en'"),
        ({"decorations": ({"type": "label", "at": object()},)}, "decorations[0]", "JSON"),
        ({"extra": {"levels": {"low": {"en": "Low"}}}}, "extra.levels.low", "'nl'"),
    ],
)
def test_an_invalid_spec_names_the_field(changes, field, words):
    found_field, found_problem = problem(spec(**changes))
    assert found_field == field
    assert words in found_problem


def test_the_error_names_the_plugin_and_the_canvas_once_loaded():
    error = SpecError("zones[0].rect", "lies outside", canvas="demo").located(plugin="my-plugin")
    assert str(error) == "plugin 'my-plugin', canvas 'demo': zones[0].rect: lies outside"


def test_nested_zones_may_overlap_but_not_leave_the_canvas():
    nested = spec(zones=(zone("outer", rect=Rect(0, 0, 400, 300)),
                         zone("inner", rect=Rect(10, 10, 50, 50))), steps=())
    assert nested.validate() is nested


@pytest.mark.parametrize("canvas_id", BUILT_IN)
def test_every_built_in_canvas_validates_and_is_registered_by_its_own_entry_point(canvas_id):
    entry_points = {ep.name: ep for ep in metadata.entry_points(group="partnerboard")}
    module = entry_points[canvas_id].load()
    registry = registry_with(module, names=[canvas_id])
    assert registry.plugins[canvas_id].state == "ok", registry.plugins[canvas_id].errors
    assert registry.plugins[canvas_id].canvases == [canvas_id]
    built = registry.canvas(canvas_id)
    assert built is not None and built.validate() is built
    json.dumps(built.to_json())

"""Bad input raises the package's exceptions with the command line's messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCENES, small_spec

import synthvis


def test_a_bad_field_raises_spec_error_naming_file_and_field(tmp_path: Path) -> None:
    doc = json.loads((SCENES / "quickstart.json").read_text())
    doc["resolution"]["width"] = "wide"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(synthvis.SpecError) as caught:
        synthvis.Spec(bad)
    assert str(bad) in str(caught.value) and "resolution.width" in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, synthvis.SynthvisError)


def test_an_impossible_range_and_a_bad_override_raise_spec_error() -> None:
    spec = small_spec("quickstart")
    with pytest.raises(synthvis.SpecError, match="fov"):
        spec.with_overrides({"/camera/fov_y_deg": -5})
    with pytest.raises(synthvis.SpecError, match="/nothing/here"):
        spec.with_overrides({"/nothing/here": 1})
    with pytest.raises(synthvis.SpecError, match="frames"):
        synthvis.Spec.from_dict({"version": 2, "frames": "many"})


def test_a_missing_file_raises_spec_error() -> None:
    with pytest.raises(synthvis.SpecError, match="no-such-spec.json"):
        synthvis.Spec("no-such-spec.json")


def test_a_missing_asset_raises_asset_error_on_first_use(tmp_path: Path) -> None:
    spec = small_spec("quickstart", **{"/assets/0/path": str(tmp_path / "gone.glb")})
    renderer = synthvis.Renderer(spec)  # opens nothing yet
    assert not renderer.is_open
    with pytest.raises(synthvis.AssetError, match="gone.glb"):
        renderer.render(0)
    with pytest.raises(synthvis.AssetError, match="gone.glb"):
        next(iter(renderer.frames(range(2))))


def test_bad_arguments_raise_value_errors() -> None:
    spec = small_spec("quickstart")
    with pytest.raises(ValueError, match="backend"):
        synthvis.Renderer(spec, backend="directx9")
    with pytest.raises(ValueError, match="workers"):
        synthvis.Renderer(spec, workers=0)
    with pytest.raises(synthvis.SpecError, match="negative"):
        synthvis.Renderer(spec).frames([1, -2])


def test_one_frames_iterator_at_a_time() -> None:
    renderer = synthvis.Renderer(small_spec("quickstart"))
    frames = renderer.frames(range(4))
    with pytest.raises(synthvis.RenderError, match="busy"):
        renderer.render(0)
    assert [f.index for f in frames] == [0, 1, 2, 3]
    renderer.render(0)  # exhausted: free again
    with renderer.frames(range(100)) as many:
        next(many)
    renderer.render(1)  # closed early: free again

from __future__ import annotations

from pathlib import Path

from landingzone.landing_zone.workspace import clear_scratch


def test_what_a_crash_left_in_the_scratch_area_is_removed_and_nothing_outside(
    tmp_path: Path,
) -> None:
    root = tmp_path / "workspaces" / "replica-1"
    (root / "push-abc" / "src").mkdir(parents=True)
    (root / "push-abc" / "src" / "Main.java").write_text("class Main {}")
    (root / "render-stray.tmp").write_text("x")
    outside = tmp_path / "keep-me"
    outside.mkdir()
    (root / "link").symlink_to(outside)

    assert clear_scratch(root) == 3
    assert list(root.iterdir()) == []
    assert outside.is_dir()
    assert clear_scratch(tmp_path / "never-made") == 0

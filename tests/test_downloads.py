"""The download policy on a real file system: names chosen up front, never overwriting unless
forced, a name taken while a download ran left alone. (End to end through Storage: test_edits.py,
crm/test_media.py.)"""

from __future__ import annotations

from stagefy_cli.services.downloads import choose_targets, install


def test_names_are_chosen_up_front_and_never_shared(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"mine")
    wanted = [tmp_path / "a.jpg", tmp_path / "a.jpg", tmp_path / "b.jpg"]
    assert choose_targets(wanted, force=False) == [tmp_path / n for n in ("a-2.jpg", "a-3.jpg", "b.jpg")]
    # --force replaces what is on disk, but two files of one command still get two names
    assert choose_targets(wanted, force=True) == [tmp_path / n for n in ("a.jpg", "a-2.jpg", "b.jpg")]


def test_a_name_taken_during_the_download_is_left_alone(tmp_path):
    part = tmp_path / ".a.jpg.1234.part"
    part.write_bytes(b"result")
    (tmp_path / "a.jpg").write_bytes(b"appeared meanwhile")
    assert install(part, tmp_path / "a.jpg", force=False) == tmp_path / "a-2.jpg"
    assert (tmp_path / "a.jpg").read_bytes() == b"appeared meanwhile"
    assert (tmp_path / "a-2.jpg").read_bytes() == b"result"


def test_force_replaces_the_file_in_one_rename(tmp_path):
    part = tmp_path / ".a.jpg.1234.part"
    part.write_bytes(b"result")
    (tmp_path / "a.jpg").write_bytes(b"old")
    assert install(part, tmp_path / "a.jpg", force=True) == tmp_path / "a.jpg"
    assert (tmp_path / "a.jpg").read_bytes() == b"result"
    assert not part.exists()

"""Media are taken into the store at creation: by content, by the platform's rules, no links."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from scheduling_platform.media.ingest import ingest_media
from scheduling_platform.media.safe_fetch import SafeFetcher
from scheduling_platform.media.store import MediaStore, StoreError, open_stored
from tests.samples import write_media


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "home" / "media")


def _ingest(store: MediaStore, platform: str, *refs: str):
    return ingest_media(platform, tuple(refs), store, SafeFetcher(max_bytes=10**9))


def test_a_relative_path_becomes_an_absolute_content_addressed_store_file(
    store: MediaStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    photo = write_media(tmp_path, "photo.jpg")
    (item,) = _ingest(store, "weibo", "photo.jpg")
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert item.path == store.root / "sha256" / digest[:2] / f"{digest}.jpg"
    assert item.path.is_absolute() and item.path.read_bytes() == photo.read_bytes()
    assert not stat.S_IMODE(item.path.stat().st_mode) & 0o222  # read-only
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert (item.media_type.mime, item.size) == ("image/jpeg", 2048)
    again = _ingest(store, "weibo", str(photo))  # the same content is the same file
    assert again[0].path == item.path
    assert open_stored(item.ref) == item


@pytest.mark.parametrize(
    ("platform", "files", "reason"),
    [
        ("douyin", ["photo.jpg"], "video"),  # an image where a video must be
        ("weibo", ["clip.mp4"], "it is video/mp4"),  # pic takes JPEG/GIF/PNG only
        ("weibo", ["a.jpg", "b.jpg"], "at most 1"),
        ("toutiao", ["a.jpg"], "no media"),  # nothing confirmed: refused, not dropped
        ("wechat", ["cover.png"], "JPEG"),  # the thumb cover is a JPEG
        ("douyin", [], "needs a video"),
        ("wechat", [], "needs a cover"),
    ],
)
def test_what_the_platform_refuses_is_refused_with_the_reason(
    store: MediaStore, tmp_path: Path, platform: str, files: list[str], reason: str
) -> None:
    refs = [str(write_media(tmp_path, name)) for name in files]
    with pytest.raises(ValueError, match=reason):
        _ingest(store, platform, *refs)


def test_sizes_follow_each_slot(store: MediaStore, tmp_path: Path) -> None:
    big = write_media(tmp_path, "big.jpg", size=5 * 1024 * 1024)
    with pytest.raises(ValueError, match="bytes"):
        _ingest(store, "weibo", str(big))  # pic is under 5 MB
    cover = write_media(tmp_path, "cover.jpg", size=64 * 1024 + 1)
    with pytest.raises(ValueError, match="64 KB"):
        _ingest(store, "wechat", str(cover))
    small = write_media(tmp_path, "small.jpg", size=60 * 1024)
    inline = write_media(tmp_path, "inline.png", size=500 * 1024)
    cover_item, inline_item = _ingest(store, "wechat", str(small), str(inline))
    assert (cover_item.media_type.mime, inline_item.media_type.mime) == ("image/jpeg", "image/png")


def test_symlinks_are_refused_wherever_they_are(store: MediaStore, tmp_path: Path) -> None:
    secret = write_media(tmp_path, "secret.jpg")
    link = tmp_path / "link.jpg"
    link.symlink_to(secret)
    folder_link = tmp_path / "folder"
    folder_link.symlink_to(tmp_path)
    for ref in (link, folder_link / "secret.jpg"):
        with pytest.raises(ValueError, match="symbolic link"):
            _ingest(store, "weibo", str(ref))
    assert not (store.root / "sha256").exists()


def test_empty_files_devices_and_fifos_are_refused(store: MediaStore, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    cases = [(empty, "empty"), (fifo, "not a regular file"), (Path("/dev/zero"), "regular")]
    for ref, reason in cases:
        with pytest.raises(ValueError, match=reason):
            _ingest(store, "weibo", str(ref))
    with pytest.raises(ValueError, match="does not exist"):
        _ingest(store, "weibo", str(tmp_path / "gone.jpg"))


def test_suffix_lies_and_unknown_content_are_refused(store: MediaStore, tmp_path: Path) -> None:
    png_named_jpg = write_media(tmp_path, "photo.jpg", kind="png")
    with pytest.raises(ValueError, match="named as image/jpeg but its content is image/png"):
        _ingest(store, "weibo", str(png_named_jpg))
    video_named_jpg = write_media(tmp_path, "holiday.jpg", kind="mp4")
    with pytest.raises(ValueError, match="content is video/mp4"):
        _ingest(store, "weibo", str(video_named_jpg))
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture at all")
    with pytest.raises(ValueError, match="not an image or video"):
        _ingest(store, "weibo", str(text))
    no_suffix = write_media(tmp_path, "upload", kind="png")  # no claim: the content decides
    (item,) = _ingest(store, "weibo", str(no_suffix))
    assert item.path.suffix == ".png"


def test_other_schemes_are_refused(store: MediaStore) -> None:
    for ref in ("file:///etc/passwd", "ftp://example.com/a.jpg"):
        with pytest.raises(ValueError, match="http or https"):
            _ingest(store, "weibo", ref)


def test_only_sound_store_files_can_be_opened(store: MediaStore, tmp_path: Path) -> None:
    (item,) = _ingest(store, "weibo", str(write_media(tmp_path, "a.gif")))
    for bad in ("/etc/passwd", "relative/a.gif", str(tmp_path / "a.gif")):
        with pytest.raises(StoreError):
            open_stored(bad)
    os.chmod(item.path, 0o644)
    item.path.write_bytes(item.path.read_bytes()[:-1] + b"!")  # changed behind our back
    with pytest.raises(StoreError, match="no longer holds"):
        open_stored(item.ref).read()

import numpy as np
import pytest
import torch

from core import fashion_mnist as fm
from fashion_fixtures import real_data_or_skip, write_tiny
from helpers import open_page, open_with_data
from live_training import DATA_DIR, load_data


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No Debian package, an empty cache and no environment variable: only what a test provides exists."""
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(fm, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.delenv(fm.ENV_VAR, raising=False)
    return tmp_path


def test_loads_self_written_idx_files_through_torchvision(nowhere):
    arrays = write_tiny(nowhere / "mine", n_train=30, n_test=12)
    data = fm.load(nowhere / "mine", download=False)
    assert data.train_images.shape == (30, 784) and data.test_images.shape == (12, 784)
    assert data.train_images.dtype == torch.float32 and data.train_labels.dtype == torch.int64
    expected = arrays["train-images-idx3-ubyte"].reshape(30, 784) / 255
    np.testing.assert_allclose(data.train_images.numpy(), expected, rtol=1e-6)
    assert data.test_labels.tolist() == arrays["t10k-labels-idx1-ubyte"].tolist()
    assert "your directory" in data.source


def test_debian_gz_files_are_unpacked_once_into_the_cache(nowhere, monkeypatch):
    write_tiny(nowhere / "no-debian", n_train=20, n_test=10, gz=True)
    data = fm.load(download=False)
    assert len(data.train_labels) == 20 and "Debian" in data.source
    raw = nowhere / "cache" / "FashionMNIST" / "raw"
    stamp = (raw / "train-images-idx3-ubyte").stat().st_mtime_ns
    fm.load(download=False)
    assert (raw / "train-images-idx3-ubyte").stat().st_mtime_ns == stamp  # not unpacked again
    assert not list(raw.glob("*.partial"))


def test_servers_unpacking_at_once_each_find_whole_files(nowhere):
    """Replicas (or test processes) that start together unpack into the same cache at the same moment."""
    import concurrent.futures
    import gzip
    import threading
    write_tiny(nowhere / "no-debian", n_train=2000, n_test=500, gz=True)
    start = threading.Barrier(6)

    def unpack(_):
        start.wait()
        return fm.unpack_gz(nowhere / "no-debian", nowhere / "cache")

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        assert list(pool.map(unpack, range(6))) == [True] * 6  # none raised (a copy renamed under another's feet)
    raw = nowhere / "cache" / "FashionMNIST" / "raw"
    for name in fm.RAW_FILES:
        assert (raw / name).read_bytes() == gzip.decompress((nowhere / "no-debian" / f"{name}.gz").read_bytes())
    assert not list(raw.glob("*.partial"))


def test_environment_variable_and_gz_in_a_user_directory(nowhere, monkeypatch):
    write_tiny(nowhere / "gzdir", n_train=15, n_test=5, gz=True)
    monkeypatch.setenv(fm.ENV_VAR, str(nowhere / "gzdir"))
    assert len(fm.load(download=False).test_labels) == 5


def test_missing_data_says_how_to_get_it(nowhere):
    with pytest.raises(fm.DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
        fm.load(download=False)
    (nowhere / "empty").mkdir()
    with pytest.raises(fm.DataUnavailableError, match="does not hold the FashionMNIST files"):
        fm.load(nowhere / "empty", download=False)


def test_data_lands_on_the_requested_device(nowhere):
    write_tiny(nowhere / "mine", n_train=10, n_test=10)
    for name in [d for d in ("cpu", "cuda:0") if d == "cpu" or torch.cuda.is_available()]:
        assert fm.load(nowhere / "mine", device=name, download=False).train_images.device.type == name[:4]


def test_real_data_when_present():
    data = real_data_or_skip()
    assert data.train_images.shape == (60000, 784) and data.test_images.shape == (10000, 784)
    assert data.train_labels[0].item() == 9  # the first training image is an ankle boot
    assert torch.bincount(data.test_labels).tolist() == [1000] * 10
    assert 0.0 <= data.train_images.min().item() and data.train_images.max().item() == 1.0


def test_missing_data_is_a_message_and_other_lessons_keep_working(tmp_path):
    at = open_with_data("mlp", str(tmp_path))
    assert any("apt-get install dataset-fashion-mnist" in e.value for e in at.error)
    at.switch_page("lesson_pages/backprop_numpy.py").run()
    assert not at.exception and any("Gradient check passed" in s.value for s in at.success)


@pytest.mark.parametrize("bad", ["x" * 4000, "/" + "a" * 300 + "/b", "/etc/passwd"])
def test_an_unusable_directory_is_a_message_not_a_crash(bad, tmp_path, monkeypatch):
    monkeypatch.setattr(fm, "CACHE_DIR", tmp_path / "cache")
    with pytest.raises(fm.DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
        fm.find_root(bad, download=False)


def test_a_4000_character_directory_on_the_page_is_a_message():
    at = open_page("mlp")
    at.session_state[DATA_DIR] = "d" * 4000  # a forged value: the field keeps at most 500 characters of it
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("cannot be used (File name too long)" in e.value and "apt-get" in e.value for e in at.error)
    assert all(len(e.value) < 1500 for e in at.error)  # the name is shortened, not echoed in full


@pytest.fixture
def fresh_data_cache():
    """The data set is cached per process; clear it before and after, so no other test sees this one's data."""
    load_data.clear()
    fm.forget_shared()
    yield
    load_data.clear()
    fm.forget_shared()


def test_hosted_mode_takes_the_directory_from_the_server_only(tiny_dir, monkeypatch, fresh_data_cache):
    monkeypatch.setenv(fm.HOSTED_VAR, "1")
    monkeypatch.setenv(fm.ENV_VAR, tiny_dir)
    at = open_page("softmax_regression")
    assert not [t for t in at.text_input if t.key == DATA_DIR]  # no field names a path
    at.session_state[DATA_DIR] = "/somewhere/else"  # a value for a field the page does not draw
    at.run()
    assert any("600 training" in c.value for c in at.caption)  # the server's directory, not the browser's

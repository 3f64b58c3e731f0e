import pytest
import torch

from core.device import DeviceUnavailableError, available_devices, describe_device, resolve_device


def test_offers_auto_and_cpu_and_only_present_accelerators():
    names = available_devices()
    assert names[:2] == ["auto", "cpu"]
    assert [n for n in names if n.startswith("cuda")] == [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    assert ("mps" in names) == torch.backends.mps.is_available()


def test_every_offered_device_resolves_and_is_described():
    for name in available_devices():
        device = resolve_device(name)
        torch.zeros(2, device=device)  # really usable
        assert str(device.type) in describe_device(device)


def test_auto_prefers_an_accelerator():
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve_device("auto").type == expected


@pytest.mark.parametrize("name", [f"cuda:{torch.cuda.device_count()}", "mps", "tpu", "not a device"])
def test_absent_or_unknown_device_is_reported_not_swapped(name):
    if name == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    with pytest.raises(DeviceUnavailableError, match="not present|not a device|cpu, cuda or mps"):
        resolve_device(name)

"""Which devices this machine really has, and turning a learner's choice into a torch.device."""

import torch

from core.i18n import _, ngettext


class DeviceUnavailableError(ValueError):
    """Raised when a learner asks for a device this machine does not have."""


def available_devices() -> list[str]:
    """Return the device names a learner may pick: 'auto', 'cpu', each 'cuda:N', and 'mps' when present."""
    names = ["auto", "cpu"]
    names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    return names


def resolve_device(name: str = "auto") -> torch.device:
    """Return the torch.device for `name`; 'auto' prefers CUDA, then MPS, then the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        message = _("'{name}' is not a device name (try cpu, cuda:0 or mps)").format(name=name)
        raise DeviceUnavailableError(message) from err
    if device.type == "cuda":
        index = device.index or 0
        count = torch.cuda.device_count()
        if index >= count:
            found = _("{count} CUDA device(s)").format(count=count) if count else _("no CUDA device")
            raise DeviceUnavailableError(_("{name} is not present: this machine has {found}").format(
                name=name, found=found))
        return torch.device("cuda", index)
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise DeviceUnavailableError(_("mps is not present: Apple's Metal backend needs a Mac with Apple silicon"))
    if device.type not in ("cpu", "cuda", "mps"):
        raise DeviceUnavailableError(_("{name}: the explorer trains on cpu, cuda or mps, not {kind}").format(
            name=name, kind=device.type))
    return device


def describe_device(device: torch.device) -> str:
    """Return a short human description, e.g. 'cuda:0 (NVIDIA H100)' or 'cpu (2 threads)'."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return ngettext("cpu ({threads} thread)", "cpu ({threads} threads)", threads).format(threads=threads)
    return str(device)

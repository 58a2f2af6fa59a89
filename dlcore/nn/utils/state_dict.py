"""State-dict key helpers (torch.nn.modules.utils)."""

from __future__ import annotations


def consume_prefix_in_state_dict_if_present(state_dict, prefix: str) -> None:
    """Strip `prefix` from every key that starts with it, in place (as torch): a state_dict saved
    from a DistributedDataParallel (keys "module.*") then loads into the bare model."""
    if not isinstance(prefix, str):
        raise TypeError(
            f"consume_prefix_in_state_dict_if_present: prefix must be a str, got {type(prefix).__name__}"
        )
    for key in list(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix) :]] = state_dict.pop(key)


__all__ = ["consume_prefix_in_state_dict_if_present"]

"""Variable-length sequences as torch.nn.utils.rnn: PackedSequence, pack_padded_sequence,
pad_packed_sequence, pad_sequence, pack_sequence, unpad_sequence, unpack_sequence.

A PackedSequence shows torch's fields: data (sum(lengths), *), the steps packed time-major with
the running sequences in decreasing-length order at each step; batch_sizes (T,) int64, how many
run at each step; sorted_indices / unsorted_indices (B,) int64 or None (enforce_sorted=False:
sorted position -> batch index, and back). Inside it holds what the recurrent layers hand to the
kernels: `_padded` (T, B, *) time-major in the caller's batch order (entries past a sequence's
end unspecified; T = the longest length) and `_lengths`, numpy int64 (B,) in that order. `data`
is gathered from them on first use; a PackedSequence built from (data, batch_sizes) scatters
into them once. Both ways are differentiable (index ops).
"""

from __future__ import annotations

import numpy as np

from ... import backend
from ... import functional as _f
from ...creation import zeros
from ...tensor import Tensor


def _as_tensor(x, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor as {name}, got {type(x).__name__}")
    return x


def _index(x: Tensor, a: np.ndarray):
    """An index array on x's device."""
    return backend.array_module(x.data).asarray(a)


def _indices(v, op: str, name: str):
    """An int64 Tensor (B,) / None as given to PackedSequence; numpy int64 or None."""
    if v is None:
        return None
    a = np.asarray(v.numpy() if isinstance(v, Tensor) else v)
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be a 1-D integer tensor, got {a.dtype} of shape {a.shape}")
    return a.astype(np.int64)


class PackedSequence:
    """torch.nn.utils.rnn.PackedSequence (see the module header). PackedSequence(data, batch_sizes,
    sorted_indices=None, unsorted_indices=None) builds one from the packed form, as torch."""

    _fields = ("data", "batch_sizes", "sorted_indices", "unsorted_indices")

    def __init__(self, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        op = "PackedSequence"
        if batch_sizes is None and isinstance(data, (tuple, list)) and len(data) == 2:
            data, batch_sizes = data
        data = _as_tensor(data, op, "data")
        sizes = _indices(batch_sizes, op, "batch_sizes")
        if sizes is None or data.ndim < 1 or sizes.size == 0:
            raise ValueError(f"{op}: expected data (N, *) and non-empty batch_sizes (T,)")
        if (sizes <= 0).any() or (np.diff(sizes) > 0).any() or sizes.sum() != data.shape[0]:
            raise ValueError(
                f"{op}: batch_sizes {sizes.tolist()} must be positive, non-increasing and sum to the "
                f"{data.shape[0]} rows of data"
            )
        order = _indices(sorted_indices, op, "sorted_indices")
        batch = int(sizes[0])
        if order is not None and sorted(order.tolist()) != list(range(batch)):
            raise ValueError(f"{op}: sorted_indices must be a permutation of range({batch})")
        back = _indices(unsorted_indices, op, "unsorted_indices")
        if back is None and order is not None:
            back = np.argsort(order)
        t_len = sizes.size
        sorted_lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        cols = np.arange(batch)
        rows = np.where(cols[None, :] < sizes[:, None], offsets[:, None] + cols[None, :], data.shape[0])
        if back is not None:
            rows, sorted_lengths = rows[:, back], sorted_lengths[back]
        pad_row = zeros(1, *data.shape[1:], dtype=data.dtype, device=str(data.device))
        self._padded = _f.cat([data, pad_row])[_index(data, rows.reshape(t_len, batch))]
        self._lengths = sorted_lengths.astype(np.int64)
        self._data = data
        self._set_indices(order, back, data)

    def _set_indices(self, order, back, like: Tensor) -> None:
        self.sorted_indices = None if order is None else Tensor(_index(like, order))
        self.unsorted_indices = None if back is None else Tensor(_index(like, back))

    @classmethod
    def _from_padded(cls, padded: Tensor, lengths: np.ndarray, order, back) -> PackedSequence:
        """From the inner form: padded (T, B, *) time-major, lengths numpy int64 (B,), the batch
        order arrays (numpy or None)."""
        self = cls.__new__(cls)
        self._padded, self._lengths, self._data = padded, lengths, None
        self._set_indices(order, back, padded)
        return self

    def _order(self):
        return None if self.sorted_indices is None else backend.to_device(self.sorted_indices.data, "cpu")

    def _back(self):
        return None if self.unsorted_indices is None else backend.to_device(self.unsorted_indices.data, "cpu")

    @property
    def data(self) -> Tensor:
        if self._data is None:
            order = self._order()
            lengths = self._lengths if order is None else self._lengths[order]
            t_idx, j_idx = np.nonzero(np.arange(self._padded.shape[0])[:, None] < lengths[None, :])
            b_idx = j_idx if order is None else order[j_idx]
            self._data = self._padded[_index(self._padded, t_idx), _index(self._padded, b_idx)]
        return self._data

    @property
    def batch_sizes(self) -> Tensor:
        steps = np.arange(self._padded.shape[0])
        return Tensor((self._lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64))

    def __iter__(self):
        return iter((self.data, self.batch_sizes, self.sorted_indices, self.unsorted_indices))

    def to(self, *args, **kwargs) -> PackedSequence:
        """The sequence with its data moved/cast as Tensor.to (batch_sizes stay on the CPU)."""
        padded = self._padded.to(*args, **kwargs)
        if padded is self._padded:
            return self
        return PackedSequence._from_padded(padded, self._lengths, self._order(), self._back())

    def float(self) -> PackedSequence:
        return self.to(dtype=np.float32)

    def double(self) -> PackedSequence:
        return self.to(dtype=np.float64)

    @property
    def is_cuda(self) -> bool:
        return self._padded.device.type == "cuda"

    def __repr__(self) -> str:
        return (
            f"PackedSequence(data={self.data!r}, batch_sizes={self.batch_sizes!r}, "
            f"sorted_indices={self.sorted_indices!r}, unsorted_indices={self.unsorted_indices!r})"
        )


def _lengths(lengths, batch: int, op: str) -> np.ndarray:
    a = np.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
    if a.dtype.kind not in "iu" and a.size:
        raise TypeError(f"{op}: lengths must be integers (a list or an int64 tensor), got {a.dtype}")
    a = a.astype(np.int64).reshape(-1) if a.ndim <= 1 else a
    if a.ndim != 1 or a.size != batch:
        raise ValueError(
            f"{op}: expected len(lengths) to be equal to batch_size, got {a.size} lengths "
            f"(batch_size={batch})"
        )
    return a


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True):
    """A PackedSequence of the sequences input[:lengths[b], b] (input (T, B, *), or (B, T, *) when
    batch_first). enforce_sorted: lengths must not increase; else the batch is sorted by length
    (stably, longest first) and sorted_indices / unsorted_indices record the order."""
    op = "pack_padded_sequence"
    x = _as_tensor(input, op)
    if x.ndim < 2:
        raise ValueError(
            f"{op}: expected an input of at least 2 dims ((T, B, *) or (B, T, *)), got {x.shape}"
        )
    if batch_first:
        x = x.transpose(0, 1)
    t_len, batch = x.shape[0], x.shape[1]
    lens = _lengths(lengths, batch, op)
    if batch == 0:
        raise ValueError(f"{op}: cannot pack empty tensors (input of shape {input.shape})")
    if (lens <= 0).any():
        raise ValueError(f"{op}: length of all samples has to be greater than 0, got lengths {lens.tolist()}")
    if (lens > t_len).any():
        raise ValueError(f"{op}: lengths {lens.tolist()} exceed the {t_len} steps of the input {input.shape}")
    order = back = None
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise ValueError(
                f"{op}: `lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                f"True, got {lens.tolist()}; pass enforce_sorted=False to sidestep this requirement"
            )
    else:
        order = np.argsort(-lens, kind="stable")
        back = np.argsort(order)
    t_max = int(lens.max())
    padded = x if t_max == t_len else x[:t_max]
    return PackedSequence._from_padded(padded, lens, order, back)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length=None
):
    """(padded (T, B, *) or (B, T, *) with padding_value past each end, lengths int64 (B,)) in the
    batch order of the original input; T = the longest length, or total_length if given."""
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    padded, lens = sequence._padded, sequence._lengths
    t_len = padded.shape[0]
    if total_length is not None and total_length < t_len:
        raise ValueError(
            f"{op}: expected total_length to be at least the length of the longest sequence in "
            f"input, but got total_length={total_length} and max sequence length being {t_len}"
        )
    mask = np.arange(t_len)[:, None] < lens[None, :]
    mask = mask.reshape(mask.shape + (1,) * (padded.ndim - 2))
    out = _f.where(Tensor(_index(padded, mask)), padded, padding_value)
    if total_length is not None and total_length > t_len:
        tail = Tensor(backend.array_module(padded.data).full(
            (total_length - t_len,) + padded.shape[1:], padding_value, dtype=padded.dtype
        ))  # fmt: skip
        out = _f.cat([out, tail])
    if batch_first:
        out = out.transpose(0, 1)
    return out, Tensor(lens.copy())


def pad_sequence(
    sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
):
    """The tensors (L_i, *) stacked into (max L, B, *) (or (B, max L, *)), padded with
    padding_value on the right (or the left, padding_side='left'), as torch."""
    op = "pad_sequence"
    if isinstance(sequences, Tensor):
        sequences = [sequences[i] for i in range(sequences.shape[0])]
    seqs = [_as_tensor(s, op, "sequence") for s in sequences]
    if not seqs:
        raise ValueError(f"{op}: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"{op}: padding_side must be 'left' or 'right', got {padding_side!r}")
    first = seqs[0]
    for s in seqs:
        if s.ndim < 1 or s.shape[1:] != first.shape[1:]:
            raise ValueError(
                f"{op}: sequences must share their trailing dims, got shapes {[s.shape for s in seqs]}"
            )
        if s.dtype != first.dtype:
            raise TypeError(
                f"{op}: sequences must have one dtype, got {sorted({str(s.dtype) for s in seqs})}"
            )
    lens = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    t_len, batch, total = int(lens.max()), len(seqs), int(lens.sum())
    pad = Tensor(
        backend.array_module(first.data).full((1,) + first.shape[1:], padding_value, dtype=first.dtype)
    )
    steps = np.arange(t_len)[:, None]
    start = np.concatenate([[0], np.cumsum(lens)[:-1]])[None, :]
    if padding_side == "right":
        rows = np.where(steps < lens[None, :], start + steps, total)
    else:
        shift = t_len - lens[None, :]
        rows = np.where(steps >= shift, start + steps - shift, total)
    out = _f.cat(seqs + [pad])[_index(first, rows.reshape(t_len, batch))]
    return out.transpose(0, 1) if batch_first else out


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """pack_padded_sequence(pad_sequence(sequences), their lengths, enforce_sorted=...)."""
    seqs = [_as_tensor(s, "pack_sequence", "sequence") for s in sequences]
    lengths = [s.shape[0] if s.ndim else 0 for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """The list of sequences padded[:lengths[b], b] (padded (T, B, *), or (B, T, *))."""
    x = _as_tensor(padded_sequences, "unpad_sequence")
    x = x if batch_first else x.transpose(0, 1)
    lens = _lengths(lengths, x.shape[0], "unpad_sequence")
    return [x[b, : int(n)] for b, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The sequences of a PackedSequence, in the original batch order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "pack_sequence",
    "unpad_sequence",
    "unpack_sequence",
]
